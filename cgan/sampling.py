"""Seeds to latents, latents to images, and images to pixels.

A seed maps to one latent on every device and batch size: each seed's z is drawn by its own
CPU torch.Generator, then moved to the model's device.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
import torch
from PIL import Image
from torch import nn
from tqdm.auto import tqdm

from cgan.models import one_hot


def latents_for_seeds(seeds: Sequence[int], z_dim: int) -> torch.Tensor:
    """(len(seeds), z_dim) standard-normal latents, one CPU generator per seed."""
    rows = [torch.randn(z_dim, generator=torch.Generator().manual_seed(int(seed))) for seed in seeds]
    return torch.stack(rows) if rows else torch.zeros(0, z_dim)


def model_device(module: nn.Module) -> torch.device:
    return next(module.parameters()).device


def center_crop(images: torch.Tensor, size: int) -> torch.Tensor:
    """Crop (B, C, H, W) to its central size x size (undoes the dataset's padding)."""
    top = (images.shape[-1] - size) // 2
    return images[..., top:top + size, top:top + size]


@torch.inference_mode()
def synthesize(generator: nn.Module, z: torch.Tensor, condition: torch.Tensor, *,
               batch_size: int = 256) -> torch.Tensor:
    """Run the generator in eval mode on (B, z_dim) latents and (B, num_classes) conditions.

    Returns float images in [-1, 1] on the CPU, cropped to the dataset's native size.
    """
    config = generator.config
    device = model_device(generator)
    was_training = generator.training
    generator.eval()
    out = []
    for start in range(0, z.shape[0], batch_size):
        zb = z[start:start + batch_size].to(device)
        cb = condition[start:start + batch_size].to(device)
        out.append(generator(zb, cb).float().cpu())
    generator.train(was_training)
    images = torch.cat(out) if out else torch.zeros(0, config.channels, config.image_size, config.image_size)
    return center_crop(images, config.native_size)


def generate(generator: nn.Module, labels: Sequence[int], seeds: Sequence[int], *,
             truncation: float = 1.0) -> torch.Tensor:
    """Images for (label, seed) pairs; truncation < 1 pulls z towards the mean (0) for cleaner samples."""
    if len(labels) != len(seeds):
        raise ValueError(f"{len(labels)} labels but {len(seeds)} seeds")
    config = generator.config
    z = latents_for_seeds(seeds, config.z_dim) * truncation
    condition = one_hot(torch.as_tensor(list(labels)), config.num_classes)
    return synthesize(generator, z, condition)


def to_uint8(images: torch.Tensor) -> np.ndarray:
    """[-1, 1] floats (B, C, H, W) -> uint8 (B, H, W) for grayscale or (B, H, W, 3) for colour."""
    pixels = ((images.clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8)
    pixels = pixels.permute(0, 2, 3, 1).numpy()
    return pixels[..., 0] if pixels.shape[-1] == 1 else pixels


def grid_image(pixels: np.ndarray, *, columns: int, scale: int = 1, padding: int = 2) -> Image.Image:
    """Tile uint8 images (B, H, W[, 3]) into one PIL image, row-major, enlarged with nearest neighbour."""
    count = pixels.shape[0]
    rows = max(1, -(-count // columns))
    h, w = pixels.shape[1:3]
    colour = pixels.ndim == 4
    canvas = np.full((rows * (h + padding) + padding, columns * (w + padding) + padding) + ((3,) if colour else ()),
                     255, dtype=np.uint8)
    for i in range(count):
        r, c = divmod(i, columns)
        y, x = padding + r * (h + padding), padding + c * (w + padding)
        canvas[y:y + h, x:x + w] = pixels[i]
    image = Image.fromarray(canvas)
    if scale != 1:
        image = image.resize((image.width * scale, image.height * scale), Image.Resampling.NEAREST)
    return image


def class_rows(z: torch.Tensor, num_classes: int, rows: int | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """Latents and one-hot conditions for the first `rows` classes (default: every class) in a row each, the same
    latents z (columns, z_dim) in each."""
    rows = num_classes if rows is None else min(rows, num_classes)
    return z.repeat(rows, 1), torch.eye(num_classes)[:rows].repeat_interleave(len(z), dim=0)


def class_grid(generator: nn.Module, *, seeds: Sequence[int], truncation: float = 1.0) -> np.ndarray:
    """One row per class, one column per seed: uint8 (num_classes * len(seeds), H, W[, 3])."""
    z = latents_for_seeds(seeds, generator.config.z_dim) * truncation
    return to_uint8(synthesize(generator, *class_rows(z, generator.config.num_classes)))


def generate_dataset(generator: nn.Module, *, per_class: int, seed: int = 0, truncation: float = 1.0,
                     batch_size: int = 500, progress: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """per_class uint8 images of every class, seeds seed, seed+1, ... (one latent per seed), and their labels."""
    num_classes = generator.config.num_classes
    labels = np.repeat(np.arange(num_classes), per_class)
    seeds = seed + np.arange(len(labels))
    chunks = []
    for start in tqdm(range(0, len(labels), batch_size), disable=not progress, desc="generating", unit="batch"):
        chunks.append(to_uint8(generate(generator, labels[start:start + batch_size].tolist(),
                                        seeds[start:start + batch_size].tolist(), truncation=truncation)))
    return np.concatenate(chunks), labels


def save_class_grid(generator: nn.Module, path, *, seeds: Sequence[int] = range(10), scale: int = 2) -> None:
    """Write the class x seed sample grid PNG."""
    grid_image(class_grid(generator, seeds=seeds), columns=len(seeds), scale=scale).save(path)


def lerp(a: torch.Tensor, b: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    """Linear interpolation of rows; t has shape (T,), result (T, D)."""
    return a[None] + (b - a)[None] * t[:, None]


def slerp(a: torch.Tensor, b: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    """Spherical interpolation of two latent vectors (falls back to lerp when they are parallel)."""
    a_n, b_n = a / a.norm(), b / b.norm()
    omega = torch.acos((a_n * b_n).sum().clamp(-1.0, 1.0))
    if omega.abs() < 1e-6:
        return lerp(a, b, t)
    so = torch.sin(omega)
    return (torch.sin((1 - t) * omega)[:, None] * a[None] + torch.sin(t * omega)[:, None] * b[None]) / so
