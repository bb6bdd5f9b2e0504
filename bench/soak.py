"""A long-running server stays bounded: resident memory and result-file disk through bursts of mixed requests
and the idle time after them.

    python -m bench.soak [--clients 16] [--per-client 30] [--rounds 2] [--idle-s 60] [--cache-mb 20]

Starts app.py with its own TMPDIR and GRADIO_TEMP_DIR (so every file it leaves is counted). Each round is a
burst: --clients threads each send --per-client mixed REST requests (/generate single images and 8x8 grids,
/interpolate up to 64 frames, /class_grid, /nearest, and one in --project-every an upload projected by /project);
then the server idles --idle-s seconds. It prints the
server's resident memory (VmRSS) and the result files' bytes before the first burst, at each burst's end and
after each idle phase, then the ratio of the last idle RSS to the one before the first burst, and the largest
result-file total against --cache-mb.
"""
import argparse
import io
import random
import tempfile
import threading
import time
from pathlib import Path

from PIL import Image, ImageDraw

from bench.local_server import ROOT, AppServer

NAMES = ["T-shirt/top", "Trouser", "Dress", "Bag", "Sneaker"]


def folder_bytes(*folders: Path) -> int:
    return sum(p.stat().st_size for folder in folders for p in folder.rglob("*") if p.is_file())


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def garment_png(rng: random.Random) -> bytes:
    """A light garment-like shape on a dark background, as a PNG of a few hundred pixels a side."""
    side = rng.choice([64, 200, 600])
    image = Image.new("L", (side, side), 0)
    draw = ImageDraw.Draw(image)
    draw.rectangle([side // 4, side // 5, 3 * side // 4, 4 * side // 5], fill=rng.randrange(120, 255))
    draw.ellipse([side // 3, side // 10, 2 * side // 3, side // 3], fill=0)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def random_request(rng: random.Random, project_every: int = 0) -> tuple[str, list]:
    if project_every and rng.randrange(project_every) == 0:
        return "project", [garment_png(rng), rng.choice(["auto", "Dress", "Bag"])]
    kind = rng.randrange(4)
    if kind == 0:
        return "generate", [rng.choice(NAMES), rng.randrange(10**6), rng.choice([1, 1, 1, 8]), 1.0, "", 0.0,
                            round(rng.uniform(-3, 3), 1)] + [0.0] * 7
    if kind == 1:
        return "interpolate", [rng.choice(NAMES), rng.randrange(5), rng.choice(NAMES), rng.randrange(5),
                               rng.choice([16, 64]), "spherical", False]
    if kind == 2:
        return "class_grid", [rng.randrange(10**6), 1.0] + [0.0] * 8
    return "nearest", [rng.choice(NAMES), rng.randrange(10**6), 1.0, "", 0.0] + [0.0] * 8


def call(session, url: str, api: str, data: list) -> bool:
    """One REST call (a PNG in data uploaded first): submit, then read the event stream to its end; True when it
    completed."""
    if isinstance(data[0], bytes):
        uploaded = session.post(f"{url}/gradio_api/upload", files={"files": ("garment.png", data[0], "image/png")})
        if uploaded.status_code != 200:
            return False
        data = [{"path": uploaded.json()[0], "meta": {"_type": "gradio.FileData"}}, *data[1:]]
    event = session.post(f"{url}/gradio_api/call/{api}", json={"data": data})
    if event.status_code != 200:
        return False
    return "event: complete" in session.get(f"{url}/gradio_api/call/{api}/{event.json()['event_id']}").text


def burst(url: str, clients: int, per_client: int, seed: int, project_every: int) -> int:
    """clients threads, each sending per_client requests one after another; returns how many failed."""
    import httpx

    failures = []

    def client(index: int):
        rng = random.Random(seed * 1000 + index)
        with httpx.Client(timeout=600) as session:
            failures.extend(1 for _ in range(per_client)
                            if not call(session, url, *random_request(rng, project_every)))

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return len(failures)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--weights", default=str(ROOT / "weights"))
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--per-client", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--idle-s", type=float, default=60.0, help="idle seconds after each burst")
    parser.add_argument("--cache-mb", type=float, default=20.0, help="the app's --cache-mb")
    parser.add_argument("--project-every", type=int, default=10, help="one request in this many is an upload "
                        "projected by /project (0: none)")
    args = parser.parse_args()
    import httpx

    scratch = Path(tempfile.mkdtemp(prefix="cgan-soak-"))
    tmp, gradio_tmp = scratch / "tmp", scratch / "gradio"
    tmp.mkdir()
    gradio_tmp.mkdir()
    server = AppServer(args.weights, log_path=scratch / "app.log",
                       extra_env={"TMPDIR": str(tmp), "GRADIO_TEMP_DIR": str(gradio_tmp),
                                  "CGAN_CACHE_MB": str(args.cache_mb)}).wait()
    pid, rows, largest = server.process.pid, [], [0]
    stop = threading.Event()

    def watch_disk():  # the largest total the result files reach, sampled twice a second
        while not stop.wait(0.5):
            largest[0] = max(largest[0], folder_bytes(tmp, gradio_tmp))

    def measure(label: str):
        rows.append((label, rss_mb(pid), folder_bytes(tmp, gradio_tmp) / 1e6))
        print(f"| {label} | {rows[-1][1]:.0f} | {rows[-1][2]:.1f} |", flush=True)

    try:
        with httpx.Client(timeout=600) as session:  # warm-up: every endpoint, and the training-set index
            rng = random.Random(0)
            while not all(call(session, server.url, *random_request(rng, args.project_every)) for _ in range(8)):
                time.sleep(1)
        threading.Thread(target=watch_disk, daemon=True).start()
        time.sleep(args.idle_s)
        print("| phase | RSS MB | result files MB |\n|---|---|---|")
        measure("before the first burst (warm, idle)")
        failures, started = 0, time.perf_counter()
        for round_ in range(1, args.rounds + 1):
            failures += burst(server.url, args.clients, args.per_client, round_, args.project_every)
            measure(f"end of burst {round_} ({args.clients} x {args.per_client} requests)")
            time.sleep(args.idle_s)
            measure(f"after {args.idle_s:g} s idle")
    finally:
        stop.set()
        server.stop()
    total = args.rounds * args.clients * args.per_client
    print(f"\n{total} requests, {failures} failed, {time.perf_counter() - started:.0f} s")
    print(f"resident memory after the last idle phase / before the first burst: {rows[-1][1]:.0f} / {rows[0][1]:.0f} MB "
          f"= {rows[-1][1] / rows[0][1]:.2f} (target <= 1.15)")
    print(f"largest result-file total: {largest[0] / 1e6:.1f} MB (cap {args.cache_mb:g} MB)")


if __name__ == "__main__":
    main()
