"""How long the live path takes, stage by stage, for this checkout and (with --against) another commit side by side.

    python -m bench.app_latency                                  # this checkout
    python -m bench.app_latency --against 5118fee --rounds 5     # both, interleaved rounds, with ratios
    python -m bench.app_latency --browser                        # also a slider move to the image drawn in Chromium

Paths, each a client that shows the image would make (sequential calls, one slider moving through its range):
- generate: /generate through Gradio's call route: POST (submit), its event stream to the result (result), then
  the fetch of the image it returns (image);
- view: the Generate tab's own slider request, one POST to the page's server function (the page draws its answer);
- browser (--browser): a slider moved in Chromium to the new image drawn (the page's own timing).
In-process stages of this checkout (no HTTP): the generator, the label readout, the PNG encoding. Rounds alternate
which app goes first, so drift on a noisy machine hits both alike; the other commit runs from a temporary git
worktree, serving the same weights unless --own-weights. Nothing else should run while it measures.
"""
from __future__ import annotations

import argparse
import io
import json
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

import httpx
import torch

from bench.local_server import ROOT, AppServer
from cgan.explorer.loading import load_explorer


def percentile(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def in_process(weights: str, requests: int) -> dict[str, float]:
    """Median ms of each server-side stage of one /generate, without HTTP."""
    explorer = load_explorer(weights, torch.device("cpu"))
    stages = {"generator": [], "readout": [], "png": []}
    for i in range(requests):
        start = time.perf_counter()
        pixels = explorer.generate("Dress", i, sliders=[0.5] * 8)
        middle = time.perf_counter()
        explorer.predict(pixels[0])
        readout = time.perf_counter()
        explorer.enlarge(pixels, columns=1).save(io.BytesIO(), format="PNG")
        stages["generator"].append((middle - start) * 1000)
        stages["readout"].append((readout - middle) * 1000)
        stages["png"].append((time.perf_counter() - readout) * 1000)
    return {name: statistics.median(times) for name, times in stages.items()}


def generate_call(session: httpx.Client, url: str, slider: float) -> dict[str, float]:
    """/generate through the call route, then the image fetch; ms of each stage."""
    data = ["Dress", 1, 1, 1.0, "Dress", 0.0, slider, 0, 0, 0, 0, 0, 0, 0]
    start = time.perf_counter()
    posted = session.post(f"{url}/gradio_api/call/generate", json={"data": data})
    posted.raise_for_status()
    submitted = time.perf_counter()
    body = session.get(f"{url}/gradio_api/call/generate/{posted.json()['event_id']}").text
    if "event: complete" not in body:
        raise RuntimeError(body[:200])
    resulted = time.perf_counter()
    payload = json.loads(body.split("event: complete", 1)[1].split("data:", 1)[1].strip().splitlines()[0])
    session.get(payload[0]["url"]).raise_for_status()
    done = time.perf_counter()
    return {"submit": (submitted - start) * 1000, "result": (resulted - submitted) * 1000,
            "image": (done - resulted) * 1000, "total": (done - start) * 1000}


class ViewCall:
    """The Generate tab's slider request to one app: its server function, found in the page config."""

    def __init__(self, session: httpx.Client, url: str):
        self.session, self.url = session, url
        config = session.get(f"{url}/config").json()
        self.component = next(c["id"] for c in config["components"] if c.get("props", {}).get("elem_id") == "image")
        # The request as this app's page sends it: by control name, or (older commits) a sliders list, with or
        # without a latent code.
        self.form = next(form for form in ("by name", "sliders", "sliders, no latent")
                         if "error" not in self.ask(self.request(0.0, form)))

    @staticmethod
    def request(slider: float, form: str = "by name") -> dict:
        values = [slider] + [0.0] * 7
        common = {"class_name": "Dress", "seed": 1, "side": 1, "truncation": 1.0, "mix_class": "", "mix_weight": 0.0}
        if form == "by name":
            return common | {f"direction_{i}": v for i, v in enumerate(values)} | {"latent": ""}
        return common | {"sliders": values} | ({"latent": ""} if form == "sliders" else {})

    def ask(self, request: dict) -> dict:
        answer = self.session.post(f"{self.url}/gradio_api/component_server/", json={
            "data": request, "component_id": self.component, "fn_name": "view", "session_hash": "bench"})
        answer.raise_for_status()
        return answer.json()

    def __call__(self, slider: float) -> dict[str, float]:
        start = time.perf_counter()
        answer = self.ask(self.request(slider, self.form))
        if "rgba" not in answer:
            raise RuntimeError(str(answer)[:200])
        return {"total": (time.perf_counter() - start) * 1000}


def browser_path(url: str, requests: int) -> list[float]:
    """Slider moves in Chromium (the Generate tab): ms from the input event to the image drawn, as the page times it."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=[
            "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync"])
        page = browser.new_page()
        page.goto(url)
        page.get_by_role("tab", name="Generate").click()
        page.wait_for_function("() => window.cganGenerate && window.cganGenerate.shown >= 1", timeout=120_000)
        slider = page.locator("#slider-0 input[type=range]").first
        for i in range(requests):
            shown = page.evaluate("window.cganGenerate.shown")
            slider.fill(str(round(-3 + 6 * (i % 30) / 30, 1)))
            page.wait_for_function(f"() => window.cganGenerate.shown > {shown}", timeout=30_000)
        times = page.evaluate("window.cganGenerate.times")
        browser.close()
    return times[-requests:]


def measure(apps: dict[str, AppServer], rounds: int, requests: int, browser: bool) -> dict[str, dict[str, list]]:
    """Interleaved rounds over every app: {app: {path or stage: [ms, ...]}}."""
    results: dict[str, dict[str, list]] = {name: {} for name in apps}
    with httpx.Client(timeout=60) as session:
        views = {name: ViewCall(session, app.url) for name, app in apps.items()}
        for name, app in apps.items():  # warm-up
            for _ in range(5):
                generate_call(session, app.url, 0.0), views[name](0.0)
        for round_index in range(rounds):
            for name, app in list(apps.items())[::1 if round_index % 2 == 0 else -1]:
                for path, call in (("generate", lambda s: generate_call(session, app.url, s)), ("view", views[name])):
                    for i in range(requests):
                        for stage, ms in call(round(-3 + 6 * ((i + round_index) % requests) / requests, 2)).items():
                            key = path if stage == "total" else f"{path}: {stage}"
                            results[name].setdefault(key, []).append(ms)
                if browser:
                    results[name].setdefault("browser", []).extend(browser_path(app.url, requests))
    return results


def report(results: dict[str, dict[str, list]], stages: dict[str, float]) -> None:
    names = list(results)
    print(f"{'path / stage':28s}" + "".join(f"{name + ' p50':>18s}{'p95':>8s}" for name in names)
          + ("   ratio p50 / p95" if len(names) == 2 else ""))
    for key in results[names[0]]:
        row = f"{key:28s}"
        for name in names:
            times = results[name].get(key, [])
            row += f"{percentile(times, 50):18.1f}{percentile(times, 95):8.1f}" if times else f"{'-':>18s}{'-':>8s}"
        if len(names) == 2 and results[names[1]].get(key):
            this, other = results[names[0]][key], results[names[1]][key]
            row += (f"   {percentile(this, 50) / percentile(other, 50):.2f} / "
                    f"{percentile(this, 95) / percentile(other, 95):.2f}")
        print(row)
    print("in-process stages of this checkout (medians, ms): " + ", ".join(f"{k} {v:.1f}" for k, v in stages.items()))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--against", help="a commit to compare with, side by side (any git revision)")
    parser.add_argument("--weights", default=str(ROOT / "weights"), help="the export the apps serve")
    parser.add_argument("--own-weights", action="store_true",
                        help="the other commit serves its own tree's weights/ (when its code cannot read these)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds, alternating which app goes first")
    parser.add_argument("--requests", type=int, default=40, help="sequential calls per path, app and round")
    parser.add_argument("--browser", action="store_true", help="also time slider moves in Chromium")
    args = parser.parse_args(argv)
    stages = in_process(args.weights, args.requests)
    with tempfile.TemporaryDirectory(prefix="cgan-latency-") as tmp:
        apps, other_root = {}, Path(tmp) / "tree"
        try:
            apps["this checkout"] = AppServer(args.weights, log_path=Path(tmp) / "this.log")
            if args.against:
                subprocess.run(["git", "worktree", "add", "--detach", str(other_root), args.against], cwd=ROOT,
                               check=True, capture_output=True)
                weights = other_root / "weights" if args.own_weights else args.weights
                apps[args.against] = AppServer(weights, log_path=Path(tmp) / "other.log", root=other_root)
            for app in apps.values():
                app.wait(300)
            results = measure(apps, args.rounds, args.requests, args.browser)
        finally:
            for app in apps.values():
                app.stop()
            if args.against:
                subprocess.run(["git", "worktree", "remove", "--force", str(other_root)], cwd=ROOT, capture_output=True)
    print(f"{args.rounds} rounds x {args.requests} sequential calls per path and app; ms")
    report(results, stages)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
