"""A two-sample test: can a network trained from scratch tell generated images from real ones?

A CNN of the evaluation network's shape with a two-way head learns real vs generated on one half of each
set (a tenth of that half held out to stop training once its accuracy stops rising) and is scored on the
other half. 0.5 is indistinguishable; the same test between two sets of real images gives the floor, and
real images against the same images slightly blurred show the detector's power. Unlike FID in a
classifier's features, exaggerated class features cannot lower it (Lopez-Paz & Oquab, 2017).
"""
from __future__ import annotations

import copy
import hashlib
import json
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from tqdm.auto import tqdm

from cgan.evaluation.classifier import Classifier, as_input, train_epoch
from cgan.files import cache_dir, write_json

HELD_OUT = 0.1  # share of the training half that decides when to stop
MAX_EPOCHS, MIN_EPOCHS, PATIENCE, BATCH_SIZE, LR = 40, 20, 6, 64, 3e-4
# Part of every cached floor's key: a change to the recipe (or to Classifier's shape: bump the version) remeasures.
RECIPE = (f"v1 held-out {HELD_OUT} epochs {MAX_EPOCHS} at least {MIN_EPOCHS} patience {PATIENCE} batch {BATCH_SIZE} "
          f"lr {LR}")


def _logits(model: Classifier, x: torch.Tensor, batch_size: int = 1000) -> torch.Tensor:
    """The detector's (real, generated) logits for each image, shape (N, 2)."""
    model.eval()
    with torch.inference_mode():
        return torch.cat([model(x[s:s + batch_size]) for s in range(0, len(x), batch_size)] or [torch.zeros(0, 2)])


def _accuracy(logits: torch.Tensor, y: torch.Tensor) -> float:
    return (logits.argmax(1) == y).sum().item() / max(len(y), 1)


def fit_detector(x: torch.Tensor, y: torch.Tensor, x_val: torch.Tensor, y_val: torch.Tensor, *, seed: int,
                 max_epochs: int, patience: int, min_epochs: int = MIN_EPOCHS, batch_size: int = BATCH_SIZE,
                 lr: float = LR, progress: bool = False) -> tuple[Classifier, int]:
    """Train at least `min_epochs`, then until the held-out accuracy has not risen for `patience` epochs; the best
    epoch's weights and its number. Against good samples the held-out accuracy can sit at chance for several epochs
    before it rises, so patience alone would stop a detector that has not started to learn."""
    torch.manual_seed(seed)
    model = Classifier(channels=x.shape[1], image_size=x.shape[2], num_classes=2)
    # 3e-4 in batches of 64: at 1e-3 in batches of 128 the detector stayed near chance on subtle differences
    # and its held-out accuracy swung by 0.3 between epochs (docs/evaluation.md, "The detector").
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    rng = torch.Generator().manual_seed(seed)
    best, best_state, best_epoch = -1.0, None, 0
    for epoch in tqdm(range(1, max_epochs + 1), disable=not progress, desc="detector", unit="epoch"):
        train_epoch(model, optimizer, len(x), lambda idx: F.cross_entropy(model(x[idx]), y[idx]), rng=rng,
                    batch_size=batch_size)
        accuracy = _accuracy(_logits(model, x_val), y_val)
        if accuracy > best:
            best, best_state, best_epoch = accuracy, copy.deepcopy(model.state_dict()), epoch
        elif epoch >= min_epochs and epoch - best_epoch >= patience:
            break
    model.load_state_dict(best_state)
    return model.eval(), best_epoch


def split_halves(real_count: int, other_count: int, seed: int) -> tuple[np.ndarray, np.ndarray, torch.Tensor,
                                                                        torch.Tensor, torch.Tensor]:
    """The two-sample test's layout: which images of each set take part (equal counts, in random order), and, as
    indices into them concatenated (real first), the training half (shuffled), the part of it held out to decide
    when to stop, and the half that is scored."""
    count = min(real_count, other_count)
    rng = np.random.default_rng(seed)
    real_order, other_order = rng.permutation(real_count)[:count], rng.permutation(other_count)[:count]
    half = count // 2
    test = torch.cat([torch.arange(half, count), torch.arange(count + half, 2 * count)])
    train = torch.cat([torch.arange(0, half), torch.arange(count, count + half)])
    train = train[torch.randperm(len(train), generator=torch.Generator().manual_seed(seed))]
    held = max(2, int(len(train) * HELD_OUT))
    return real_order, other_order, train[held:], train[:held], test


def two_sample_accuracy(real: np.ndarray, other: np.ndarray, *, seed: int = 0, max_epochs: int = MAX_EPOCHS,
                        patience: int = PATIENCE, min_epochs: int = MIN_EPOCHS,
                        progress: bool = False) -> dict[str, Any]:
    """Held-out accuracy of a detector trained to tell `real` from `other` (uint8 images, equal counts used).

    Also which images it was scored on and how: `scored_real` and `scored_other` index `real` and `other`,
    `p_generated` is its probability of 'generated' for those real images, then for those others."""
    real_order, other_order, train, held, test = split_halves(len(real), len(other), seed)
    count, half = len(real_order), len(real_order) // 2
    x = as_input(np.concatenate([real[real_order], other[other_order]]))
    y = torch.cat([torch.zeros(count, dtype=torch.long), torch.ones(count, dtype=torch.long)])
    model, epochs = fit_detector(x[train], y[train], x[held], y[held], seed=seed, max_epochs=max_epochs,
                                 patience=patience, min_epochs=min_epochs, progress=progress)
    logits = _logits(model, x[test])
    return {"accuracy": _accuracy(logits, y[test]), "epochs": epochs, "test_images": len(test),
            "scored_real": real_order[half:], "scored_other": other_order[half:],
            "p_generated": logits.softmax(1)[:, 1].numpy()}


def blur(images: np.ndarray, sigma: float) -> np.ndarray:
    """uint8 images (N, H, W[, C]) blurred by a Gaussian of `sigma` pixels (reflected edges), as uint8."""
    radius = max(1, int(np.ceil(3 * sigma)))
    offsets = torch.arange(-radius, radius + 1, dtype=torch.float64)
    kernel = torch.exp(-offsets ** 2 / (2 * sigma ** 2))
    kernel = (kernel / kernel.sum()).float()
    x = as_input(images).add(1.0).mul(127.5)  # (N, C, H, W) in 0..255
    channels = x.shape[1]
    x = F.pad(x, (radius,) * 4, mode="reflect")
    x = F.conv2d(x, kernel.view(1, 1, 1, -1).repeat(channels, 1, 1, 1), groups=channels)
    x = F.conv2d(x, kernel.view(1, 1, -1, 1).repeat(channels, 1, 1, 1), groups=channels)
    pixels = x.round().clamp(0, 255).to(torch.uint8).permute(0, 2, 3, 1).numpy()
    return pixels[..., 0] if images.ndim == 3 else pixels


def floor_accuracy(real: np.ndarray, real_other: np.ndarray, *, seed: int, progress: bool = False) -> float:
    """The detector's held-out accuracy on two sets of real images. It does not depend on any generator, so it is
    measured once per pair of sets, seed and recipe and kept in the cache (half of an evaluation's detector time)."""
    digest = hashlib.sha256(f"{RECIPE} seed {seed} {real.shape} {real_other.shape}".encode())
    for images in (real, real_other):
        digest.update(np.ascontiguousarray(images).tobytes())
    path = cache_dir() / "detector-floor" / f"{digest.hexdigest()[:24]}.json"
    try:
        return float(json.loads(path.read_text())["accuracy"])
    except (OSError, ValueError, KeyError, TypeError):
        pass  # not measured yet (or an unreadable entry): measure it
    accuracy = two_sample_accuracy(real, real_other, seed=seed, progress=progress)["accuracy"]
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_json(path, {"accuracy": accuracy, "seed": seed, "recipe": RECIPE})
    except OSError:
        pass  # a read-only cache costs the next evaluation the same minutes, nothing else
    return accuracy


def detector_report(real: np.ndarray, real_other: np.ndarray, fake: np.ndarray, *, seeds=(0, 1),
                    progress: bool = False) -> dict:
    """The detector's held-out accuracy on real vs generated and, as its floor, on real vs other real images
    (cached: see floor_accuracy), for each seed; the mean and the spread (max - min) over the seeds."""
    runs = {"detector": [two_sample_accuracy(real, fake, seed=seed, progress=progress)["accuracy"] for seed in seeds],
            "detector_floor": [floor_accuracy(real, real_other, seed=seed, progress=progress) for seed in seeds]}
    result = {}
    for name, accuracies in runs.items():
        result[name] = float(np.mean(accuracies))
        result[f"{name}_per_seed"] = accuracies
        result[f"{name}_spread"] = float(max(accuracies) - min(accuracies))
    return result
