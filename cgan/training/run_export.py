"""What a run writes for others to use: its EMA generator made ready to sample, and the export folder
(config.json + model.safetensors + discriminator + samples.png + model.onnx) written as one set."""
from __future__ import annotations

import platform
from pathlib import Path
from typing import Any

import torch
from torch import nn

from cgan.devices import describe
from cgan.export import save_export
from cgan.export.browser_model import export_onnx
from cgan.export.folder import save_weights
from cgan.export.names import DISCRIMINATOR_NAME, ONNX_NAME, SAMPLES_NAME
from cgan.export.replace_set import replacing
from cgan.sampling import save_class_grid
from cgan.training.ema import recalibrate_batchnorm

GRID_SEEDS = range(10)  # fixed latents of the sample grids


def ready_ema(trainer) -> nn.Module:
    """The run's EMA generator with BatchNorm statistics recomputed for its weights."""
    recalibrate_batchnorm(trainer.generator_ema, batches=trainer.config.bn_recalibration_batches,
                          batch_size=trainer.batch_size, label_weights=trainer.label_weights,
                          seed=trainer.config.seed)
    return trainer.generator_ema


def run_summary(trainer) -> dict[str, Any]:
    """What the export's config.json and model card say about the run."""
    config = trainer.config
    return {"dataset": config.dataset, "steps": trainer.step, "images_seen": trainer.images_seen,
            "epochs": round(trainer.images_seen / len(trainer.dataset), 3),
            "train_seconds": round(trainer.train_seconds, 1),
            "hardware": f"{describe(trainer.device)} x {trainer.info.world_size}; "
                        f"{platform.processor() or platform.machine()}",
            "loss": trainer.optim["loss"], "optimizer": trainer.optim, "batch_size": trainer.batch_size,
            "batch_ramp": trainer.batch_ramp, "precision": trainer.arithmetic,
            "effective_batch_size": trainer.global_batch, "ema_halflife_images": config.ema_halflife_images,
            "seed": config.seed, "torch": torch.__version__,
            **({"init_from": config.init_from, "started_from": trainer.started_from} if config.init_from else {})}


def export_run(trainer, folder: Path, *, browser_model: bool = False) -> Path:
    """EMA generator -> config.json + model.safetensors + samples.png (+ model.onnx) in folder, as one set:
    a kill at any moment leaves the folder's old set or the new one (cgan.export.replace_set)."""
    generator = ready_ema(trainer)
    with replacing(folder) as staging:
        save_export(generator, staging, training=run_summary(trainer))
        save_weights(trainer.discriminator, staging / DISCRIMINATOR_NAME)  # for --init-from to train on with
        save_class_grid(generator, staging / SAMPLES_NAME, seeds=GRID_SEEDS)
        if browser_model:
            try:
                export_onnx(generator, staging / ONNX_NAME)
            except ImportError as e:
                print(f"note: {ONNX_NAME} not written ({e}); the app exports it when it starts, if it can", flush=True)
    return folder
