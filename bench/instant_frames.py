"""Instant mode as a visitor feels it: frame times while a slider is dragged, and the first frame after load.

    python -m bench.instant_frames [--weights weights] [--drags 3]

Starts app.py, opens it in Debian's headless Chromium (Playwright), opens the instant tab once to fill the
browser cache, then reloads and measures the first instant frame after navigation and after the page's load
event (warm cache; the page opens on the instant tab), then --drags mouse drags across a direction slider (60 moves each) and a ψ drag. Frame time
is from the input event to the canvas updated (window.cganInstant.frames, recorded by cgan/explorer/web/instant.js).
Prints the median and p95 and the number of server requests made while dragging.
"""
import argparse
import statistics
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
from bench.local_server import AppServer

FLAGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def open_tab(page, url):
    page.goto(url)  # the page opens on the instant tab
    page.wait_for_function("() => window.cganInstant && (window.cganInstant.ready || window.cganInstant.error)",
                           timeout=120_000)
    state = page.evaluate("window.cganInstant")
    if state["error"]:
        raise SystemExit(f"instant mode failed: {state['error']}")
    load = page.evaluate("performance.getEntriesByType('navigation')[0].loadEventEnd")
    print(f"  load event {load:.0f} ms, instant script started {state['startedAt']:.0f} ms, runtime and model "
          f"ready {state['sessionAt']:.0f} ms, first instant frame {state['firstFrameAt']:.0f} ms "
          f"(all after navigation)", flush=True)
    return state["firstFrameAt"], state["firstFrameAt"] - load


def settle(page, requests, quiet_ms=1500, limit_ms=60_000):
    """Wait until the page has made no request for quiet_ms (its load-time requests are over)."""
    waited = 0
    while waited < limit_ms:
        count = len(requests)
        page.wait_for_timeout(quiet_ms)
        waited += quiet_ms
        if len(requests) == count:
            return


def drag(page, selector, moves=60):
    box = page.locator(selector).first.bounding_box()
    y = box["y"] + box["height"] / 2
    page.mouse.move(box["x"] + 5, y)
    page.mouse.down()
    for i in range(moves):
        page.mouse.move(box["x"] + 5 + i * (box["width"] - 10) / (moves - 1), y)
        page.wait_for_timeout(16)  # ~60 input events a second, as a hand drags
    page.mouse.up()
    page.wait_for_function("() => !document.querySelector('#instant-app').dataset.busy")


def percentile(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--weights", default=str(ROOT / "weights"))
    parser.add_argument("--drags", type=int, default=3)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    server = AppServer(args.weights, log_path=Path("/tmp/cgan-instant-bench.log")).wait()
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=FLAGS, headless=True)
            page = browser.new_page(viewport={"width": 1280, "height": 1000})
            cold = open_tab(page, server.url)
            warm = open_tab(page, server.url)  # reload: runtime, wasm and model from the browser cache
            requests = []
            page.on("request", lambda request: requests.append(request.url))
            settle(page, requests)  # the Generate tab's results still load in the background after the first frame
            requests.clear()
            frames = []
            for i in range(args.drags):
                page.evaluate("window.cganInstant.frames = []")
                drag(page, f'#instant-app [data-role="direction"] >> nth={i % 8}')
                frames += page.evaluate("window.cganInstant.frames")
            page.evaluate("window.cganInstant.frames = []")
            drag(page, '#instant-app [data-role="psi"]')
            frames += page.evaluate("window.cganInstant.frames")
            browser.close()
    finally:
        server.stop()
    print(f"weights: {args.weights}")
    print(f"first instant frame, cold cache: {cold[0]:.0f} ms after navigation ({cold[1]:.0f} ms after the load event)")
    print(f"first instant frame, warm cache: {warm[0]:.0f} ms after navigation ({warm[1]:.0f} ms after the load event)")
    print(f"frames while dragging: {len(frames)}, median {statistics.median(frames):.1f} ms, "
          f"p95 {percentile(frames, 0.95):.1f} ms, max {max(frames):.1f} ms (targets: median <= 16, p95 <= 33)")
    print(f"server requests while dragging: {len(requests)}" + "".join(f"\n  {url}" for url in requests))


if __name__ == "__main__":
    main()
