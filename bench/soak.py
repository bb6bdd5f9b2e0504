"""A long-running server stays bounded: disk and resident memory before and after many mixed requests.

    python bench/soak.py [--requests 2000] [--weights weights]

Starts app.py with its own TMPDIR and GRADIO_TEMP_DIR (so every file it leaves is counted), sends a mix of
/generate (single images and grids), /interpolate (up to 64 frames, repeated requests included),
/class_grid and /nearest requests over the REST API, and prints the files and bytes under those folders and
the server's resident memory (VmRSS) before and after, with the ratios.
"""
import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "bench"))
from app_server import AppServer  # noqa: E402


def folder_size(folder: Path) -> tuple[int, int]:
    files = [p for p in folder.rglob("*") if p.is_file()]
    return len(files), sum(p.stat().st_size for p in files)


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def call(session, url, api, data):
    """One REST call: submit, then read the event stream to its end; True when it completed."""
    event = session.post(f"{url}/gradio_api/call/{api}", json={"data": data})
    event.raise_for_status()
    body = session.get(f"{url}/gradio_api/call/{api}/{event.json()['event_id']}").text
    return "event: complete" in body


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--weights", default=str(ROOT / "weights"))
    args = parser.parse_args()
    import httpx

    scratch = Path(tempfile.mkdtemp(prefix="cgan-soak-"))
    tmp, gradio_tmp = scratch / "tmp", scratch / "gradio"
    tmp.mkdir()
    gradio_tmp.mkdir()
    server = AppServer(args.weights, log_path=scratch / "app.log",
                       extra_env={"TMPDIR": str(tmp), "GRADIO_TEMP_DIR": str(gradio_tmp)}).wait()
    rng = random.Random(0)
    names = ["T-shirt/top", "Trouser", "Dress", "Bag", "Sneaker"]
    requests = [
        lambda: ("generate", [rng.choice(names), rng.randrange(10**6), rng.choice([1, 1, 1, 8]), 1.0, "", 0.0]
                 + [round(rng.uniform(-3, 3), 1)] + [0.0] * 7),
        lambda: ("interpolate", [rng.choice(names), rng.randrange(5), rng.choice(names), rng.randrange(5),
                                 rng.choice([16, 64]), "spherical", False]),
        lambda: ("class_grid", [rng.randrange(10**6), 1.0] + [0.0] * 8),
        lambda: ("nearest", [rng.choice(names), rng.randrange(10**6), 1.0, "", 0.0] + [0.0] * 8),
    ]
    try:
        with httpx.Client(timeout=300) as session:
            for make in requests:  # warm-up: every endpoint once (and the training-set index built)
                call(session, server.url, *make())
            before = (folder_size(tmp), folder_size(gradio_tmp), rss_mb(server.process.pid))
            started, failures = time.perf_counter(), 0
            for i in range(args.requests):
                failures += not call(session, server.url, *requests[i % len(requests)]())
            elapsed = time.perf_counter() - started
            after = (folder_size(tmp), folder_size(gradio_tmp), rss_mb(server.process.pid))
    finally:
        server.stop()
    print(f"{args.requests} mixed requests in {elapsed:.0f} s, {failures} failed")
    for label, index in (("app temp folder (GIFs)", 0), ("Gradio cache", 1)):
        (n0, b0), (n1, b1) = before[index], after[index]
        print(f"{label:24s}: {n0} files, {b0 / 1e6:.2f} MB before -> {n1} files, {b1 / 1e6:.2f} MB after")
    print(f"{'resident memory':24s}: {before[2]:.0f} MB before -> {after[2]:.0f} MB after ({after[2] / before[2]:.2f}x)")


if __name__ == "__main__":
    main()
