"""The evaluation network: a small CNN classifier whose penultimate layer is the metrics' feature space.

Inception features mean little for 28x28 grayscale clothes (and cannot be downloaded here), so, as
is usual for (Fashion-)MNIST GANs, FID and precision/recall are computed in a classifier trained on
the dataset itself. The same recipe (`fit_classifier`) also gives the GAN-train accuracy.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from safetensors.torch import save_file
from torch import nn
from tqdm.auto import tqdm

from cgan.checked_weights import expected_shapes, load_checked, read_small_json
from cgan.export.names import EVALUATOR_INFO_NAME, EVALUATOR_WEIGHTS_NAME
from cgan.files import atomic_path, write_json

FEATURES = 128
# The evaluation network shipped beside the default generator: used when a generator has none of its own.
SHIPPED_EVALUATOR = Path(__file__).resolve().parents[2] / "weights"


class Classifier(nn.Module):
    """conv(32)x2 -> pool -> conv(64)x2 -> pool -> 128 features -> logits."""

    def __init__(self, *, channels: int, image_size: int, num_classes: int):
        super().__init__()
        self.arch = {"channels": channels, "image_size": image_size, "num_classes": num_classes}
        self.body = nn.Sequential(
            nn.Conv2d(channels, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(inplace=True),
            nn.Conv2d(32, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(inplace=True), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(inplace=True),
            nn.Conv2d(64, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(inplace=True), nn.MaxPool2d(2),
            nn.Flatten(), nn.Dropout(0.3),
            nn.Linear(64 * (image_size // 4) ** 2, FEATURES), nn.ReLU(inplace=True))
        self.head = nn.Sequential(nn.Dropout(0.3), nn.Linear(FEATURES, num_classes))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.body(x))


def as_input(images: np.ndarray | torch.Tensor) -> torch.Tensor:
    """uint8 (N, H, W) or (N, H, W, 3) or (N, C, H, W) -> float (N, C, H, W) in [-1, 1]."""
    x = torch.as_tensor(np.asarray(images))
    if x.dim() == 3:
        x = x[:, None]
    elif x.shape[-1] in (1, 3) and x.shape[1] not in (1, 3):
        x = x.permute(0, 3, 1, 2)
    return x.float().div(127.5).sub(1.0)


@torch.inference_mode()
def features_and_probs(classifier: Classifier, images, *, batch_size: int = 500) -> tuple[np.ndarray, np.ndarray]:
    """Penultimate features (N, 128) and class probabilities (N, classes), float64 numpy."""
    classifier.eval()
    x = as_input(images)
    feats, probs = [], []
    for start in range(0, len(x), batch_size):
        h = classifier.body(x[start:start + batch_size])
        feats.append(h.double())
        probs.append(F.softmax(classifier.head(h), dim=1).double())
    return torch.cat(feats).numpy(), torch.cat(probs).numpy()


def train_epoch(model: nn.Module, optimizer, count: int, batch_loss, *, rng: torch.Generator, batch_size: int,
                schedule=None, bar=None) -> None:
    """One pass over `count` examples in an order drawn from rng: an optimiser step on batch_loss(indices) each."""
    model.train()
    order = torch.randperm(count, generator=rng)
    for start in range(0, count, batch_size):
        loss = batch_loss(order[start:start + batch_size])
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        if schedule is not None:
            schedule.step()
        if bar is not None:
            bar.update(1)


def fit_classifier(images, labels, *, num_classes: int, epochs: int, seed: int = 0, batch_size: int = 128,
                   lr: float = 1e-3, progress: bool = False) -> Classifier:
    """Train a fresh Classifier on uint8 images with a fixed recipe (Adam, light shift augmentation)."""
    torch.manual_seed(seed)
    x = as_input(images)
    y = torch.as_tensor(np.asarray(labels)).long()
    model = Classifier(channels=x.shape[1], image_size=x.shape[2], num_classes=num_classes)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    steps = epochs * -(-len(x) // batch_size)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=lr, total_steps=steps)
    rng = torch.Generator().manual_seed(seed)

    def batch_loss(idx):
        shift = torch.randint(-2, 3, (2,), generator=rng).tolist()  # small translations
        return F.cross_entropy(model(torch.roll(x[idx], shifts=shift, dims=(2, 3))), y[idx])

    with tqdm(total=steps, disable=not progress, desc="classifier", unit="step") as bar:
        for _ in range(epochs):
            train_epoch(model, optimizer, len(x), batch_loss, rng=rng, batch_size=batch_size, schedule=schedule,
                        bar=bar)
    return model.eval()


@torch.inference_mode()
def accuracy(classifier: Classifier, images, labels) -> float:
    _, probs = features_and_probs(classifier, images)
    return float((probs.argmax(1) == np.asarray(labels)).mean())


def save_network(model: nn.Module, folder: str | os.PathLike, weights_name: str, info_name: str,
                 info: dict[str, Any]) -> None:
    """An evaluation network as WEIGHTS (safetensors) + INFO (JSON: its architecture and how it was made)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    with atomic_path(folder / weights_name) as tmp:
        save_file({k: v.contiguous() for k, v in model.state_dict().items()}, str(tmp))
    write_json(folder / info_name, {"arch": model.arch, **info})


def load_network(kind: type, folder: str | os.PathLike, weights_name: str, info_name: str,
                 missing: str) -> tuple[nn.Module, dict[str, Any]]:
    """The network of class `kind` saved by save_network, in eval mode, and its info; FileNotFoundError(missing)."""
    folder = Path(folder)
    if not (folder / weights_name).is_file() or not (folder / info_name).is_file():
        raise FileNotFoundError(f"{missing} in {folder} (expected {weights_name} and {info_name}); train one with: "
                                f"python -m cgan.train_evaluator --network {kind.__name__.lower()} --out {folder}")
    try:
        info = read_small_json(folder / info_name)
        arch = info["arch"]
        if not (isinstance(arch, dict) and all(type(v) is int and 1 <= v <= 4096 for v in arch.values())):
            raise ValueError(f"'arch' should map sizes to numbers from 1 to 4096, got {arch!r}")
        state = load_checked(folder / weights_name, expected_shapes(lambda: kind(**arch)))
        model = kind(**arch)
        model.load_state_dict(state)
    except (ValueError, TypeError, KeyError, IndexError) as e:
        raise ValueError(f"{folder}: {missing} cannot be loaded: {type(e).__name__}: {e}") from None
    return model.eval(), info


def save_classifier(classifier: Classifier, folder: str | os.PathLike, info: dict[str, Any]) -> None:
    """evaluator.safetensors + evaluator.json (architecture, accuracy, how it was trained)."""
    save_network(classifier, folder, EVALUATOR_WEIGHTS_NAME, EVALUATOR_INFO_NAME, info)


def load_classifier(folder: str | os.PathLike) -> tuple[Classifier, dict[str, Any]]:
    """The evaluation network and its info (accuracy on the real test set, dataset, class names)."""
    return load_network(Classifier, folder, EVALUATOR_WEIGHTS_NAME, EVALUATOR_INFO_NAME, "no evaluation network")


def evaluator_for(weights: str | os.PathLike, class_names: list[str]) -> tuple[Classifier | None, Path | None]:
    """The evaluation network for a generator with these classes: the one in its own folder, else the shipped one
    when it was trained on the same classes; (None, None) when neither fits."""
    for folder in (Path(weights), SHIPPED_EVALUATOR):
        try:
            model, info = load_classifier(folder)
        except (FileNotFoundError, OSError):
            continue
        except ValueError as e:  # a broken or hostile evaluator beside downloaded weights: say so, use the shipped one
            print(f"note: {e}", file=sys.stderr)
            continue
        if info.get("class_names") == list(class_names):
            return model, folder
    return None, None
