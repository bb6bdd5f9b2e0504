"""A trained convolutional generator's weights for a wider one (--init-from with a larger --g-dim) that draws the
same images: Net2WiderNet (Chen et al. 2016). Each new channel copies a trained one, incoming weights, BatchNorm
statistics and scale alike, so every copy of a channel carries the same activations; the next layer's weights
from those copies are split so that they add up to the trained weight, so its output is unchanged. The split is
uneven and random, so the copies receive different gradients and grow apart as training goes on."""
from __future__ import annotations

import torch
from torch import nn

from cgan.config import ModelConfig
from cgan.models import ConditionalBatchNorm2d, build_generator

SPLIT_SPREAD = 0.2  # how unevenly a weight is split between the copies of its channel (0: evenly)


def _copies(old: int, new: int, rng: torch.Generator) -> torch.Tensor:
    """Which trained channel each of `new` channels copies: all of the `old` first, then a random choice."""
    extra = torch.randint(old, (new - old,), generator=rng)
    return torch.cat([torch.arange(old), extra])  # (new,)


def _split(weight: torch.Tensor, copies: torch.Tensor, *, dim: int, rng: torch.Generator) -> torch.Tensor:
    """weight's channels along `dim` taken from `copies`, each share random but the shares of a trained
    channel's copies adding up to one."""
    taken = weight.index_select(dim, copies)
    count = torch.bincount(copies).to(weight.dtype)  # copies of each trained channel
    noise = torch.randn(taken.shape, generator=rng, dtype=weight.dtype) * SPLIT_SPREAD
    moved = noise.movedim(dim, 0)  # (new, ...)
    per_channel = (-1,) + (1,) * (moved.dim() - 1)
    group_mean = torch.zeros((len(count),) + moved.shape[1:], dtype=weight.dtype).index_add_(0, copies, moved)
    group_mean = group_mean / count.view(per_channel)
    shares = (moved - group_mean[copies]) + (1 / count[copies]).view(per_channel)
    return taken * shares.movedim(0, dim)


def _widen_norm(old: nn.Module, new: nn.Module, copies: torch.Tensor) -> None:
    """A (conditional) BatchNorm's per-channel state and scale, copied channel by channel."""
    norms = [(old.norm, new.norm)] if isinstance(old, ConditionalBatchNorm2d) else [(old, new)]
    for old_norm, new_norm in norms:
        for name in ("running_mean", "running_var"):
            getattr(new_norm, name).copy_(getattr(old_norm, name)[copies])
        new_norm.num_batches_tracked.copy_(old_norm.num_batches_tracked)
        if old_norm.affine:
            new_norm.weight.copy_(old_norm.weight[copies])
            new_norm.bias.copy_(old_norm.bias[copies])
    if isinstance(old, ConditionalBatchNorm2d):
        new.gain.weight.copy_(old.gain.weight[copies])
        new.shift.weight.copy_(old.shift.weight[copies])


@torch.no_grad()
def wider_generator(trained: nn.Module, config: ModelConfig, *, seed: int = 0) -> nn.Module:
    """A generator of `config` (the trained one's with a g_dim at least as large) that draws what `trained` draws.
    ValueError for the paper preset's MLP generator or a narrower g_dim."""
    if config.arch == "paper":
        raise ValueError("only the convolutional generators can be widened, not the paper preset's")
    if trained.config.g_refine:
        raise ValueError("a generator with residual blocks (--g-refine) cannot be widened")
    if config.g_dim < trained.config.g_dim:
        raise ValueError(f"--g-dim {config.g_dim} is narrower than the trained generator's {trained.config.g_dim}")
    wide = build_generator(config)
    rng = torch.Generator().manual_seed(seed)
    incoming = None  # which trained channel each of the current layer's input channels copies
    for old, new in zip(trained.net, wide.net):
        if isinstance(old, (nn.ConvTranspose2d, nn.Conv2d)):
            in_dim, out_dim = (0, 1) if isinstance(old, nn.ConvTranspose2d) else (1, 0)
            weight = old.weight if incoming is None else _split(old.weight, incoming, dim=in_dim, rng=rng)
            outgoing = _copies(old.weight.shape[out_dim], new.weight.shape[out_dim], rng)
            new.weight.copy_(weight.index_select(out_dim, outgoing))
            if old.bias is not None:
                new.bias.copy_(old.bias[outgoing])
            incoming = outgoing
        elif isinstance(old, (ConditionalBatchNorm2d, nn.BatchNorm2d)):
            _widen_norm(old, new, incoming)
    return wide
