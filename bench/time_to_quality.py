"""Quality against training time: one complete `train.py --max-minutes M` schedule per budget, each evaluated.

    python -m bench.time_to_quality                                  # 10, 20, 40, 80 and 160 minutes, seed 0
    python -m bench.time_to_quality --minutes 20 --seeds 0 1         # the spread of two seeds at 20 minutes
    python -m bench.time_to_quality --minutes 10 20 --detector-seeds # without the two-sample detector

Each point is its own run (`OUT/mM-sS`), the whole schedule fitted into M minutes, not a snapshot of a longer
run. Runs already exported are evaluated again without training; an unfinished one is resumed, so the command
can be stopped and started again. Nothing else should run beside it: the budgets are wall-clock training time.
Writes OUT/time_to_quality.json, a Markdown table on standard output and, with matplotlib, OUT/time_to_quality.png.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
from pathlib import Path

from cgan import run_layout
from cgan.evaluation.report import evaluate_generator
from cgan.export import load_export

FIGURES = (("fid", "FID"), ("recall", "recall"), ("intra_fid", "intra-class FID"), ("detector", "detector"))


def cpu_name() -> str:
    """The CPU's model name and core count, for the figure's caption."""
    try:
        info = Path("/proc/cpuinfo").read_text()
    except OSError:
        return platform.processor() or platform.machine()
    names = [line.split(":", 1)[1].strip() for line in info.splitlines() if line.startswith("model name")]
    bf16 = " with AVX512-BF16" if "avx512_bf16" in info else ""
    return f"{os.cpu_count()}-core {names[0] if names else platform.machine()}{bf16}"


def train(run: Path, minutes: float, seed: int, extra: list[str]) -> None:
    """Train (or resume) one complete schedule of `minutes` into `run`, unless its export is already there."""
    if (run / run_layout.EXPORT / "model.safetensors").is_file():
        return
    command = [sys.executable, "train.py", "--out-dir", str(run), "--max-minutes", str(minutes), "--seed", str(seed),
               "--no-onnx", *extra]
    if (run / run_layout.CHECKPOINTS).is_dir():
        command.append("--resume")
    print("$ " + " ".join(command), flush=True)
    subprocess.run(command, check=True)


def measure(run: Path, *, per_class: int, detector_seeds: list[int]) -> dict:
    """The export's figures (cached in RUN/time_to_quality.json)."""
    cached = run / "time_to_quality.json"
    if cached.is_file():
        saved = json.loads(cached.read_text())
        if saved.get("per_class") == per_class and saved.get("detector_seeds") == detector_seeds:
            return saved
    generator = load_export(run / run_layout.EXPORT)
    training = generator.metadata["training"]
    result = evaluate_generator(generator, per_class=per_class, gan_train=False, detector_seeds=detector_seeds,
                                progress=False)
    row = {"minutes": round(training["train_seconds"] / 60, 1), "images_seen": training["images_seen"],
           "per_class": per_class, "detector_seeds": detector_seeds,
           **{key: result[key] for key, _ in FIGURES if key in result},
           **{key: result[key] for key in ("precision", "ae_fid", "fid_floor", "intra_fid_floor") if key in result}}
    cached.write_text(json.dumps(row, indent=2) + "\n")
    return row


def table(points: dict[float, list[dict]]) -> str:
    """One row per budget: the mean over seeds of each figure (and its range where there are several)."""
    header = "| minutes | images seen | " + " | ".join(name for _, name in FIGURES) + " | seeds |"
    lines = [header, "|" + "---|" * (len(FIGURES) + 3)]
    for minutes, rows in sorted(points.items()):
        cells = []
        for key, _ in FIGURES:
            values = [row[key] for row in rows if key in row]
            if not values:
                cells.append("—")
            elif len(values) == 1:
                cells.append(f"{values[0]:.3g}")
            else:
                cells.append(f"{statistics.mean(values):.3g} ({min(values):.3g}–{max(values):.3g})")
        images = statistics.mean(row["images_seen"] for row in rows)
        lines.append(f"| {minutes:g} | {images:,.0f} | " + " | ".join(cells) + f" | {len(rows)} |")
    return "\n".join(lines)


def plot(points: dict[float, list[dict]], path: Path, caption: str) -> None:
    """FID and intra-class FID (log scale) and recall against minutes."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import NullFormatter, ScalarFormatter

    minutes = sorted(points)
    figure, axes = plt.subplots(1, 3, figsize=(12, 3.4))
    for axis, (key, name) in zip(axes, FIGURES[:3]):
        means = [statistics.mean(row[key] for row in points[m]) for m in minutes]
        axis.plot(minutes, means, marker="o")
        for m, value in zip(minutes, means):
            axis.annotate(f"{value:.3g}", (m, value), textcoords="offset points", xytext=(5, 5), fontsize=8)
        axis.set_xscale("log")
        if key != "recall":
            axis.set_yscale("log")
        axis.set_xticks(minutes, [f"{m:g}" for m in minutes])
        axis.xaxis.set_minor_formatter(NullFormatter())
        axis.yaxis.set_major_formatter(ScalarFormatter())
        axis.yaxis.set_minor_formatter(NullFormatter())
        axis.set_xlabel("training minutes")
        axis.set_title(name)
        axis.grid(alpha=0.3)
    figure.suptitle(caption, fontsize=9)
    figure.tight_layout()
    figure.savefig(path, dpi=110)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--minutes", type=float, nargs="+", default=[10, 20, 40, 80, 160], help="training budgets")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0], help="training seeds per budget")
    parser.add_argument("--per-class", type=int, default=1000, help="generated images per class for each evaluation")
    parser.add_argument("--detector-seeds", type=int, nargs="*", default=[0],
                        help="two-sample detector seeds (10-20 CPU minutes each); none given: no detector")
    parser.add_argument("--out", default="runs/time_to_quality", help="folder of the runs and the results")
    parser.add_argument("--train-flag", action="append", default=[], metavar="FLAG",
                        help="a further train.py flag for every run, e.g. --train-flag=--precision=fp32")
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    runs = [(minutes, out / f"m{minutes:g}-s{seed}", seed) for minutes in args.minutes for seed in args.seeds]
    for minutes, run, seed in runs:  # every run first, so that no evaluation shares the cores with one
        train(run, minutes, seed, args.train_flag)
    points: dict[float, list[dict]] = {}
    for minutes, run, _ in runs:
        points.setdefault(minutes, []).append(measure(run, per_class=args.per_class,
                                                      detector_seeds=args.detector_seeds))
    caption = (f"python train.py --max-minutes M on a {cpu_name()}; {args.per_class} per class, ψ = 1, "
               f"seeds {', '.join(map(str, args.seeds))}")
    (out / "time_to_quality.json").write_text(json.dumps({"caption": caption, "points": points}, indent=2) + "\n")
    print(caption)
    print(table(points))
    try:
        plot(points, out / "time_to_quality.png", caption)
        print(f"wrote {out / 'time_to_quality.png'}")
    except ImportError:
        print("note: pip install matplotlib to draw the curve")
    return 0


if __name__ == "__main__":
    sys.exit(main())
