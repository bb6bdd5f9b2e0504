"""A trained convolutional discriminator's weights for a wider one (--init-from with a larger --d-dim) that computes
the same logits. Each layer keeps its trained weights; a conv's new output channels start from small random
weights (NEW_SCALE of the trained ones' size), and every weight that reads a new channel starts at zero, as do the
class embedding's rows for new features, so the new channels add nothing to the logits until training grows them. A spectral norm's power-iteration vectors gain
zeros in the new places, so the norm it computes from them, and with it every normalised weight, is the trained
one's. Duplicating channels instead, as wider_generator does, would change the spectral norms and the logits."""
from __future__ import annotations

import dataclasses

import torch

from cgan.config import ModelConfig
from cgan.models import build_discriminator

NEW_SCALE = 0.01  # a new output channel's incoming weights, against the mean size of the trained ones'


def _pad(old: torch.Tensor, shape: torch.Size) -> torch.Tensor:
    """old in the leading corner of a zero tensor of `shape`."""
    new = old.new_zeros(shape)
    new[tuple(slice(0, n) for n in old.shape)] = old
    return new


def _weight(old: torch.Tensor, fresh: torch.Tensor) -> torch.Tensor:
    """A (out, in, ...) weight widened: the trained rows read the new inputs with zeros; a conv's new rows are
    `fresh`'s, scaled to NEW_SCALE of the trained rows' mean norm (a linear layer's stay zero: they would only
    multiply new features, which need no push to start learning)."""
    new = _pad(old, fresh.shape)
    rows = old.shape[0]
    if old.dim() == 4 and fresh.shape[0] > rows:
        trained_norm = old.flatten(1).norm(dim=1).mean()
        added = fresh[rows:]
        scale = NEW_SCALE * trained_norm / added.flatten(1).norm(dim=1).mean().clamp_min(1e-12)
        new[rows:] = added * scale
    return new


def _power_vector(old: torch.Tensor, new_size: int, in_channels: tuple[int, int]) -> torch.Tensor:
    """Spectral norm's v, the weight's input side flattened channel by channel: zeros for each new input
    channel. in_channels: the trained and the new count."""
    per_channel = old.numel() // in_channels[0]
    assert per_channel * in_channels[1] == new_size
    return _pad(old.view(in_channels[0], per_channel), torch.Size((in_channels[1], per_channel))).flatten()


@torch.no_grad()
def wider_discriminator_weights(trained: dict[str, torch.Tensor], trained_config: ModelConfig, config: ModelConfig,
                                *, seed: int = 0) -> dict[str, torch.Tensor]:
    """The state of a discriminator of `config` (trained_config's design with a d_dim at least as large) that
    computes the logits of the one whose state is `trained`. ValueError for the paper preset's maxout
    discriminator, BatchNorm in D, or a narrower d_dim."""
    if config.arch == "paper":
        raise ValueError("only the convolutional discriminators can be widened, not the paper preset's")
    if config.d_norm == "batch":
        raise ValueError("a discriminator with BatchNorm (--d-norm batch) cannot be widened")
    if config.d_dim < trained_config.d_dim:
        raise ValueError(f"--d-dim {config.d_dim} is narrower than the trained discriminator's {trained_config.d_dim}")
    if dataclasses.replace(config, d_dim=trained_config.d_dim) != trained_config:
        raise ValueError("only d_dim may differ between the trained discriminator's design and the wider one's")
    torch.manual_seed(seed)
    fresh = build_discriminator(config).state_dict()
    state = {}
    for name, old in trained.items():
        target = fresh[name]
        if old.shape == target.shape:
            state[name] = old.clone()
        elif name.endswith("weight_orig") or name.endswith("weight"):
            state[name] = _weight(old, target)
        elif name.endswith("weight_v"):
            weight = name[: -len("_v")] + "_orig"
            state[name] = _power_vector(old, target.numel(), (trained[weight].shape[1], fresh[weight].shape[1]))
        else:  # biases and spectral norm's u: zeros for the new output channels
            state[name] = _pad(old, target.shape)
    return state
