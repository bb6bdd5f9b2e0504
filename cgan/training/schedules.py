"""How the learning rate and the EMA's decay change over a run."""
from __future__ import annotations


def ema_beta(*, batch_images: int, images_seen: int, halflife_images: int, rampup: float) -> float:
    """Per-step decay for an EMA whose half-life is given in images (ramped up early in training)."""
    halflife = min(halflife_images, max(images_seen * rampup, 1.0)) if rampup > 0 else halflife_images
    return 0.5 ** (batch_images / max(halflife, 1e-8))


def lr_factor(kind: str, step: int, total_steps: int, start: float = 0.0) -> float:
    """Multiplier of the base learning rate at `step`: 1 throughout (none), or (linear) 1 until the
    fraction `start` of the run, then falling linearly to 0 at the last step."""
    if kind != "linear":
        return 1.0
    done = step / max(total_steps, 1)
    return min(1.0, max(0.0, (1.0 - done) / (1.0 - start)))
