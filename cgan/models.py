"""Generators and discriminators for the three presets, built from a ModelConfig.

Every generator takes (z, condition) where condition is a (B, num_classes) float vector:
a one-hot label, or a mix of one-hot labels (the app's class mixing). Every discriminator
takes (images, condition) and returns one logit per image, shape (B,).
"""
from __future__ import annotations

import dataclasses
import functools

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils import remove_spectral_norm, spectral_norm

from cgan.config import ModelConfig


class ConditionalBatchNorm2d(nn.Module):
    """BatchNorm whose scale and shift are linear in the condition vector (de Vries et al., 2017).

    With a one-hot condition that is one (gamma, beta) pair per class; a mix of classes mixes them.
    """

    def __init__(self, channels: int, num_classes: int):
        super().__init__()
        self.norm = nn.BatchNorm2d(channels, affine=False)
        self.gain = nn.Linear(num_classes, channels, bias=False)
        self.shift = nn.Linear(num_classes, channels, bias=False)
        nn.init.ones_(self.gain.weight)
        nn.init.zeros_(self.shift.weight)

    def forward(self, x: torch.Tensor, condition: torch.Tensor) -> torch.Tensor:
        gain, shift = self.gain(condition), self.shift(condition)  # (B, C) each
        return self.norm(x) * gain[:, :, None, None] + shift[:, :, None, None]


def _norm(channels: int, config: ModelConfig) -> nn.Module:
    if config.g_norm == "conditional":
        return ConditionalBatchNorm2d(channels, config.num_classes)
    return nn.BatchNorm2d(channels)


class ProjectFromVector(nn.ConvTranspose2d):
    """The generator's first layer: a ConvTranspose2d (k x k, stride 1, no padding) on a 1x1 input.

    On a 1x1 map that transposed convolution is one matrix product, (B, in) @ (in, out * k * k), which
    runs ~10x faster on CPUs than the convolution kernel; parameters and state-dict keys are the
    ConvTranspose2d's, so weights load either way and the output is the same.
    """

    def __init__(self, in_ch: int, out_ch: int, size: int):
        super().__init__(in_ch, out_ch, kernel_size=size, stride=1, padding=0, bias=False)

    def forward(self, x: torch.Tensor, output_size=None) -> torch.Tensor:
        if x.shape[2:] != (1, 1):
            return super().forward(x, output_size)
        k = self.kernel_size[0]
        out = x.flatten(1) @ self.weight.flatten(1)  # (B, out * k * k)
        return out.view(x.shape[0], self.out_channels, k, k)  # (B, out, k, k)


def _up_block(in_ch: int, out_ch: int, config: ModelConfig, **conv) -> list[nn.Module]:
    """ConvTranspose + BatchNorm + ReLU, the reference generator's unit."""
    return [nn.ConvTranspose2d(in_ch, out_ch, bias=False, **conv), _norm(out_ch, config), nn.ReLU(inplace=True)]


def _first_block(in_ch: int, out_ch: int, size: int, config: ModelConfig) -> list[nn.Module]:
    """[z, condition] (a 1x1 map) -> size x size: the ConvTranspose+BN+ReLU unit, computed as a matmul."""
    return [ProjectFromVector(in_ch, out_ch, size), _norm(out_ch, config), nn.ReLU(inplace=True)]


def _double_block(in_ch: int, out_ch: int, config: ModelConfig) -> list[nn.Module]:
    """Twice the size: ConvTranspose 4x4/2 (g_upsample=convtranspose) or nearest + 3x3 conv (nearest)."""
    if config.g_upsample == "nearest":
        # Every output pixel sees the same kernel taps: no checkerboard from uneven overlap.
        return [nn.Upsample(scale_factor=2, mode="nearest"), nn.Conv2d(in_ch, out_ch, 3, padding=1, bias=False),
                _norm(out_ch, config), nn.ReLU(inplace=True)]
    return _up_block(in_ch, out_ch, config, kernel_size=4, stride=2, padding=1)


def full_range(images: torch.Tensor) -> torch.Tensor:
    """Each image (B, C, H, W) in -1..1 stretched linearly so that its darkest pixel is -1 and its brightest 1, as
    every Fashion-MNIST image spans black to white (g_output="full-range"); a flat image stays flat."""
    low = images.amin(dim=(1, 2, 3), keepdim=True)
    high = images.amax(dim=(1, 2, 3), keepdim=True)
    return (images - low) / (high - low).clamp_min(1e-3) * 2 - 1


CLIP_MARGIN = 0.05  # full-range-clipped: how far past black and white the stretched output reaches before the clip


def full_range_clipped(images: torch.Tensor) -> torch.Tensor:
    """full_range made CLIP_MARGIN wider and clipped to -1..1 (g_output="full-range-clipped"): the darkest and
    brightest few grey levels become pure black and white, so that an outline can cut from black to the garment
    with no ramp, and highlights can be pure white, as in Fashion-MNIST's images, which were sharpened before they
    were stored in 8 bits. Its gradient passes the clip unchanged (straight through), so a pixel past black or white
    still moves when training or a projection asks it to; the stretch bounds how far past the range it can go."""
    wide = full_range(images) * (1 + CLIP_MARGIN)
    cut = wide.clamp(-1, 1)
    if not (torch.is_grad_enabled() and wide.requires_grad):
        return cut
    return cut.detach() + (wide - wide.detach())  # the clip's values exactly, the stretch's gradient


def _output(images: torch.Tensor, config: ModelConfig) -> torch.Tensor:
    if config.g_output == "full-range-clipped":
        return full_range_clipped(images)
    return full_range(images) if config.g_output == "full-range" else images


class ConvGenerator(nn.Module):
    """[z, condition] as a 1x1 map, upsampled by ConvTranspose+BN+ReLU blocks to a Tanh image.

    reference: 1x1 -> 4x4 (4*dim) -> 8x8 (2*dim) -> 16x16 (dim) -> 32x32 via ConvTranspose, as given.
    fast:      1x1 -> s/4 (4*dim) -> s/2 (2*dim) -> s (dim) -> 3x3 conv to the image; s = 28 for Fashion-MNIST.
    g_norm="conditional" makes every BatchNorm class-conditional; g_upsample="nearest" doubles the
    size by nearest-neighbour upsampling and a 3x3 conv instead of a 4x4 transposed conv; g_output="full-range"
    stretches each image's Tanh output to span -1..1, and "full-range-clipped" stretches it a little further and
    clips it.
    """

    def __init__(self, config: ModelConfig):
        super().__init__()
        self.config = config
        dim, in_ch = config.g_dim, config.z_dim + config.num_classes
        if config.arch == "reference":
            layers = (_first_block(in_ch, 4 * dim, 4, config)
                      + _double_block(4 * dim, 2 * dim, config)
                      + _double_block(2 * dim, dim, config)
                      + [nn.ConvTranspose2d(dim, config.channels, kernel_size=4, stride=2, padding=1), nn.Tanh()])
        else:
            base = config.image_size // 4
            layers = (_first_block(in_ch, 4 * dim, base, config)
                      + _double_block(4 * dim, 2 * dim, config)
                      + _double_block(2 * dim, dim, config)
                      + [nn.Conv2d(dim, config.channels, kernel_size=3, padding=1), nn.Tanh()])
        self.net = nn.Sequential(*layers)

    def forward(self, z: torch.Tensor, condition: torch.Tensor) -> torch.Tensor:
        condition = condition.to(z.dtype)
        x = torch.cat([z, condition], dim=1)[:, :, None, None]  # (B, z_dim + num_classes, 1, 1)
        for layer in self.net:
            x = layer(x, condition) if isinstance(layer, ConditionalBatchNorm2d) else layer(x)
        return _output(x, self.config)  # (B, channels, image_size, image_size)


class MLPGenerator(nn.Module):
    """Mirza & Osindero's generator: z -> 200 ReLU, y -> 1000 ReLU, joined -> 1200 ReLU -> pixels (Tanh)."""

    def __init__(self, config: ModelConfig):
        super().__init__()
        self.config = config
        pixels = config.channels * config.image_size**2
        self.z_branch = nn.Sequential(nn.Linear(config.z_dim, 200), nn.ReLU(inplace=True))
        self.y_branch = nn.Sequential(nn.Linear(config.num_classes, 1000), nn.ReLU(inplace=True))
        self.joint = nn.Sequential(nn.Linear(1200, config.g_dim), nn.ReLU(inplace=True), nn.Dropout(0.5),
                                   nn.Linear(config.g_dim, pixels), nn.Tanh())

    def forward(self, z: torch.Tensor, condition: torch.Tensor) -> torch.Tensor:
        h = torch.cat([self.z_branch(z), self.y_branch(condition.to(z.dtype))], dim=1)  # (B, 1200)
        c, s = self.config.channels, self.config.image_size
        return _output(self.joint(h).view(-1, c, s, s), self.config)


def _normed(layer: nn.Module, norm: bool) -> nn.Module:
    return spectral_norm(layer) if norm else layer


def _conv(in_ch: int, out_ch: int, kernel: int, stride: int = 1, padding: int | None = None, *,
          norm: bool = True) -> nn.Module:
    """A discriminator conv, spectral-normed when `norm`."""
    padding = kernel // 2 if padding is None else padding
    return _normed(nn.Conv2d(in_ch, out_ch, kernel, stride, padding), norm)


class GlobalSumPool(nn.Module):
    """Sum over positions (SNGAN): unlike averaging, it keeps logits large enough under spectral norm."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.sum(dim=(2, 3))  # (B, C)


class ConvDiscriminator(nn.Module):
    """Spectral-norm conv discriminator with LeakyReLU(0.2) and one logit (d_norm="none": plain weights).

    d_conditioning="channels": the one-hot label is broadcast as extra input planes (reference).
    d_conditioning="projection": logit = psi(h) + <embed(y), h> on the last features h (Miyato & Koyama 2018).
    fast: d_depth convs at each of s/2 and s/4 (the first of them downsamples); d_head="spatial" reads the
    s/4 map with a weight per position instead of summing over positions.
    d_classifier: a linear head on the same features gives class logits (AC-GAN);
    forward(..., classes=True) returns (logit, class_logits).
    """

    def __init__(self, config: ModelConfig):
        super().__init__()
        self.config = config
        dim = config.d_dim
        in_ch = config.channels + (config.num_classes if config.d_conditioning == "channels" else 0)
        act = lambda: nn.LeakyReLU(0.2, inplace=True)  # noqa: E731
        norm = config.d_norm == "spectral"
        conv = functools.partial(_conv, norm=norm)
        if config.arch == "reference":
            layers = [conv(in_ch, dim, 3), act(), conv(dim, dim, 3), act(),
                      conv(dim, dim, 3, 2), act(),  # 16x16
                      conv(dim, 2 * dim, 3), act(), conv(2 * dim, 2 * dim, 3), act(),
                      conv(2 * dim, 2 * dim, 3, 2), act(),  # 8x8
                      conv(2 * dim, 2 * dim, 3, 1, 0), act(),  # 6x6
                      conv(2 * dim, 2 * dim, 1), act(), conv(2 * dim, 2 * dim, 1), act(),
                      nn.AvgPool2d(6)]
            features = 2 * dim
        else:
            extra = config.d_depth - 1  # further 3x3 convs at s/2 and at s/4
            layers = [conv(in_ch, dim, 3), act(), conv(dim, 2 * dim, 4, 2, 1), act()]  # s/2
            layers += [m for _ in range(extra) for m in (conv(2 * dim, 2 * dim, 3), act())]
            layers += [conv(2 * dim, 4 * dim, 4, 2, 1), act()]  # s/4
            layers += [m for _ in range(extra) for m in (conv(4 * dim, 4 * dim, 3), act())]
            spatial = config.d_head == "spatial"
            layers += [nn.Flatten() if spatial else GlobalSumPool()]
            features = 4 * dim * ((config.image_size // 4) ** 2 if spatial else 1)
        self.features = nn.Sequential(*layers)
        self.linear = _normed(nn.Linear(features, 1), norm)
        if config.d_conditioning == "projection":
            self.embed = _normed(nn.Linear(config.num_classes, features, bias=False), norm)
        if config.d_classifier:
            self.classify = _normed(nn.Linear(features, config.num_classes), norm)

    def forward(self, images: torch.Tensor, condition: torch.Tensor, classes: bool = False):
        condition = condition.to(images.dtype)
        if self.config.d_conditioning == "channels":
            planes = condition[:, :, None, None].expand(-1, -1, images.shape[2], images.shape[3])
            images = torch.cat([images, planes], dim=1)  # (B, channels + num_classes, H, W)
        h = self.features(images).flatten(1)  # (B, features)
        logit = self.linear(h).squeeze(1)
        if self.config.d_conditioning == "projection":
            logit = logit + (self.embed(condition) * h).sum(1)
        if classes:
            return logit, self.classify(h)  # (B,), (B, num_classes)
        return logit


class Maxout(nn.Module):
    """Linear layer with `pieces` outputs per unit, keeping the largest."""

    def __init__(self, in_features: int, units: int, pieces: int):
        super().__init__()
        self.units, self.pieces = units, pieces
        self.linear = nn.Linear(in_features, units * pieces)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.linear(x).view(-1, self.units, self.pieces).amax(dim=2)


class MaxoutDiscriminator(nn.Module):
    """Mirza & Osindero's discriminator: maxout x (240x5) and y (50x5), joined maxout (240x4), dropout 0.5."""

    def __init__(self, config: ModelConfig):
        super().__init__()
        self.config = config
        pixels = config.channels * config.image_size**2
        self.x_branch = nn.Sequential(Maxout(pixels, config.d_dim, 5), nn.Dropout(0.5))
        self.y_branch = nn.Sequential(Maxout(config.num_classes, 50, 5), nn.Dropout(0.5))
        self.joint = nn.Sequential(Maxout(config.d_dim + 50, 240, 4), nn.Dropout(0.5), nn.Linear(240, 1))

    def forward(self, images: torch.Tensor, condition: torch.Tensor) -> torch.Tensor:
        h = torch.cat([self.x_branch(images.flatten(1)), self.y_branch(condition.to(images.dtype))], dim=1)
        return self.joint(h).squeeze(1)


def build_generator(config: ModelConfig) -> nn.Module:
    """The generator a config describes, with DCGAN-style initialisation."""
    config.validate()
    net = MLPGenerator(config) if config.arch == "paper" else ConvGenerator(config)
    net.apply(_init_weights)
    return net


def build_discriminator(config: ModelConfig) -> nn.Module:
    """The discriminator a config describes."""
    config.validate()
    net = MaxoutDiscriminator(config) if config.arch == "paper" else ConvDiscriminator(config)
    return net


def plain_discriminator_weights(spectral_state: dict[str, torch.Tensor], config: ModelConfig) -> dict[str, torch.Tensor]:
    """The weights of a spectral-norm discriminator (of config's design with d_norm="spectral") as the plain
    weights of d_norm="none" that compute the same logits: each weight divided by its stored norm estimate."""
    net = build_discriminator(dataclasses.replace(config, d_norm="spectral"))
    net.load_state_dict(spectral_state)
    for module in net.modules():
        if hasattr(module, "weight_orig"):
            remove_spectral_norm(module)  # uses the stored power-iteration vectors; no further iteration
    return net.state_dict()  # detached tensors


def _init_weights(module: nn.Module) -> None:
    """DCGAN's initialisation."""
    if isinstance(module, (nn.Conv2d, nn.ConvTranspose2d)):
        nn.init.normal_(module.weight, 0.0, 0.02)
    elif isinstance(module, nn.BatchNorm2d) and module.affine:
        nn.init.normal_(module.weight, 1.0, 0.02)
        nn.init.zeros_(module.bias)


def one_hot(labels: torch.Tensor, num_classes: int) -> torch.Tensor:
    """(B,) int labels -> (B, num_classes) float condition vectors."""
    return F.one_hot(labels.long(), num_classes).float()
