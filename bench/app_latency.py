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


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--weights", default=str(ROOT / "weights"))
    parser.add_argument("--requests", type=int, default=100, help="sequential slider updates")
    args = parser.parse_args()
    server_side(args.weights)
    from gradio_client import Client

    server = AppServer(args.weights, log_path=Path("/tmp/cgan-bench-app.log")).wait()
    try:
        client = Client(server.url, verbose=False)
        for _ in range(5):  # warm-up
            client.predict(class_name="Dress", seed=1, api_name="/generate")
        times = []
        for i in range(args.requests):  # one slider dragged through its range
            start = time.perf_counter()
            client.predict(class_name="Dress", seed=1, direction_0=round(-3 + 6 * i / args.requests, 2),
                           api_name="/generate")
            times.append((time.perf_counter() - start) * 1000)
        print(f"slider update via HTTP : p50 {percentile(times, 50):6.1f} ms, p95 {percentile(times, 95):6.1f} ms "
              f"({args.requests} sequential requests, one image)")

        def one_client(k):
            c = Client(server.url, verbose=False)
            errors = 0
            for i in range(50):
                try:
                    c.predict(class_name="Bag", seed=k * 100 + i, direction_1=0.1 * (i % 30) - 1.5,
                              api_name="/generate")
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
