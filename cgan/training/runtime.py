"""How a training step runs on its device: data-parallel wrappers, channels_last and TF32 on CUDA, bf16
autocast where it pays, and torch.compile with a fallback chain (default memory format, then eager)."""
from __future__ import annotations

import time
from contextlib import nullcontext
from typing import Any, Callable

import torch
from torch import nn

from cgan.devices import uses_bf16
from cgan.training.distributed import Distributed


class StepNetworks:
    """The generator and discriminator as a training step calls them.

    `g` and `d` are what the step runs (wrapped for several processes, compiled when asked); `d_for_g` is D in
    the generator's update: the bare module under DDP, as its gradients there are discarded. The gradient
    penalties' double backward, which neither torch.compile nor DDP supports, runs `discriminator` itself (under
    DDP the step averages its gradients)."""

    def __init__(self, generator: nn.Module, discriminator: nn.Module, *, device: torch.device, info: Distributed,
                 compile: bool, channels_last: bool):
        self.generator, self.discriminator = generator, discriminator
        self.channels_last = channels_last
        if channels_last:
            generator.to(memory_format=torch.channels_last)
            discriminator.to(memory_format=torch.channels_last)
        self.g, self.d = generator, discriminator
        if info.enabled:
            ids = [device.index] if device.type == "cuda" else None
            self.g = nn.parallel.DistributedDataParallel(generator, device_ids=ids)
            self.d = nn.parallel.DistributedDataParallel(discriminator, device_ids=ids)
        self.d_for_g = discriminator
        self.compiled = compile
        if compile:
            self._compile()

    def _compile(self) -> None:
        """torch.compile the three network calls of a step (compiled lazily, on the first step)."""
        self._eager = (self.g, self.d, self.d_for_g)
        self.g, self.d = torch.compile(self.g), torch.compile(self.d)
        self.d_for_g = self.d if self._eager[1] is self._eager[2] else torch.compile(self.d_for_g)

    def fall_back(self, error: Exception) -> None:
        """Retry without channels_last (a known failure of compiled conv backward), then fall back to eager."""
        reason = f"{type(error).__name__}: {(str(error).splitlines() or [''])[0][:200]}"
        self.g, self.d, self.d_for_g = self._eager
        torch._dynamo.reset()
        if self.channels_last:
            print(f"torch.compile failed with channels_last ({reason}); trying the default memory format", flush=True)
            self.channels_last = False
            self.generator.to(memory_format=torch.contiguous_format)
            self.discriminator.to(memory_format=torch.contiguous_format)
            self._compile()
        else:
            print(f"torch.compile failed ({reason}); training continues without compilation", flush=True)
            self.compiled = False


def discriminate(d: Callable, images: torch.Tensor, conditions: torch.Tensor,
                 classes: float) -> tuple[torch.Tensor, torch.Tensor | None]:
    """D's real/fake logits, and its class logits when the auxiliary classifier's weight is not 0."""
    if classes:
        return d(images, conditions, classes=True)
    return d(images, conditions), None


def first_step(networks: StepNetworks, step: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
               real: torch.Tensor, labels: torch.Tensor, *, save: Callable[[], Any], restore: Callable[[Any], None],
               announce: bool = True) -> torch.Tensor:
    """A process's first step: it compiles (timed, printed once); when compiling fails, the state saved before
    is restored and the step runs again on the next rung of the fallback chain."""
    if not networks.compiled:
        return step(real, labels)
    before = save()
    started = time.perf_counter()
    while True:
        try:
            stats = step(real, labels)
            if real.device.type == "cuda":
                torch.cuda.synchronize(real.device)
            break
        except Exception as e:  # dynamo and inductor raise many types; eager training always works
            restore(before)
            networks.fall_back(e)
            real = real.contiguous()
            if not networks.compiled:
                return step(real, labels)
    if announce:
        print(f"compiled the training step in {time.perf_counter() - started:.1f} s (first step)", flush=True)
    return stats


def arithmetic(precision: str, device: torch.device) -> tuple[Any, str]:
    """The autocast context a step runs in, and its description; TF32 matmuls are switched on for CUDA."""
    if device.type == "cuda":
        torch.backends.cuda.matmul.allow_tf32 = True  # fp32 storage, TF32 tensor-core arithmetic
        torch.backends.cudnn.allow_tf32 = True
    if uses_bf16(precision, device):
        return (lambda: torch.autocast(device.type, dtype=torch.bfloat16)), "bf16 autocast"
    return nullcontext, "fp32"
