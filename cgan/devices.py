"""Choosing the torch device; only entry points call this."""
from __future__ import annotations

import torch


def pick_device(name: str = "auto", *, local_rank: int = 0) -> torch.device:
    """auto -> cuda, then mps, then cpu; an explicit name that is not available is an error."""
    if name == "auto":
        if torch.cuda.is_available():
            name = "cuda"
        elif getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
            name = "mps"
        else:
            name = "cpu"
    if name == "cuda":
        if not torch.cuda.is_available():
            raise ValueError("--device cuda was asked for, but torch sees no CUDA GPU")
        return torch.device("cuda", local_rank % torch.cuda.device_count())
    if name == "mps" and not (getattr(torch.backends, "mps", None) and torch.backends.mps.is_available()):
        raise ValueError("--device mps was asked for, but this computer has no MPS device")
    if name not in ("cpu", "mps"):
        raise ValueError(f"unknown device {name!r}; choose auto, cpu, cuda or mps")
    return torch.device(name)


def native_bf16_cpu() -> bool:
    """Whether this CPU has bf16 arithmetic in hardware (AVX512-BF16 or AMX), where bf16 convolutions run
    up to twice as fast as fp32; elsewhere oneDNN emulates bf16 and it is slower, not faster."""
    checks = ("_is_avx512_bf16_supported", "_is_amx_tile_supported")
    return any(getattr(torch.cpu, name, lambda: False)() for name in checks)


def uses_bf16(precision: str, device: torch.device) -> bool:
    """Whether training runs under bf16 autocast: asked for, or `auto` on a CPU with native bf16.

    Weights, optimiser moments and the EMA stay fp32 either way; only the networks' arithmetic changes.
    """
    if precision == "auto":
        return device.type == "cpu" and native_bf16_cpu()
    return precision == "bf16"


def describe(device: torch.device) -> str:
    """A human-readable name for the device, e.g. for the app header and the model card."""
    if device.type == "cuda":
        return f"GPU ({torch.cuda.get_device_name(device)})"
    if device.type == "mps":
        return "Apple GPU (MPS)"
    return f"CPU ({torch.get_num_threads()} threads)"
