"""/generate over HTTP for this checkout and another commit, side by side: the check to run before and after any
change to the serving path.

    python -m bench.app_side_by_side --against 5118fee            # 5 rounds of 40 calls to each
    python -m bench.app_side_by_side --against HEAD~3 --rounds 9 --requests 60

The other commit is checked out in a temporary git worktree; both apps serve the same weights (this checkout's
weights/, or --weights; each its own with --own-weights) on 127.0.0.1. Each call is what an API client that shows the image does: POST to Gradio's
call route, read the event stream to its result, fetch the image. Rounds alternate which app goes first, so drift
on a noisy machine hits both alike. Prints p50 and p95 per app over all rounds, the median of the per-round
medians, and the ratio of this checkout to the other (below 1: this checkout is faster). Nothing else should run.
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from bench.app_latency import controls, http_generate, percentile
from bench.local_server import ROOT, AppServer


def timed_calls(session: httpx.Client, url: str, requests: int, offset: int) -> list[float]:
    """`requests` sequential /generate calls, a slider moving through its range; milliseconds each."""
    times = []
    for i in range(requests):
        start = time.perf_counter()
        http_generate(session, url, controls("Dress", 1, round(-3 + 6 * ((i + offset) % requests) / requests, 2)))
        times.append((time.perf_counter() - start) * 1000)
    return times


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--against", required=True, help="the commit to compare with (any git revision)")
    parser.add_argument("--weights", default=str(ROOT / "weights"), help="the export both apps serve")
    parser.add_argument("--own-weights", action="store_true",
                        help="each app serves its own tree's weights/ (for a commit whose code cannot read today's)")
    parser.add_argument("--rounds", type=int, default=5, help="rounds, alternating which app goes first")
    parser.add_argument("--requests", type=int, default=40, help="sequential calls to each app per round")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="cgan-against-") as tmp:
        other_root = Path(tmp) / "tree"
        subprocess.run(["git", "worktree", "add", "--detach", str(other_root), args.against], cwd=ROOT, check=True,
                       capture_output=True)
        servers = {}
        try:
            servers["this checkout"] = AppServer(args.weights, log_path=Path(tmp) / "this.log")
            other_weights = other_root / "weights" if args.own_weights else args.weights
            servers[args.against] = AppServer(other_weights, log_path=Path(tmp) / "other.log", root=other_root)
            for server in servers.values():
                server.wait(300)
            times: dict[str, list[float]] = {name: [] for name in servers}
            round_medians: dict[str, list[float]] = {name: [] for name in servers}
            with httpx.Client(timeout=30) as session:
                for server in servers.values():
                    timed_calls(session, server.url, 5, 0)  # warm-up
                for round_index in range(args.rounds):
                    order = list(servers.items())[::1 if round_index % 2 == 0 else -1]
                    for name, server in order:
                        measured = timed_calls(session, server.url, args.requests, round_index)
                        times[name] += measured
                        round_medians[name].append(statistics.median(measured))
        finally:
            for server in servers.values():
                server.stop()
            subprocess.run(["git", "worktree", "remove", "--force", str(other_root)], cwd=ROOT, capture_output=True)
    print(f"/generate via the call route with the image fetch, {args.rounds} rounds x {args.requests} calls each")
    print(f"{'app':24s} {'p50 ms':>8s} {'p95 ms':>8s} {'median of round medians':>24s}")
    for name in times:
        print(f"{name:24s} {percentile(times[name], 50):8.1f} {percentile(times[name], 95):8.1f} "
              f"{statistics.median(round_medians[name]):24.1f}")
    this, other = times["this checkout"], times[args.against]
    print(f"ratio this / {args.against}: p50 {percentile(this, 50) / percentile(other, 50):.2f}, "
          f"p95 {percentile(this, 95) / percentile(other, 95):.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
