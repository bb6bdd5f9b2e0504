"""Reading weights from folders and repos someone handed you, without trusting them with the machine's memory.

The network a file must fill is first built on PyTorch's "meta" device (shapes only, no memory), refused when
it is larger than MAX_PARAMETERS; then the safetensors header's names, shapes and dtypes are compared with it,
before a byte of tensor data is read; then every value must be finite. Each error names the tensor.
"""
from __future__ import annotations

import json
import os
from typing import Any, Callable

import torch
from safetensors import safe_open
from safetensors.torch import load_file
from torch import nn

MAX_PARAMETERS = 100_000_000  # 400 MB of fp32; the presets' generators have 0.1-13 million
MAX_JSON_BYTES = 1_000_000  # config.json and the evaluators' info files are a few KB
SAFETENSORS_DTYPES = {torch.float32: "F32", torch.int64: "I64", torch.float16: "F16", torch.bfloat16: "BF16"}

Shapes = dict[str, tuple[tuple[int, ...], torch.dtype]]


def read_small_json(path: str | os.PathLike) -> Any:
    """A JSON file of at most MAX_JSON_BYTES; ValueError for a larger, undecodable or absurdly nested one."""
    size = os.path.getsize(path)
    if size > MAX_JSON_BYTES:
        raise ValueError(f"{os.path.basename(path)} is {size:,} bytes; more than {MAX_JSON_BYTES:,} is refused")
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise ValueError(f"{os.path.basename(path)} is not valid JSON ({e})") from None
    except RecursionError:
        raise ValueError(f"{os.path.basename(path)} is nested too deeply to be a config") from None


def expected_shapes(build: Callable[[], nn.Module]) -> Shapes:
    """Names, shapes and dtypes of the state dict that build() makes, found without allocating it."""
    with torch.device("meta"):
        module = build()
    state = module.state_dict()
    count = sum(t.numel() for t in state.values())
    if count > MAX_PARAMETERS:
        raise ValueError(f"the config describes a network of {count:,} values; more than {MAX_PARAMETERS:,} is refused")
    return {name: (tuple(t.shape), t.dtype) for name, t in state.items()}


def check_header(path: str | os.PathLike, expected: Shapes) -> None:
    """Compare the file's tensor names, shapes and dtypes with `expected`; reads the header only."""
    try:
        with safe_open(str(path), framework="pt") as f:
            slices = {name: f.get_slice(name) for name in f.keys()}
            found = {name: (tuple(s.get_shape()), s.get_dtype()) for name, s in slices.items()}
    except Exception as e:  # safetensors raises several types for truncated or foreign files
        raise ValueError(f"could not be read ({type(e).__name__}: {e})") from None
    missing, unexpected = sorted(set(expected) - set(found)), sorted(set(found) - set(expected))
    if missing or unexpected:
        raise ValueError("does not match the config: " + "; ".join(
            part for part in (f"missing tensors {', '.join(missing[:5])}" if missing else "",
                              f"unexpected tensors {', '.join(unexpected[:5])}" if unexpected else "") if part))
    for name, (shape, dtype) in expected.items():
        found_shape, found_dtype = found[name]
        if found_shape != shape:
            raise ValueError(f"tensor {name!r} has shape {list(found_shape)}; the config needs {list(shape)}")
        wanted = SAFETENSORS_DTYPES.get(dtype, str(dtype))
        if found_dtype != wanted:
            raise ValueError(f"tensor {name!r} is {found_dtype}; it must be {wanted}")


def load_checked(path: str | os.PathLike, expected: Shapes) -> dict[str, torch.Tensor]:
    """The file's tensors after the header check; ValueError naming the first tensor with NaN or infinity."""
    check_header(path, expected)
    state = load_file(str(path))
    for name, tensor in state.items():
        if tensor.is_floating_point() and not torch.isfinite(tensor).all():
            raise ValueError(f"tensor {name!r} holds NaN or infinite values")
    return state
