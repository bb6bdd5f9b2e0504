"""App speed on the computer it runs on: server-side time for one image and an 8x8 grid, slider updates as the browser
experiences them (p50/p95), slider updates through the REST API, and 8 concurrent clients x 50 requests.

    python -m bench.app_latency [--weights weights] [--no-browser]

Starts app.py on a free 127.0.0.1 port. The browser path drives Debian's Chromium with Playwright: it moves
the first direction slider (an `input` event on the range element, as a drag does) and times, inside the
page, from the event until the new image is drawn (the page's canvas, after the one request that brings its
pixels and the label readout).
"""
import argparse
import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parent.parent
from cgan.explorer.loading import load_explorer
from bench.local_server import AppServer


def percentile(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def server_side(weights):
    explorer = load_explorer(weights, torch.device("cpu"))
    for side, label in ((1, "one image"), (8, "8x8 grid")):
        times = []
        for i in range(30):
            start = time.perf_counter()
            pixels = explorer.generate("Dress", i, side=side, sliders=[0.5] * 8)
            explorer.enlarge(pixels, columns=side)
            explorer.predict(pixels[0])
            times.append((time.perf_counter() - start) * 1000)
        print(f"server-side {label:10s}: median {statistics.median(times):6.1f} ms, p95 {percentile(times, 95):6.1f} ms")


BROWSER_FLAGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
# In the page: move slider 0 to `value`, resolve with the milliseconds until the new image is decoded.
SLIDER_JS = """
async (value) => {
  const range = document.querySelector('#slider-0 input[type=range]');
  const view = document.querySelector('#generate-view');
  performance.clearResourceTimings();
  const drawn = new Promise(resolve => view.addEventListener('cgan-drawn', () => resolve(performance.now()), {once: true}));
  const timeout = new Promise((_, reject) => setTimeout(() => reject(new Error('no new image in 10 s')), 10000));
  const t0 = performance.now();
  range.value = String(value);
  range.dispatchEvent(new Event('input', {bubbles: true}));
  const total = (await Promise.race([drawn, timeout])) - t0;
  const request = performance.getEntriesByType('resource').find(e => e.name.includes('/gradio_api/component_server'));
  return {total, sent: request ? request.startTime - t0 : NaN, answered: request ? request.responseEnd - t0 : NaN};
}
"""


def browser_path(url, requests):
    """Slider updates timed inside Chromium: event -> request -> result -> image decoded (ms)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=BROWSER_FLAGS, headless=True)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(url)
        page.get_by_role("tab", name="Generate").click()  # the server path (the page opens on the instant tab)
        page.wait_for_selector("#image canvas")
        page.wait_for_timeout(2000)  # let the on-load events settle
        times = []
        for i in range(requests + 5):
            value = round(-3 + 0.1 * (i % 60), 1)  # on the slider's 0.1 grid, never the same twice in a row
            timing = page.evaluate(SLIDER_JS, value)
            if i >= 5:  # warm-up
                times.append(timing)
            page.wait_for_timeout(30)  # a dragging hand moves every few tens of ms; let the queue drain
        browser.close()
    return times


def http_generate(session, url, data):
    """One /generate through the REST API as a browser-like client would: submit, stream the result, fetch
    the image. Returns the image bytes; raises on any error."""
    import json

    event = session.post(f"{url}/gradio_api/call/generate", json={"data": data})
    event.raise_for_status()
    event_id = event.json()["event_id"]
    with session.stream("GET", f"{url}/gradio_api/call/generate/{event_id}") as response:
        body = b"".join(response.iter_bytes()).decode()
    if "event: complete" not in body:
        raise RuntimeError(body[:200])
    payload = json.loads(body.split("event: complete", 1)[1].split("data:", 1)[1].strip().splitlines()[0])
    image = session.get(payload[0]["url"])
    image.raise_for_status()
    return image.content


def controls(class_name, seed, slider0=0.0, slider1=0.0):
    """The /generate inputs in order: class, seed, side, psi, mix class, mix weight, 8 sliders."""
    return [class_name, seed, 1, 1.0, class_name, 0.0, slider0, slider1, 0, 0, 0, 0, 0, 0]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--weights", default=str(ROOT / "weights"))
    parser.add_argument("--requests", type=int, default=100, help="sequential slider updates")
    parser.add_argument("--no-browser", action="store_true", help="skip the Chromium measurement")
    args = parser.parse_args()
    server_side(args.weights)
    import httpx
    from gradio_client import Client

    server = AppServer(args.weights, log_path=Path("/tmp/cgan-bench-app.log")).wait()
    try:
        if not args.no_browser:
            timings = browser_path(server.url, args.requests)
            times = [t["total"] for t in timings]
            print(f"slider update in the browser: p50 {percentile(times, 50):6.1f} ms, p95 {percentile(times, 95):6.1f} ms "
                  f"({len(times)} updates: input event -> request -> result -> image drawn)")
            parts = {k: statistics.median(t[k] for t in timings) for k in ("sent", "answered")}
            print(f"  where it goes (medians from the input event): request sent at {parts['sent']:.1f} ms, answered at "
                  f"{parts['answered']:.1f} ms, image drawn at {statistics.median(times):.1f} ms")
        session = httpx.Client(timeout=30)
        for _ in range(5):  # warm-up
            http_generate(session, server.url, controls("Dress", 1))
        times = []
        for i in range(args.requests):  # one slider dragged through its range
            start = time.perf_counter()
            http_generate(session, server.url, controls("Dress", 1, round(-3 + 6 * i / args.requests, 2)))
            times.append((time.perf_counter() - start) * 1000)
        print(f"slider update via HTTP : p50 {percentile(times, 50):6.1f} ms, p95 {percentile(times, 95):6.1f} ms "
              f"({args.requests} sequential requests: submit, result stream, image download)")
        client = Client(server.url, verbose=False)
        times = []
        for i in range(20):
            start = time.perf_counter()
            client.predict(class_name="Dress", seed=1, direction_0=i / 10, api_name="/generate")
            times.append((time.perf_counter() - start) * 1000)
        print(f"same via gradio_client : p50 {percentile(times, 50):6.1f} ms (its own polling and file handling add the rest)")

        def one_client(k):
            errors = 0
            with httpx.Client(timeout=60) as own:
                for i in range(50):
                    try:
                        http_generate(own, server.url, controls("Bag", k * 100 + i, 0.0, 0.1 * (i % 30) - 1.5))
                    except Exception:  # counted, not raised: the point is how many fail
                        errors += 1
            return errors

        start = time.perf_counter()
        with ThreadPoolExecutor(8) as pool:
            errors = sum(pool.map(one_client, range(8)))
        elapsed = time.perf_counter() - start
        print(f"8 clients x 50 requests: {400 / elapsed:6.1f} requests/s, {errors} errors, {elapsed:.1f} s")
    finally:
        server.stop()


if __name__ == "__main__":
    main()
