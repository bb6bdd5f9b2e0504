"""A long-running server stays bounded: disk and resident memory before and after many mixed requests.

    python bench/soak.py [--requests 2000] [--cache-minutes 1] [--every 250] [--weights weights]

Starts app.py with its own TMPDIR and GRADIO_TEMP_DIR (so every file it leaves is counted), sends a mix of
/generate (single images and grids), /interpolate (up to 64 frames, repeated requests included),
/class_grid and /nearest requests over the REST API, and prints the files and bytes under those folders and
the server's resident memory (VmRSS) every --every requests, then the first half's end against the last.
Result files live --cache-minutes (the app's default is 15; a short age lets a few minutes of requests show
the bound instead of the growth before it); Gradio keeps at most cgan.explorer.server.SESSIONS sessions in memory.
"""
import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from cgan.explorer.local_server import AppServer  # noqa: E402


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
    parser.add_argument("--cache-minutes", type=float, default=1.0, help="the app's --cache-minutes")
    parser.add_argument("--every", type=int, default=250, help="requests between measurements")
    args = parser.parse_args()
    import httpx

    scratch = Path(tempfile.mkdtemp(prefix="cgan-soak-"))
    tmp, gradio_tmp = scratch / "tmp", scratch / "gradio"
    tmp.mkdir()
    gradio_tmp.mkdir()
    server = AppServer(args.weights, log_path=scratch / "app.log",
                       extra_env={"TMPDIR": str(tmp), "GRADIO_TEMP_DIR": str(gradio_tmp),
                                  "CGAN_CACHE_MINUTES": str(args.cache_minutes)}).wait()
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
            started, failures, rows = time.perf_counter(), 0, []

            def measure(done):
                (gif_files, gif_bytes), (cache_files, cache_bytes) = folder_size(tmp), folder_size(gradio_tmp)
                rows.append((done, time.perf_counter() - started, gif_files, gif_bytes / 1e6, cache_files,
                             cache_bytes / 1e6, rss_mb(server.process.pid)))
                print("| {} | {:.0f} | {} | {:.1f} | {} | {:.1f} | {:.0f} |".format(*rows[-1]), flush=True)

            print(f"cache age {args.cache_minutes:g} min\n")
            print("| requests | s | GIF files | GIF MB | cache files | cache MB | RSS MB |\n|---|---|---|---|---|---|---|")
            measure(0)
            for i in range(args.requests):
                failures += not call(session, server.url, *requests[i % len(requests)]())
                if (i + 1) % args.every == 0 or i + 1 == args.requests:
                    measure(i + 1)
    finally:
        server.stop()
    half = min(rows, key=lambda r: abs(r[0] - args.requests / 2))
    end = rows[-1]
    print(f"\n{args.requests} mixed requests in {end[1]:.0f} s, {failures} failed")
    for label, index in (("app temp folder (GIFs)", 3), ("Gradio cache", 5), ("resident memory", 6)):
        print(f"{label:24s}: {half[index]:.1f} MB at {half[0]} requests -> {end[index]:.1f} MB at {end[0]} "
              f"({end[index] / max(half[index], 1e-9):.2f}x); max after the first half "
              f"{max(r[index] for r in rows if r[0] >= half[0]):.1f} MB")


if __name__ == "__main__":
    main()
