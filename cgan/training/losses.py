"""The GAN losses on the discriminator's real/fake logits, and the zero-centred gradient penalties.

hinge and bce (the reference design's) score real and fake images on their own; relativistic (R3GAN,
Huang et al. 2024) scores each fake against the real image of the same class it is paired with.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F


def discriminator_loss(kind: str, logits_real: torch.Tensor, logits_fake: torch.Tensor) -> torch.Tensor:
    """hinge: relu(1 - real) + relu(1 + fake); bce: real -> 1, fake -> 0; relativistic: softplus(fake - real)."""
    if kind == "hinge":
        return F.relu(1 - logits_real).mean() + F.relu(1 + logits_fake).mean()
    if kind == "relativistic":
        return F.softplus(logits_fake - logits_real).mean()
    return (F.binary_cross_entropy_with_logits(logits_real, torch.ones_like(logits_real))
            + F.binary_cross_entropy_with_logits(logits_fake, torch.zeros_like(logits_fake)))


def generator_loss(kind: str, logits_fake: torch.Tensor, logits_real: torch.Tensor | None = None) -> torch.Tensor:
    """hinge: -fake; bce: fake -> 1 (the non-saturating loss); relativistic: softplus(real - fake)."""
    if kind == "hinge":
        return -logits_fake.mean()
    if kind == "relativistic":
        return F.softplus(logits_real - logits_fake).mean()
    return F.binary_cross_entropy_with_logits(logits_fake, torch.ones_like(logits_fake))


def gradient_penalty(logits: torch.Tensor, images: torch.Tensor) -> torch.Tensor:
    """E‖∇ₓ D(x)‖²: R1 on real images, R2 on fakes (`images` must require grad and have made `logits`)."""
    grad, = torch.autograd.grad(logits.sum(), images, create_graph=True)
    return grad.float().square().flatten(1).sum(1).mean()
