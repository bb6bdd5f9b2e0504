"""Training curves in the trackers people already use, fed from a Trainer's hooks (rank 0 only).

    python train.py --tracker tensorboard     # then: tensorboard --logdir runs
    python train.py --tracker trackio         # then: trackio show --project cgan

Each log line's losses, discriminator logits, learning rate and images/s are scalars; each epoch's sample
grid and each export's samples.png (the --snapshot-every-images snapshots and the final export) are
images, stepped by images seen. Both packages are optional and imported on use.
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from cgan import run_layout
from cgan.export.names import SAMPLES_NAME
from cgan.files import probe_writable

SCALARS = ("loss_d", "loss_g", "d_real", "d_fake", "lr", "images_per_s")
PROJECT = "cgan"


def _needs(package: str, flag: str):
    import importlib

    try:
        return importlib.import_module(package)
    except ImportError:
        raise ImportError(f"--tracker {flag} needs the {flag} package: pip install {flag} "
                          f"(or pip install '.[trackers]')") from None


def trackio_dir() -> Path:
    """Where Trackio keeps its local projects: TRACKIO_DIR, else HF_HOME/trackio (HF_HOME: ~/.cache/huggingface)."""
    if os.environ.get("TRACKIO_DIR"):
        return Path(os.environ["TRACKIO_DIR"])
    return Path(os.environ.get("HF_HOME", Path.home() / ".cache" / "huggingface")) / "trackio"


def check_writable(folder: Path, what: str) -> None:
    """Before step 0: `folder` can be created and written, else ValueError (no run that drops every metric)."""
    try:
        probe_writable(folder)
    except OSError as e:
        raise ValueError(f"{what} {folder} is not writable ({e.strerror or e}); set TRACKIO_DIR to a folder "
                         f"you can write, or train without --tracker") from None


class TensorBoard:
    """Event files under RUN/tensorboard."""

    def __init__(self, run_dir: Path, name: str, config: dict[str, Any]):
        _needs("tensorboard", "tensorboard")
        from torch.utils.tensorboard import SummaryWriter

        self.writer = SummaryWriter(log_dir=str(run_dir / "tensorboard"))
        self.writer.add_text("config", f"```\n{json.dumps(config, indent=2)}\n```", 0)

    def scalars(self, values: dict[str, float], step: int) -> None:
        for key, value in values.items():
            self.writer.add_scalar(key, value, step)

    def image(self, tag: str, path: Path, step: int) -> None:
        with Image.open(path) as im:
            self.writer.add_image(tag, np.asarray(im.convert("RGB")), step, dataformats="HWC")

    def close(self) -> None:
        self.writer.close()


class Trackio:
    """A local Trackio project "cgan" (TRACKIO_DIR, else HF_HOME/trackio); the run is named after its folder."""

    def __init__(self, run_dir: Path, name: str, config: dict[str, Any]):
        self.trackio = _needs("trackio", "trackio")
        check_writable(trackio_dir(), "the Trackio folder (TRACKIO_DIR, else HF_HOME/trackio)")
        self.trackio.init(project=PROJECT, name=name, config=config, resume="allow",
                          auto_log_cpu=False, auto_log_gpu=False)

    def scalars(self, values: dict[str, float], step: int) -> None:
        self.trackio.log(values, step=step)

    def image(self, tag: str, path: Path, step: int) -> None:
        self.trackio.log({tag: self.trackio.Image(str(path), caption=path.parent.name)}, step=step)

    def close(self) -> None:
        self.trackio.finish()


def attach_tracker(trainer, kind: str):
    """Start the tracker and feed it from the trainer's hooks; returns it (call close() after fit), or None."""
    if kind == "none" or not trainer.info.is_main:
        return None
    tracker = {"tensorboard": TensorBoard, "trackio": Trackio}[kind](trainer.out_dir, trainer.out_dir.name,
                                                                    trainer.resolved())

    def on_log(trainer, record: dict[str, Any]) -> None:
        tracker.scalars({f"train/{k}": record[k] for k in SCALARS if k in record}, record["images_seen"])

    def on_epoch(trainer, epoch: int) -> None:
        grid = run_layout.sample_grid(trainer.out_dir, epoch)
        if grid.is_file():
            tracker.image("samples/epoch", grid, trainer.images_seen)

    def on_export(trainer, folder: Path) -> None:
        tracker.image("samples/export", folder / SAMPLES_NAME, trainer.images_seen)

    trainer.on("log", on_log)
    trainer.on("epoch_end", on_epoch)
    trainer.on("export", on_export)
    return tracker
