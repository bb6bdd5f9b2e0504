"""Draw a run's training curves into RUN/curves.png: losses, discriminator logits, learning rate, speed, quality.

    python -m cgan.plot runs/default                 # writes runs/default/curves.png
    python -m cgan.plot runs/default --out curves.png

Reads RUN/log.jsonl; snapshots evaluated with `python -m cgan.evaluate --weights RUN/snapshots/...` add a
quality panels (FID over its floor, precision and recall, over images seen). train.py calls this at the end of every run.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from cgan import run_layout
from cgan.console import fail
from cgan.export.names import METRICS_NAME
from cgan.files import atomic_path

CURVES_NAME = run_layout.CURVES
PANELS = [("losses", ("loss_d", "loss_g")), ("discriminator logits", ("d_real", "d_fake")),
          ("learning rate", ("lr",)), ("images / s", ("images_per_s",))]
QUALITY = [("snapshot FID / its floor", ("fid_vs_floor", "ae_fid_vs_floor")),
           ("snapshot precision, recall", ("precision", "recall"))]


def read_log(run: Path) -> list[dict]:
    """The run's log lines; a torn last line (a run killed mid-write) is skipped."""
    path = run / run_layout.LOG
    if not path.is_file():
        raise FileNotFoundError(f"{run}: no log.jsonl; is this a run folder (train.py --out-dir)?")
    records = []
    for line in path.read_text(errors="replace").splitlines():
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(record, dict) and all(isinstance(record.get(key), (int, float)) and not isinstance(
                record.get(key), bool) for key in ("step", "images_seen")):  # anything else is not a log line
            records.append(record)
    if not records:
        raise ValueError(f"{path} has no complete log line yet")
    return records


def read_snapshot_metrics(run: Path) -> list[tuple[int, dict]]:
    """(images seen, metrics) of each evaluated snapshot, in order."""
    found = []
    for path in sorted((run / run_layout.SNAPSHOTS).glob(f"images-*/{METRICS_NAME}")):
        try:
            metrics = json.loads(path.read_text())
            images = int(path.parent.name.removeprefix("images-"))
        except (ValueError, OSError):
            continue
        if isinstance(metrics, dict):
            found.append((images, metrics))
    return found


def plot_run(run: str | Path, out: str | Path | None = None) -> Path:
    """Write the curves PNG (default RUN/curves.png); returns its path."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    run = Path(run)
    records = read_log(run)
    snapshots = read_snapshot_metrics(run)
    panels = PANELS + (QUALITY if snapshots else [])
    figure, axes = plt.subplots(len(panels), 1, figsize=(8, 2.2 * len(panels)), sharex=True, squeeze=False)
    seen = [r["images_seen"] for r in records]
    for ax, (title, keys) in zip(axes[:, 0], panels):
        for key in keys:
            if title.startswith("snapshot"):
                points = [(images, m[key]) for images, m in snapshots if isinstance(m.get(key), (int, float))]
                if points:
                    ax.plot(*zip(*points), marker="o", label=key)
            elif key in records[0]:
                ax.plot(seen, [r[key] if isinstance(r.get(key), (int, float)) else float("nan") for r in records],
                        label=key, linewidth=1)
        ax.set_title(title, fontsize=10, loc="left")
        ax.grid(alpha=0.3)
        if ax.lines:
            ax.legend(fontsize=8, loc="best")
    axes[-1, 0].set_xlabel("images seen")
    figure.suptitle(f"{run.name}: {records[-1]['step']} steps, {records[-1]['images_seen']:,} images", fontsize=11)
    figure.tight_layout()
    path = Path(out) if out else run / CURVES_NAME
    with atomic_path(path) as tmp:
        figure.savefig(tmp, format="png", dpi=100)
    plt.close(figure)
    return path


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("run", help="run folder (train.py --out-dir), holding log.jsonl")
    parser.add_argument("--out", default=None, help=f"PNG to write (default: RUN/{CURVES_NAME})")
    args = parser.parse_args(argv)
    try:
        path = plot_run(args.run, args.out)
    except ImportError:
        fail("drawing curves needs matplotlib: pip install matplotlib", code=2)
    except (FileNotFoundError, ValueError, OSError) as e:
        fail(str(e), code=2)
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
