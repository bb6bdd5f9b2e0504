"""How a run's learning rate, batch size and EMA change as it goes, laid out over its whole budget.

A run's progress is a fraction from 0 to 1 of its budget (images, steps or minutes, whichever it reaches
first), so a run of twenty minutes and one of three hours follow the same schedule, each to its end.
"""
from __future__ import annotations

from cgan.config import MAX_BATCH_RAMP

# Where the batch doubles, as fractions of the run, for a ramp of up to 2**len(RAMP_STARTS) times the first batch
# (--batch-ramp): the batch stays small while the generator learns the data, and grows while the learning rate
# decays, which trains more images per second and averages out the gradient noise at the end.
RAMP_STARTS = (0.6, 0.7, 0.8, 0.9)
assert 2 ** len(RAMP_STARTS) == MAX_BATCH_RAMP


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


def batch_factor(ramp: int, progress: float) -> int:
    """How many times the first batch a step takes at `progress` (0..1) of a run with --batch-ramp `ramp`
    (a power of two): 1 until the first of RAMP_STARTS, then doubling at each until `ramp`."""
    doublings = sum(progress >= start for start in RAMP_STARTS)
    return min(ramp, 2 ** doublings)


def stage_name(*, progress: float, lr_kind: str, lr_decay_start: float, batch: int) -> str:
    """The schedule's stage for the progress bar: 'learn' while the learning rate holds, then 'decay', with the batch."""
    decaying = lr_kind == "linear" and progress >= lr_decay_start
    return f"{'decay' if decaying else 'learn'} · batch {batch}"

