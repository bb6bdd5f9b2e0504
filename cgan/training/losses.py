"""The GAN losses on the discriminator's real/fake logits: hinge, or BCE with logits (the reference design's)."""
from __future__ import annotations

import torch
import torch.nn.functional as F


def discriminator_loss(kind: str, logits_real: torch.Tensor, logits_fake: torch.Tensor) -> torch.Tensor:
    """hinge: relu(1 - real) + relu(1 + fake); bce: real -> 1, fake -> 0 (BCE with logits)."""
    if kind == "hinge":
        return F.relu(1 - logits_real).mean() + F.relu(1 + logits_fake).mean()
    return (F.binary_cross_entropy_with_logits(logits_real, torch.ones_like(logits_real))
            + F.binary_cross_entropy_with_logits(logits_fake, torch.zeros_like(logits_fake)))


def generator_loss(kind: str, logits_fake: torch.Tensor) -> torch.Tensor:
    """hinge: -fake; bce: fake -> 1 (the non-saturating loss)."""
    if kind == "hinge":
        return -logits_fake.mean()
    return F.binary_cross_entropy_with_logits(logits_fake, torch.ones_like(logits_fake))
