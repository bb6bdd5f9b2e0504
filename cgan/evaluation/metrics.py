"""Quality metrics in the evaluation network's feature space.

- class-consistency ("GAN-test") accuracy: Shmelkov et al., How good is my GAN?, 2018
- Frechet distance between Gaussian fits of features (FID, in the classifier's space)
- precision and recall of k-NN manifolds: Kynkaanniemi et al., 2019
All functions take numpy arrays and are deterministic.
"""
from __future__ import annotations

from typing import Callable

import numpy as np
import torch


def frechet_distance(features_a: np.ndarray, features_b: np.ndarray) -> float:
    """||mu_a - mu_b||^2 + Tr(C_a + C_b - 2 (C_a C_b)^1/2), via symmetric eigendecompositions (no scipy)."""
    a, b = np.asarray(features_a, np.float64), np.asarray(features_b, np.float64)
    mu_a, mu_b = a.mean(0), b.mean(0)
    cov_a, cov_b = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    vals, vecs = np.linalg.eigh(cov_a)
    sqrt_a = (vecs * np.sqrt(np.clip(vals, 0, None))) @ vecs.T
    middle = sqrt_a @ cov_b @ sqrt_a  # symmetric PSD, same trace-sqrt as C_a C_b
    trace_sqrt = np.sqrt(np.clip(np.linalg.eigvalsh((middle + middle.T) / 2), 0, None)).sum()
    return float(((mu_a - mu_b) ** 2).sum() + np.trace(cov_a) + np.trace(cov_b) - 2 * trace_sqrt)


def pairwise_reduce(queries: torch.Tensor, support: torch.Tensor, reduce: Callable, *, chunk: int = 1000):
    """`reduce` of the distance matrix between chunks of queries and all support rows, concatenated over the
    chunks (a tuple of tensors when `reduce` returns one): the one place all-pairs distances are bounded in memory."""
    parts = [reduce(torch.cdist(queries[start:start + chunk], support)) for start in range(0, len(queries), chunk)]
    if parts and isinstance(parts[0], tuple):
        return tuple(torch.cat(column) for column in zip(*parts))
    return torch.cat(parts)


def nearest_neighbours(queries: torch.Tensor, support: torch.Tensor, k: int, *, chunk: int = 2048):
    """(distances, indices) of the k nearest support rows of each query."""
    return pairwise_reduce(queries, support, lambda d: tuple(d.topk(k, dim=1, largest=False)), chunk=chunk)


def _kth_neighbour_radii(features: torch.Tensor, k: int, chunk: int) -> torch.Tensor:
    """Distance from each point to its k-th nearest other point of the same set (+1: itself, at distance 0)."""
    return pairwise_reduce(features, features, lambda d: d.kthvalue(k + 1, dim=1).values, chunk=chunk)


def _covered(queries: torch.Tensor, support: torch.Tensor, radii: torch.Tensor, chunk: int) -> torch.Tensor:
    """For each query: is it inside the k-NN ball of at least one support point?"""
    return pairwise_reduce(queries, support, lambda d: (d <= radii[None]).any(dim=1), chunk=chunk)


def precision_recall(real: np.ndarray, fake: np.ndarray, *, k: int = 3, chunk: int = 1000) -> tuple[float, float]:
    """Precision: share of fakes inside the real manifold; recall: share of reals inside the fake manifold."""
    r, f = torch.as_tensor(real, dtype=torch.float32), torch.as_tensor(fake, dtype=torch.float32)
    precision = _covered(f, r, _kth_neighbour_radii(r, k, chunk), chunk).float().mean().item()
    recall = _covered(r, f, _kth_neighbour_radii(f, k, chunk), chunk).float().mean().item()
    return precision, recall


def class_consistency(probs: np.ndarray, labels: np.ndarray, num_classes: int) -> tuple[float, list[float]]:
    """Overall and per-class accuracy of the classifier on images generated for `labels`."""
    labels = np.asarray(labels)
    hits = probs.argmax(1) == labels
    per_class = [float(hits[labels == c].mean()) if (labels == c).any() else float("nan") for c in range(num_classes)]
    return float(hits.mean()), per_class


def intra_class_fid(features_a: np.ndarray, labels_a: np.ndarray, features_b: np.ndarray, labels_b: np.ndarray,
                    num_classes: int) -> tuple[float, list[float]]:
    """Mean over classes of the FID between the two sets' images of that class, and the per-class values."""
    per_class = [frechet_distance(features_a[labels_a == c], features_b[labels_b == c]) for c in range(num_classes)]
    return float(np.mean(per_class)), per_class
