"""A second discriminator for fine detail: plain convolutions that score every 8x8 patch of an image.

The main discriminator reads whole images through spectral-normalised layers; this one sees only small patches,
without the class, and keeps its weights in check by the zero-centred gradient penalties alone (as R3GAN does).
It trains with the relativistic pairing loss per position, real patch against the fake patch at the same place,
and adds `--patch-weight` times its generator loss to G's. It is part of training only: exports do not carry it.
"""
from __future__ import annotations

from typing import Callable

import torch
from torch import nn

from cgan.training.distributed import Distributed
from cgan.training.losses import discriminator_loss, generator_loss, gradient_penalty


class PatchDiscriminator(nn.Module):
    """Two 3x3 convs at full size and a 4x4 stride-2 conv, then a logit per position: 8x8 receptive fields."""

    def __init__(self, channels: int, dim: int = 32):
        super().__init__()
        act = lambda: nn.LeakyReLU(0.2, inplace=True)  # noqa: E731
        self.net = nn.Sequential(nn.Conv2d(channels, dim, 3, padding=1), act(),
                                 nn.Conv2d(dim, dim, 3, padding=1), act(),
                                 nn.Conv2d(dim, 2 * dim, 4, 2, 1), act(),
                                 nn.Conv2d(2 * dim, 1, 1))

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.net(images).flatten(1)  # (B, positions)


class PatchCritic:
    """The patch discriminator, its optimiser and its two losses, as one training step uses them."""

    def __init__(self, channels: int, *, weight: float, lr: float, betas: tuple[float, float], gamma: float,
                 penalty_every: int, device: torch.device, info: Distributed, autocast: Callable):
        self.network = PatchDiscriminator(channels).to(device)
        self.optimizer = torch.optim.Adam(self.network.parameters(), lr=lr, betas=betas)
        self.weight, self.gamma, self.penalty_every = weight, gamma, penalty_every
        self.info, self.autocast = info, autocast
        self.logits_real: torch.Tensor | None = None  # the last update's, for the generator's pairing

    def update(self, real: torch.Tensor, fake: torch.Tensor, step: int) -> torch.Tensor:
        """One discriminator step on real images and detached fakes; returns its loss."""
        penalise = self.gamma > 0 and step % self.penalty_every == 0
        images = torch.cat([real, fake.detach()]).requires_grad_(penalise)
        with self.autocast():
            logits = self.network(images)
        logits_real, logits_fake = logits.float().chunk(2)
        loss = discriminator_loss("relativistic", logits_real, logits_fake)
        if penalise:  # R1 + R2 on each image's mean patch logit, lazily: scaled by the interval
            loss = loss + self.gamma * self.penalty_every * gradient_penalty(logits.mean(1), images)
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.info.average_gradients(self.network)
        self.optimizer.step()
        self.logits_real = logits_real.detach()
        return loss.detach()

    def generator_loss(self, fake: torch.Tensor) -> torch.Tensor:
        """The weighted term G's loss gains: each fake patch against the real one of the last update."""
        self.network.requires_grad_(False)
        with self.autocast():
            logits_fake = self.network(fake).float()
        self.network.requires_grad_(True)
        return self.weight * generator_loss("relativistic", logits_fake, self.logits_real)

    def state_dict(self) -> dict:
        return {"network": self.network.state_dict(), "optimizer": self.optimizer.state_dict()}

    def load_state_dict(self, state: dict) -> None:
        self.network.load_state_dict(state["network"])
        self.optimizer.load_state_dict(state["optimizer"])
