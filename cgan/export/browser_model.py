"""The generator as ONNX (model.onnx beside model.safetensors), for running it in a browser.

Inputs z (B, z_dim) and condition (B, num_classes) float32; output images (B, C, native, native) in
[-1, 1], already centre-cropped like `cgan.sampling.synthesize`. One self-contained fp32 file (no
external .data file). Export needs the `onnx` and `onnxscript` packages; loading the file does not.

The file carries the digest of the weights it was exported from (metadata `cgan_weights_sha256`), so a
model.onnx that does not belong to its folder's weights is never served: the app exports a fresh one.
"""
from __future__ import annotations

import contextlib
import copy
import hashlib
import io
import logging
import os
import re
import warnings
from pathlib import Path

import torch
from torch import nn

from cgan.export.names import ONNX_NAME
from cgan.files import atomic_path, cache_dir
from cgan.sampling import center_crop


DIGEST_KEY = "cgan_weights_sha256"
# A metadata entry as protobuf writes it: key (field 1, length 19), value (field 2, length 64).
DIGEST_PATTERN = re.compile(rb"\n\x13" + DIGEST_KEY.encode() + rb"\x12@([0-9a-f]{64})")


class CroppedGenerator(nn.Module):
    """The generator followed by the centre crop the app applies (what a browser must reproduce)."""

    def __init__(self, generator: nn.Module):
        super().__init__()
        self.generator = generator

    def forward(self, z: torch.Tensor, condition: torch.Tensor) -> torch.Tensor:
        return center_crop(self.generator(z, condition), self.generator.config.native_size)


def export_onnx(generator: nn.Module, path: str | os.PathLike) -> Path:
    """Write the generator (eval mode, CPU copy) to `path` as ONNX, atomically; returns the path."""
    config = generator.config
    inputs = {"z": torch.zeros(2, config.z_dim), "condition": torch.eye(config.num_classes)[:2]}
    model = CroppedGenerator(copy.deepcopy(generator).cpu().eval()).eval()
    return export_module(model, inputs, "images", weights_digest(generator), path)


def export_module(model: nn.Module, inputs: dict[str, torch.Tensor], output: str, digest: str,
                  path: str | os.PathLike) -> Path:
    """Write `model` (CPU, eval mode) to `path` as one self-contained ONNX file, atomically: named inputs with a
    free batch dimension, one named output, and `digest` as the file's weights digest; returns the path."""
    path = Path(path)
    batch = torch.export.Dim("batch")
    logging.getLogger("torch.onnx").setLevel(logging.ERROR)
    quiet = contextlib.redirect_stdout(io.StringIO())  # the exporter's progress lines
    with warnings.catch_warnings(), quiet, torch.no_grad(), atomic_path(path) as tmp:  # no_grad: inference ops only
        warnings.simplefilter("ignore")
        program = torch.onnx.export(model, tuple(inputs.values()), dynamo=True, verbose=False,
                                    input_names=list(inputs), output_names=[output],
                                    dynamic_shapes={name: {0: batch} for name in inputs})
        program.model.metadata_props[DIGEST_KEY] = digest
        program.save(str(tmp), external_data=False)
    return path


def weights_digest(module: nn.Module) -> str:
    """sha256 over a module's state-dict tensors: the identity of its weights."""
    digest = hashlib.sha256()
    for tensor in module.state_dict().values():
        digest.update(tensor.detach().cpu().contiguous().numpy().tobytes())
    return digest.hexdigest()


def onnx_digest(path: str | os.PathLike, *, max_bytes: int | None = None) -> str | None:
    """The weights digest stored in a model.onnx (found in the protobuf's bytes: no onnx package needed); None
    for a file larger than `max_bytes`, which is never read (a model.onnx holds the weights once, plus a little)."""
    if max_bytes is not None and os.path.getsize(path) > max_bytes:
        return None
    found = DIGEST_PATTERN.search(Path(path).read_bytes())
    return found[1].decode() if found else None


def onnx_size_cap(generator: nn.Module) -> int:
    """The largest model.onnx that these weights can make: twice their fp32 bytes and a megabyte of graph."""
    return 2 * sum(t.numel() * 4 for t in generator.state_dict().values()) + 1_000_000


def ensure_onnx(generator: nn.Module, folder: str | os.PathLike) -> tuple[Path | None, str]:
    """The generator's model.onnx: the one in its export folder when it was exported from these weights, else one
    exported into the cache ($CGAN_CACHE/onnx/<weights digest>/, never into a downloaded folder).
    (path, "") or (None, why not)."""
    digest = weights_digest(generator)
    beside, cap = Path(folder) / ONNX_NAME, onnx_size_cap(generator)
    if beside.is_file() and onnx_digest(beside, max_bytes=cap) == digest:
        return beside, ""
    problem = (f"{beside} was exported from other weights (or is too large for them)" if beside.is_file()
               else f"{ONNX_NAME} is missing")
    path = cache_dir() / "onnx" / digest[:20] / ONNX_NAME
    if path.is_file() and onnx_digest(path, max_bytes=cap) == digest:
        return path, ""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        return export_onnx(generator, path), ""
    except ImportError as e:
        return None, f"{problem} and exporting it needs the onnx and onnxscript packages ({e})"
    except OSError as e:
        return None, f"{problem} and a fresh one cannot be written to {path.parent} ({e})"
