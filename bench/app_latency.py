"""App speed on this machine: server-side time for one image and an 8x8 grid, slider updates through HTTP
(p50/p95), and 8 concurrent clients x 50 requests (throughput, errors).

    python bench/app_latency.py [--weights weights]

Starts app.py on a free 127.0.0.1 port and talks to it with gradio_client, as a browser's events do.
"""
import argparse
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
from app import load_explorer  # noqa: E402
from app_server import AppServer  # noqa: E402


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
    args = parser.parse_args()
    server_side(args.weights)
    import httpx
    from gradio_client import Client

    server = AppServer(args.weights, log_path=Path("/tmp/cgan-bench-app.log")).wait()
    try:
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
