"""Instant mode as a visitor feels it: frame times while a slider is dragged or a garment drawn, and the first
frame after load.

    python -m bench.instant_frames [--weights weights] [--drags 3] [--strokes 6]

Starts app.py, opens it in Debian's headless Chromium (Playwright), opens the instant tab once to fill the
browser cache, then reloads and measures the first instant frame after navigation and after the page's load
event (warm cache; the page opens on the instant tab), then --drags mouse drags across a direction slider (60 moves each) and a ψ drag. Frame time
is from the input event to the canvas updated (window.cganInstant.frames, recorded by cgan/explorer/web/instant.js).
With an encoder beside the weights, --strokes mouse strokes on the drawing canvas (40 moves each) follow: there a
frame is a stroke's pointer event to the garment redrawn (the encoder, then the generator, both in the page).
Prints the medians and p95s, the size of the encoder file the page loaded, and the server requests made meanwhile.
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


def stroke(page, row, moves=40):
    """One stroke across the drawing canvas, a wave at height `row` (0-1)."""
    box = page.locator('#instant-app [data-role="sketch"]').bounding_box()
    x0, y0 = box["x"] + box["width"] * 0.15, box["y"] + box["height"] * row
    page.mouse.move(x0, y0)
    page.mouse.down()
    for i in range(moves):
        page.mouse.move(x0 + box["width"] * 0.7 * i / (moves - 1), y0 + box["height"] * 0.08 * ((i % 10) - 5) / 5)
        page.wait_for_timeout(16)
    page.mouse.up()
    page.wait_for_function("() => !document.querySelector('#instant-app').dataset.busy")


def percentile(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--weights", default=str(ROOT / "weights"))
    parser.add_argument("--drags", type=int, default=3)
    parser.add_argument("--strokes", type=int, default=6, help="strokes on the drawing canvas (weights with an encoder)")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    server = AppServer(args.weights, log_path=Path("/tmp/cgan-instant-bench.log")).wait()
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=FLAGS, headless=True)
            page = browser.new_page(viewport={"width": 1280, "height": 1000})
            sizes = {}
            page.on("response", lambda response: sizes.__setitem__(response.url, response.headers.get("content-length")))
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
            strokes = []
            if args.strokes and page.locator("#instant-app .instant-drawing[data-ready]").count():
                for i in range(args.strokes):
                    page.evaluate("window.cganInstant.frames = []")
                    stroke(page, 0.2 + 0.6 * i / max(1, args.strokes - 1))
                    strokes += page.evaluate("window.cganInstant.frames")
            browser.close()
    finally:
        server.stop()
    print(f"weights: {args.weights}")
    print(f"first instant frame, cold cache: {cold[0]:.0f} ms after navigation ({cold[1]:.0f} ms after the load event)")
    print(f"first instant frame, warm cache: {warm[0]:.0f} ms after navigation ({warm[1]:.0f} ms after the load event)")
    print(f"frames while dragging: {len(frames)}, median {statistics.median(frames):.1f} ms, "
          f"p95 {percentile(frames, 0.95):.1f} ms, max {max(frames):.1f} ms (targets: median <= 16, p95 <= 33)")
    if strokes:
        encoder = [int(size) for url, size in sizes.items() if "encoder.onnx" in url and size]
        print(f"stroke to garment (encoder + generator in the page): {len(strokes)} frames, median "
              f"{statistics.median(strokes):.1f} ms, p95 {percentile(strokes, 0.95):.1f} ms, max {max(strokes):.1f} ms "
              f"(targets: median <= 30, p95 <= 50); encoder.onnx {encoder[0] / 1e6 if encoder else float('nan'):.2f} MB")
    else:
        print("no drawing: the weights have no encoder (python -m cgan.train_encoder)")
    print(f"server requests while dragging and drawing: {len(requests)}" + "".join(f"\n  {url}" for url in requests))


if __name__ == "__main__":
    main()
