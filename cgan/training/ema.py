"""The generator's exponential moving average, and BatchNorm statistics recomputed for averaged weights."""
from __future__ import annotations

from typing import Optional

import torch
from torch import nn

from cgan.config import ModelConfig
from cgan.models import one_hot


@torch.no_grad()
def update_ema(ema: nn.Module, model: nn.Module, beta: float) -> None:
    """ema = beta * ema + (1 - beta) * model for parameters; buffers (BN statistics) are copied.

    One foreach call each, not a Python loop of small kernels per tensor.
    """
    torch._foreach_lerp_(list(ema.parameters()), [p.detach() for p in model.parameters()], 1 - beta)
    ema_buffers, buffers = list(ema.buffers()), list(model.buffers())
    if buffers:
        torch._foreach_copy_(ema_buffers, buffers)


@torch.no_grad()
def recalibrate_batchnorm(generator: nn.Module, *, batches: int, batch_size: int,
                          label_weights: Optional[torch.Tensor] = None, seed: int = 0) -> None:
    """Recompute BatchNorm running statistics for the generator's current weights.

    The EMA generator's weights are an average, so the raw generator's running statistics do not
    match them; without this, its eval-mode samples are washed out or saturated.
    """
    norms = [m for m in generator.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    if not norms or batches == 0:
        return
    config: ModelConfig = generator.config
    device = next(generator.parameters()).device
    rng = torch.Generator().manual_seed(seed)
    weights = label_weights if label_weights is not None else torch.ones(config.num_classes)
    momenta = [m.momentum for m in norms]
    for m in norms:
        m.reset_running_stats()
        m.momentum = None  # cumulative average over all recalibration batches
    was_training = generator.training
    generator.train()
    for _ in range(batches):
        z = torch.randn(batch_size, config.z_dim, generator=rng)
        labels = torch.multinomial(weights.float(), batch_size, replacement=True, generator=rng)
        generator(z.to(device), one_hot(labels, config.num_classes).to(device))
    for m, momentum in zip(norms, momenta):
        m.momentum = momentum
    generator.train(was_training)
