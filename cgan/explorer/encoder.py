"""An encoder for one trained generator: image + class -> the latent z that draws it, in one pass.

It starts a projection near its answer, so the refinement that follows needs a few steps instead of 150 (the
"hybrid" inversion of the GAN-inversion literature). Trained by `python -m cgan.train_encoder --weights DIR` on
the generator's own samples (z known: latent regression and pixel reconstruction) and on real training images
drawn back through the generator (pixel and evaluation-feature reconstruction). Saved beside the generator as
encoder.safetensors + encoder.json, which records the generator's weight digest: an encoder trained for other
weights is never used. encoder.onnx is the same encoder for the page (the instant tab's drawing), taking the class
as a one-hot vector as model.onnx does.
"""
from __future__ import annotations

import copy
import json
import os
import time
from pathlib import Path
from typing import Optional

import torch
import torch.nn.functional as F
from safetensors.torch import save_file
from torch import nn
from tqdm.auto import tqdm

from cgan.checked_weights import expected_shapes, load_checked, read_small_json
from cgan.evaluation.classifier import Classifier, as_input
from cgan.export.browser_model import export_module, onnx_digest, weights_digest
from cgan.export.names import ENCODER_INFO_NAME, ENCODER_ONNX_NAME, ENCODER_WEIGHTS_NAME
from cgan.files import atomic_path, cache_dir
from cgan.sampling import center_crop, model_device

LATENT_LIMIT = 4.0  # as the projection's: z stays a latent the generator knows


class Encoder(nn.Module):
    """Three stride-2 convs over the image with the class as one-hot planes, then two linear layers to z: ≈ 200,000
    weights (0.8 MB) for 28x28 images and a 64-long z, small enough to run beside the generator in a page."""

    def __init__(self, channels: int, size: int, num_classes: int, z_dim: int, width: int = 32, hidden: int = 128):
        super().__init__()
        self.channels, self.size, self.num_classes = channels, size, num_classes
        act = lambda: nn.LeakyReLU(0.2, inplace=True)  # noqa: E731
        self.body = nn.Sequential(
            nn.Conv2d(channels + num_classes, width, 3, 2, 1), act(),  # s/2
            nn.Conv2d(width, 2 * width, 3, 2, 1), act(),  # s/4
            nn.Conv2d(2 * width, 2 * width, 3, 2, 1), act(), nn.Flatten())  # s/8, rounded up
        side = (((size + 1) // 2 + 1) // 2 + 1) // 2
        self.head = nn.Sequential(nn.Linear(2 * width * side * side, hidden), act(), nn.Linear(hidden, z_dim))

    def forward(self, images: torch.Tensor, classes: torch.Tensor) -> torch.Tensor:
        """images (B, C, H, W) in [-1, 1], classes (B,) int -> z (B, z_dim) within ±LATENT_LIMIT."""
        return self.from_condition(images, F.one_hot(classes.long(), self.num_classes).to(images.dtype))

    def from_condition(self, images: torch.Tensor, condition: torch.Tensor) -> torch.Tensor:
        """forward() with the class as a (B, num_classes) one-hot (or mixed) vector, as encoder.onnx takes it."""
        planes = condition[:, :, None, None].expand(-1, -1, images.shape[2], images.shape[3])
        z = self.head(self.body(torch.cat([images, planes], dim=1)))
        return LATENT_LIMIT * torch.tanh(z / LATENT_LIMIT)


class _ByCondition(nn.Module):
    """Encoder.from_condition as a module's forward, for the ONNX export."""

    def __init__(self, encoder: Encoder):
        super().__init__()
        self.encoder = encoder

    def forward(self, images: torch.Tensor, condition: torch.Tensor) -> torch.Tensor:
        return self.encoder.from_condition(images, condition)


def encoder_for(generator: nn.Module) -> Encoder:
    config = generator.config
    return Encoder(config.channels, config.native_size, config.num_classes, config.z_dim)


def fit_encoder(generator: nn.Module, real: Optional[torch.Tensor] = None, real_labels: Optional[torch.Tensor] = None,
                classifier: Optional[Classifier] = None, *, minutes: float = 10.0, max_steps: Optional[int] = None,
                batch_size: int = 64, lr: float = 1e-3, seed: int = 0, progress: bool = True) -> Encoder:
    """Train an encoder for `generator` for `minutes` (or max_steps). Every step: a batch of the generator's samples
    (latent regression + pixel loss through the generator) and, with `real` uint8 images, a batch of them (pixel
    loss, plus the evaluation network's feature loss with `classifier`). The learning rate falls linearly to 5 % of
    `lr` over the training time (or steps)."""
    torch.manual_seed(seed)
    device, config = model_device(generator), generator.config
    generator.eval().requires_grad_(False)
    encoder = encoder_for(generator).to(device)
    optimizer = torch.optim.Adam(encoder.parameters(), lr=lr)
    draw = lambda z, c: center_crop(generator(z, F.one_hot(c, config.num_classes).float()).float(),  # noqa: E731
                                    config.native_size)
    began, step = time.perf_counter(), 0
    bar = tqdm(desc="encoder", unit="step", disable=not progress)
    while (max_steps is None or step < max_steps) and time.perf_counter() - began < minutes * 60:
        done = max((time.perf_counter() - began) / (minutes * 60), step / max_steps if max_steps else 0.0)
        for group in optimizer.param_groups:
            group["lr"] = lr * max(0.05, 1.0 - done)
        z = torch.randn(batch_size, config.z_dim, device=device).clamp(-LATENT_LIMIT, LATENT_LIMIT)
        c = torch.randint(config.num_classes, (batch_size,), device=device)
        with torch.no_grad():
            x = draw(z, c)
        guess = encoder(x, c)
        loss = F.mse_loss(guess, z) + 4 * F.mse_loss(draw(guess, c), x)
        if real is not None:
            pick = torch.randint(len(real), (batch_size,))
            x_real, c_real = as_input(real[pick]).to(device), real_labels[pick].long().to(device)
            drawn = draw(encoder(x_real, c_real), c_real)
            loss = loss + 4 * F.mse_loss(drawn, x_real)
            if classifier is not None:
                loss = loss + 0.05 * F.mse_loss(classifier.body(drawn), classifier.body(x_real).detach())
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        step += 1
        bar.update(1)
        bar.set_postfix(loss=f"{loss.item():.4f}", refresh=False)
    bar.close()
    return encoder.eval()


def save_encoder(encoder: Encoder, generator: nn.Module, folder: str | os.PathLike, **facts) -> None:
    """encoder.safetensors, encoder.json (its shape and the generator's weight digest) and, where the onnx
    packages are installed, encoder.onnx into `folder`."""
    folder = Path(folder)
    info = {"channels": generator.config.channels, "size": generator.config.native_size,
            "num_classes": generator.config.num_classes, "z_dim": generator.config.z_dim,
            "generator_sha256": weights_digest(generator), **facts}
    with atomic_path(folder / ENCODER_WEIGHTS_NAME) as tmp:
        save_file({k: v.detach().cpu().contiguous() for k, v in encoder.state_dict().items()}, str(tmp))
    with atomic_path(folder / ENCODER_INFO_NAME) as tmp:
        Path(tmp).write_text(json.dumps(info, indent=2) + "\n")
    try:
        export_encoder_onnx(encoder, folder / ENCODER_ONNX_NAME)
    except ImportError:  # the app exports it when it starts (ensure_encoder_onnx)
        pass


def export_encoder_onnx(encoder: Encoder, path: str | os.PathLike) -> Path:
    """encoder.onnx: inputs images (B, C, H, W) in [-1, 1] and condition (B, num_classes), output z; it carries
    the encoder's own weights digest."""
    model = _ByCondition(copy.deepcopy(encoder).cpu().eval()).eval()
    inputs = {"images": torch.zeros(2, encoder.channels, encoder.size, encoder.size),
              "condition": torch.eye(encoder.num_classes)[:2]}
    return export_module(model, inputs, "z", weights_digest(encoder), path)


def ensure_encoder_onnx(encoder: Encoder, folder: str | os.PathLike) -> Optional[Path]:
    """The encoder's ONNX file: the one beside it when it was exported from these weights, else one exported into
    the cache; None when it cannot be had (the page then draws without it)."""
    digest, beside = weights_digest(encoder), Path(folder) / ENCODER_ONNX_NAME
    cap = 2 * sum(t.numel() * 4 for t in encoder.state_dict().values()) + 1_000_000
    if beside.is_file() and onnx_digest(beside, max_bytes=cap) == digest:
        return beside
    path = cache_dir() / "onnx" / digest[:20] / ENCODER_ONNX_NAME
    if path.is_file() and onnx_digest(path, max_bytes=cap) == digest:
        return path
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        return export_encoder_onnx(encoder, path)
    except (ImportError, OSError):
        return None


def load_encoder(folder: str | os.PathLike, generator: nn.Module) -> tuple[Optional[Encoder], str]:
    """The encoder beside a generator, checked like any weights, and why there is none: (None, reason) when the
    folder has none, or one for other weights (a stale digest) or another shape."""
    folder = Path(folder)
    if not (folder / ENCODER_WEIGHTS_NAME).is_file():
        return None, "no encoder beside the generator"
    try:
        info = read_small_json(folder / ENCODER_INFO_NAME)
        if not isinstance(info, dict) or info.get("generator_sha256") != weights_digest(generator):
            return None, "the encoder was trained for other generator weights"
        encoder = encoder_for(generator)
        state = load_checked(folder / ENCODER_WEIGHTS_NAME, expected_shapes(lambda: encoder_for(generator)))
        encoder.load_state_dict(state)
    except (OSError, ValueError) as e:
        return None, f"the encoder cannot be read ({e})"
    return encoder.to(model_device(generator)).eval().requires_grad_(False), ""
