"""Is this a copy? Nearest training images of a generated image, in the evaluation network's feature space.

A generated image that sits much closer to one training image than real, unseen images sit to
theirs is a sign of memorisation. The index holds the features of every training image; the
reference distances are those of each real test image to its nearest training image, so a
distance can be read as "closer than p % of real test images".

The features are computed once (about half a minute on two cores for Fashion-MNIST) and cached as
a .npz in the user's cache folder, keyed by the evaluation network's weights and the dataset.
"""
from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import numpy as np
import torch

from cgan.data import load_dataset
from cgan.evaluation.classifier import Classifier, features_and_probs, load_classifier
from cgan.evaluation.metrics import nearest_neighbours
from cgan.export.names import EVALUATOR_WEIGHTS_NAME
from cgan.files import atomic_path, cache_dir

NEIGHBOURS = 3


def _features(classifier: Classifier, images: np.ndarray) -> np.ndarray:
    return features_and_probs(classifier, images)[0].astype(np.float32)


@dataclass
class NearestIndex:
    """Training images with their features, and the sorted nearest-neighbour distances of real test images."""

    train_images: np.ndarray  # uint8 (N, H, W[, 3])
    train_labels: np.ndarray  # int64 (N,)
    train_features: torch.Tensor  # float32 (N, F)
    test_distances: np.ndarray  # float32 (M,), sorted: each real test image to its nearest training image
    classifier: Classifier
    class_names: list[str]

    @classmethod
    def build(cls, classifier: Classifier, *, train_images: np.ndarray, train_labels: np.ndarray,
              test_images: np.ndarray, class_names: list[str], cache: Optional[Path] = None) -> "NearestIndex":
        """Compute (or read from `cache`) the features of the training set and the test reference distances."""
        if cache is not None and cache.is_file():
            with np.load(cache) as data:
                train_features, test_distances = data["train_features"], data["test_distances"]
        else:
            train_features = _features(classifier, train_images)
            test_features = _features(classifier, test_images)
            distances, _ = nearest_neighbours(torch.from_numpy(test_features), torch.from_numpy(train_features), 1)
            test_distances = np.sort(distances[:, 0].numpy())
            if cache is not None:
                cache.parent.mkdir(parents=True, exist_ok=True)
                with atomic_path(cache) as tmp:
                    np.savez(tmp, train_features=train_features, test_distances=test_distances)
        return cls(train_images, np.asarray(train_labels), torch.from_numpy(np.asarray(train_features)),
                   np.asarray(test_distances), classifier, list(class_names))

    def query(self, pixels: np.ndarray, *, k: int = NEIGHBOURS) -> list[dict]:
        """The k nearest training images of one uint8 image: image, class name, distance, index."""
        features = torch.from_numpy(_features(self.classifier, pixels[None]))
        distances, indices = nearest_neighbours(features, self.train_features, k)
        return [{"image": self.train_images[i], "class_name": self.class_names[int(self.train_labels[i])],
                 "distance": float(d), "index": int(i)}
                for d, i in zip(distances[0].tolist(), indices[0].tolist())]

    def share_of_test_closer(self, distance: float) -> float:
        """Fraction of real test images whose nearest training image is closer than `distance`."""
        return float(np.searchsorted(self.test_distances, distance, side="left") / max(len(self.test_distances), 1))


def describe_distance(distance: float, share_closer: float) -> str:
    """One sentence that places a generated image's nearest distance among real test images'."""
    if share_closer < 0.01:
        verdict = "closer to a training image than 99 % of real test images are: possibly a copy"
    elif share_closer < 0.1:
        verdict = "closer than most real test images are to theirs: look carefully"
    else:
        verdict = "as far from the training set as unseen real images typically are: not a copy"
    return (f"Nearest training image at distance {distance:.2f}; {share_closer:.0%} of real test images are "
            f"closer to their nearest training image. {verdict[0].upper()}{verdict[1:]}.")


def cache_key(evaluator_file: Path, dataset: str, count: int) -> str:
    """File name of the cached features: changes with the evaluation network's weights and the dataset."""
    digest = hashlib.sha256(Path(evaluator_file).read_bytes()).hexdigest()[:16]
    return f"nearest-{dataset}-{count}-{digest}.npz"


def index_for_evaluator(evaluator_dir: str | os.PathLike, *, data_dir: str | None = None) -> NearestIndex:
    """The index over the training set the evaluation network in `evaluator_dir` was trained on.

    The dataset comes from disk when present, else through the project's data code (torchvision's
    download); the features are cached. Raises FileNotFoundError or DataNotFoundError when it cannot.
    """
    classifier, info = load_classifier(evaluator_dir)
    train = load_dataset(info["dataset"], data_dir=data_dir, train=True)
    test = load_dataset(info["dataset"], data_dir=data_dir, train=False)

    def as_numpy(images: torch.Tensor) -> np.ndarray:
        return (images[:, 0] if images.shape[1] == 1 else images.permute(0, 2, 3, 1)).numpy()

    cache = cache_dir() / cache_key(Path(evaluator_dir) / EVALUATOR_WEIGHTS_NAME, info["dataset"], len(train))
    return NearestIndex.build(classifier, train_images=as_numpy(train.images), train_labels=train.labels.numpy(),
                              test_images=as_numpy(test.images), class_names=info["class_names"], cache=cache)
