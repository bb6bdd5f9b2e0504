"""Differentiable augmentation of what the discriminator sees (DiffAugment: Zhao et al., 2020): the same random
translation and cutout for real and generated images, differentiable so the generator learns through it.

Translation moves each image by up to an eighth of its side, filling with 0 (mid-grey in [-1, 1]); cutout sets a
square of half the side, at a random place, to 0. BigGAN on CIFAR-10 went from FID 9.59 to 8.70 with both at
equal compute; the figures for this project are in docs/results.md.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

TRANSLATION, CUTOUT = 0.125, 0.5  # shares of the image side


def diff_augment(images: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
    """(B, C, H, W) -> the same shape: each image translated, then cut out, with its own random draw."""
    return cutout(translate(images, generator), generator)


def translate(images: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
    b, _, h, w = images.shape
    device = images.device
    dy = torch.randint(-round(h * TRANSLATION), round(h * TRANSLATION) + 1, (b, 1, 1), device=device, generator=generator)
    dx = torch.randint(-round(w * TRANSLATION), round(w * TRANSLATION) + 1, (b, 1, 1), device=device, generator=generator)
    batch, rows, cols = torch.meshgrid(torch.arange(b, device=device), torch.arange(h, device=device),
                                       torch.arange(w, device=device), indexing="ij")
    rows = (rows + dy + 1).clamp(0, h + 1)  # into the image padded by one row and column of zeros
    cols = (cols + dx + 1).clamp(0, w + 1)
    padded = F.pad(images, [1, 1, 1, 1]).permute(0, 2, 3, 1)
    return padded[batch, rows, cols].permute(0, 3, 1, 2).contiguous()


def cutout(images: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
    b, _, h, w = images.shape
    device = images.device
    ch, cw = int(h * CUTOUT + 0.5), int(w * CUTOUT + 0.5)
    top = torch.randint(0, h + (1 - ch % 2), (b, 1, 1), device=device, generator=generator)
    left = torch.randint(0, w + (1 - cw % 2), (b, 1, 1), device=device, generator=generator)
    batch, rows, cols = torch.meshgrid(torch.arange(b, device=device), torch.arange(ch, device=device),
                                       torch.arange(cw, device=device), indexing="ij")
    rows = (rows + top - ch // 2).clamp(0, h - 1)
    cols = (cols + left - cw // 2).clamp(0, w - 1)
    mask = torch.ones(b, h, w, dtype=images.dtype, device=device)
    mask[batch, rows, cols] = 0
    return images * mask[:, None]
