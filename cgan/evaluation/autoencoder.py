"""A label-free feature space: the bottleneck of a small convolutional autoencoder trained on the training split.

The evaluation network's features are a classifier's, and FID there can be lowered by exaggerating class
features without more realism (Kynkäänniemi et al., 2022). An autoencoder learns from pixels alone, never
from labels, so FID, precision and recall in its bottleneck are a second view that class sharpness cannot
game. Shipped beside the generator as autoencoder.safetensors + autoencoder.json.
"""
from __future__ import annotations

import os
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from tqdm.auto import tqdm

from cgan.evaluation.classifier import SHIPPED_EVALUATOR, as_input, load_network, save_network, train_epoch
from cgan.export.names import AUTOENCODER_INFO_NAME, AUTOENCODER_WEIGHTS_NAME

FEATURES = 64


class AutoEncoder(nn.Module):
    """conv(32, /2) -> conv(64, /2) -> 64 features -> the mirror image back to pixels (Tanh)."""

    def __init__(self, *, channels: int, image_size: int):
        super().__init__()
        self.arch = {"channels": channels, "image_size": image_size}
        side = image_size // 4
        self.encoder = nn.Sequential(
            nn.Conv2d(channels, 32, 4, 2, 1), nn.LeakyReLU(0.2), nn.Conv2d(32, 64, 4, 2, 1), nn.LeakyReLU(0.2),
            nn.Flatten(), nn.Linear(64 * side * side, FEATURES))
        self.decoder = nn.Sequential(
            nn.Linear(FEATURES, 64 * side * side), nn.LeakyReLU(0.2), nn.Unflatten(1, (64, side, side)),
            nn.ConvTranspose2d(64, 32, 4, 2, 1), nn.LeakyReLU(0.2), nn.ConvTranspose2d(32, channels, 4, 2, 1),
            nn.Tanh())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.decoder(self.encoder(x))


def fit_autoencoder(images, *, epochs: int, seed: int = 0, batch_size: int = 128, lr: float = 2e-3,
                    progress: bool = False) -> AutoEncoder:
    """Train on uint8 images (no labels) to reconstruct them in mean squared error, with a cosine-decayed rate."""
    torch.manual_seed(seed)
    x = as_input(images)
    model = AutoEncoder(channels=x.shape[1], image_size=x.shape[2])
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    steps = epochs * -(-len(x) // batch_size)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, steps)
    rng = torch.Generator().manual_seed(seed)
    with tqdm(total=steps, disable=not progress, desc="autoencoder", unit="step") as bar:
        for _ in range(epochs):
            train_epoch(model, optimizer, len(x), lambda idx: F.mse_loss(model(x[idx]), x[idx]), rng=rng,
                        batch_size=batch_size, schedule=schedule, bar=bar)
    return model.eval()


@torch.inference_mode()
def autoencoder_features(model: AutoEncoder, images, *, batch_size: int = 1000) -> np.ndarray:
    """Bottleneck features (N, 64), float64 numpy."""
    model.eval()
    x = as_input(images)
    return torch.cat([model.encoder(x[s:s + batch_size]).double() for s in range(0, len(x), batch_size)]).numpy()


@torch.inference_mode()
def reconstruction_error(model: AutoEncoder, images) -> float:
    """Mean squared error of the reconstructions, on the [-1, 1] scale."""
    x = as_input(images)
    return float(F.mse_loss(model(x), x))


def save_autoencoder(model: AutoEncoder, folder: str | os.PathLike, info: dict[str, Any]) -> None:
    save_network(model, folder, AUTOENCODER_WEIGHTS_NAME, AUTOENCODER_INFO_NAME, info)


def load_autoencoder(folder: str | os.PathLike = SHIPPED_EVALUATOR) -> tuple[AutoEncoder, dict[str, Any]]:
    """The autoencoder in `folder` and its info (dataset, reconstruction error on the real test set)."""
    return load_network(AutoEncoder, folder, AUTOENCODER_WEIGHTS_NAME, AUTOENCODER_INFO_NAME,
                        "no label-free feature network")
