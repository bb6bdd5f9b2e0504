"""A generator on disk: config.json (architecture, class names, training summary) + model.safetensors.

No pickles: weights are safetensors, everything else is JSON, so loading a folder someone
handed you runs no code.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import save_file
from torch import nn

from cgan.checked_weights import expected_shapes, load_checked, read_small_json
from cgan.config import ModelConfig
from cgan.export.names import CONFIG_NAME, WEIGHTS_NAME
from cgan.export.replace_set import finish
from cgan.files import atomic_path, write_json
from cgan.models import build_generator

# Keys of config.json that describe the run rather than the network.
METADATA_KEYS = ("cgan_format", "training", "metrics")
METADATA_TYPES = {"cgan_format": int, "training": dict, "metrics": dict}
FORMAT_VERSION = 1


class WeightsError(ValueError):
    """An export folder or repo that does not describe a generator we can build; says which file."""


def save_export(generator: nn.Module, export_dir: str | os.PathLike, *, training: dict[str, Any] | None = None) -> Path:
    """Write config.json and model.safetensors (atomically) into export_dir; returns the folder."""
    folder = Path(export_dir)
    folder.mkdir(parents=True, exist_ok=True)
    save_weights(generator, folder / WEIGHTS_NAME)
    config = {"cgan_format": FORMAT_VERSION, **generator.config.to_dict()}
    if training is not None:
        config["training"] = training
    write_json(folder / CONFIG_NAME, config)
    return folder


def save_weights(module: nn.Module, path: Path) -> None:
    """A network's state dict as safetensors (on the CPU), written atomically."""
    state = {k: v.detach().cpu().contiguous() for k, v in module.state_dict().items()}
    with atomic_path(path) as tmp:
        save_file(state, str(tmp), metadata={"format": "pt"})


def read_config(path: str | os.PathLike, *, source: str | None = None) -> tuple[ModelConfig, dict[str, Any]]:
    """Parse config.json into the model config and the metadata (training summary, metrics), every field checked."""
    source = source or str(path)
    if not os.path.isfile(path):
        raise WeightsError(f"{source}: no {CONFIG_NAME}; is this a cgan export?")
    try:
        data = read_small_json(path)
    except (ValueError, OSError) as e:
        raise WeightsError(f"{source}: {e}") from None
    if not isinstance(data, dict):
        raise WeightsError(f"{source}: {CONFIG_NAME} should hold a JSON object")
    metadata = {k: data.pop(k) for k in METADATA_KEYS if k in data}
    for key, kind in METADATA_TYPES.items():
        value = metadata.get(key, kind())
        if not isinstance(value, kind) or isinstance(value, bool):  # true is an int to Python, not to a config
            raise WeightsError(f"{source}: {CONFIG_NAME} field {key!r} should be {kind.__name__}, "
                               f"got {type(value).__name__}")
    try:
        return ModelConfig.from_dict(data), metadata
    except (TypeError, ValueError) as e:
        raise WeightsError(f"{source}: {CONFIG_NAME} does not describe a cgan generator: {e}") from None


def load_export(folder: str | os.PathLike, *, device: str | torch.device = "cpu", source: str | None = None) -> nn.Module:
    """Rebuild the generator from a local export folder, in eval mode on `device`.

    Nothing is allocated before config.json's bounds and the weights' header (names, shapes, dtypes) are checked;
    weights with NaN or infinity are refused (see cgan.checked_weights)."""
    folder = Path(folder)
    source = source or str(folder)
    if not folder.is_dir():
        raise WeightsError(f"{source}: no such folder")
    try:
        finish(folder)  # an export that was killed after its commit: complete it
    except OSError as e:
        raise WeightsError(f"{source}: an interrupted export could not be completed ({e}); "
                           f"rerun the export or load a copy in a writable folder") from None
    config, metadata = read_config(folder / CONFIG_NAME, source=source)
    weights = folder / WEIGHTS_NAME
    if not weights.is_file():
        raise WeightsError(f"{source}: no {WEIGHTS_NAME}")
    try:
        state = load_checked(weights, expected_shapes(lambda: build_generator(config)))
    except ValueError as e:
        raise WeightsError(f"{source}: {WEIGHTS_NAME}: {e}") from None
    generator = build_generator(config)
    generator.load_state_dict(state)
    generator.metadata = metadata
    generator.source_folder = folder  # where its other files (model.onnx, the evaluator) may be
    return generator.to(device).eval()
