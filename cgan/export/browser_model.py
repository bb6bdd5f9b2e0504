"""The generator as ONNX (model.onnx beside model.safetensors), for running it in a browser.

Inputs z (B, z_dim) and condition (B, num_classes) float32; output images (B, C, native, native) in
[-1, 1], already centre-cropped like `cgan.sampling.synthesize`. One self-contained fp32 file (no
external .data file). Export needs the `onnx` and `onnxscript` packages; loading the file does not.
"""
from __future__ import annotations

import contextlib
import copy
import hashlib
import io
import logging
import os
import warnings
from pathlib import Path

import torch
from torch import nn

from cgan.export.names import ONNX_NAME
from cgan.files import atomic_path, cache_dir
from cgan.sampling import center_crop


class CroppedGenerator(nn.Module):
    """The generator followed by the centre crop the app applies (what a browser must reproduce)."""

    def __init__(self, generator: nn.Module):
        super().__init__()
        self.generator = generator

    def forward(self, z: torch.Tensor, condition: torch.Tensor) -> torch.Tensor:
        return center_crop(self.generator(z, condition), self.generator.config.native_size)


def export_onnx(generator: nn.Module, path: str | os.PathLike) -> Path:
    """Write the generator (eval mode, CPU copy) to `path` as ONNX, atomically; returns the path."""
    path = Path(path)
    model = CroppedGenerator(copy.deepcopy(generator).cpu().eval()).eval()
    config = generator.config
    z = torch.zeros(2, config.z_dim)
    condition = torch.eye(config.num_classes)[:2]
    batch = torch.export.Dim("batch")
    logging.getLogger("torch.onnx").setLevel(logging.ERROR)
    quiet = contextlib.redirect_stdout(io.StringIO())  # the exporter's progress lines
    with warnings.catch_warnings(), quiet, atomic_path(path) as tmp:
        warnings.simplefilter("ignore")
        torch.onnx.export(model, (z, condition), str(tmp), dynamo=True, external_data=False, verbose=False,
                          input_names=["z", "condition"], output_names=["images"],
                          dynamic_shapes={"z": {0: batch}, "condition": {0: batch}})
    return path


def ensure_onnx(generator: nn.Module, folder: str | os.PathLike) -> tuple[Path | None, str]:
    """The generator's model.onnx: the one in its export folder, else one exported into the cache
    ($CGAN_CACHE/onnx/<weights digest>/, never into a downloaded folder). (path, "") or (None, why not)."""
    folder = Path(folder)
    if (folder / ONNX_NAME).is_file():
        return folder / ONNX_NAME, ""
    digest = hashlib.sha256()
    for tensor in generator.state_dict().values():
        digest.update(tensor.detach().cpu().contiguous().numpy().tobytes())
    path = cache_dir() / "onnx" / digest.hexdigest()[:20] / ONNX_NAME
    if path.is_file():
        return path, ""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        return export_onnx(generator, path), ""
    except ImportError as e:
        return None, f"{ONNX_NAME} is missing and exporting it needs the onnx and onnxscript packages ({e})"
    except OSError as e:
        return None, f"{ONNX_NAME} is missing and cannot be written to {path.parent} ({e})"
