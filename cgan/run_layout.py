"""The names inside a training run's folder (train.py --out-dir): every reader and writer takes them from here."""
from __future__ import annotations

from pathlib import Path

RUN_CONFIG = "config.json"  # the run's resolved flags, model and optimiser (a resume adds config-resume-STEP.json)
LOG = "log.jsonl"  # one JSON line per log step
SAMPLES = "samples"  # a class grid per epoch
SNAPSHOTS = "snapshots"  # exports every --snapshot-every-images
CHECKPOINTS = "checkpoints"  # step-NNNNNNNN.pt
EXPORT = "export"  # the final export, unless --export-dir names another folder
CURVES = "curves.png"  # python -m cgan.plot


def sample_grid(run: Path, epoch: int) -> Path:
    return Path(run) / SAMPLES / f"epoch-{epoch:03d}.png"


def snapshot(run: Path, images_seen: int) -> Path:
    return Path(run) / SNAPSHOTS / f"images-{images_seen:09d}"


def resume_config(run: Path, step: int) -> Path:
    return Path(run) / f"config-resume-{step}.json"
