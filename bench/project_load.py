"""/project under concurrent visitors: the time each call takes, from upload to its result, while others wait.

    python -m bench.project_load [--weights weights] [--clients 8] [--per-client 5]

Starts app.py on the weights, then --clients threads each send --per-client projections one after another
(a garment PNG uploaded, /project called, its event stream read to the end), all at once. Prints the median, p95
and largest seconds per call and the failures. Run it with nothing else on the CPU.
"""
import argparse
import random
import statistics
import tempfile
import threading
import time
from pathlib import Path

from bench.local_server import ROOT, AppServer
from bench.soak import call, garment_png


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--weights", default=str(ROOT / "weights"))
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--per-client", type=int, default=5)
    args = parser.parse_args()
    import httpx

    server = AppServer(args.weights, log_path=Path(tempfile.gettempdir()) / "cgan-project-load.log").wait()
    seconds, failures, lock = [], [], threading.Lock()

    def client(index: int):
        rng = random.Random(index)
        with httpx.Client(timeout=120) as session:
            for _ in range(args.per_client):
                started = time.perf_counter()
                ok = call(session, server.url, "project", [garment_png(rng), rng.choice(["auto", "Dress", "Bag"])])
                with lock:
                    (seconds if ok else failures).append(time.perf_counter() - started)

    try:
        with httpx.Client(timeout=120) as session:  # warm-up: the first projection builds the projector
            call(session, server.url, "project", [garment_png(random.Random(-1)), "auto"])
        threads = [threading.Thread(target=client, args=(i,)) for i in range(args.clients)]
        began = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wall = time.perf_counter() - began
    finally:
        server.stop()
    seconds.sort()
    print(f"{args.clients} clients x {args.per_client} projections in {wall:.1f} s: "
          f"median {statistics.median(seconds):.2f} s, p95 {seconds[int(0.95 * (len(seconds) - 1))]:.2f} s, "
          f"largest {seconds[-1]:.2f} s; {len(failures)} failed")


if __name__ == "__main__":
    main()
