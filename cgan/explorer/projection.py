"""Projection: the latent z for which the generator draws a given image (of a given class) most closely.

The best of a batch of starts (seeds of the class, and the encoder's answer when the generator has one, scored in
one pass) is refined by Adam on z against a pixel loss plus a feature loss in the evaluation network, as the
StyleGAN projectors do (Karras et al., 2020), within a step and time limit (shorter from the encoder's start). z is
kept within LATENT_LIMIT so the result stays a latent the generator knows:
sliders, ψ and class swaps act on it as on any seed's.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Optional

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from cgan.evaluation.classifier import Classifier, as_input
from cgan.sampling import center_crop, latents_for_seeds, model_device, to_uint8

STARTS = 32  # random latents scored before refining (seeds 0 ... STARTS - 1 of the class)
REFINED = 1  # the best starts, refined together; the best of them wins
STEPS = 150  # Adam steps on z at most
TIME_LIMIT = 1.5  # seconds for a whole projection; refinement stops there and keeps what it has
LEARNING_RATE = 0.1
FEATURE_WEIGHT = 0.05  # the feature loss's weight beside the pixel MSE (in [-1, 1] units)
LATENT_LIMIT = 4.0  # each value of z stays within ±LATENT_LIMIT (standard deviations)
# The refinement from an encoder's start: fewer steps, a smaller rate (it starts near the answer; 0.1 overshoots),
# and, while other projections wait behind it, a share of its time (so that a queue of 8 drains within a second).
ENCODED_STEPS, ENCODED_TIME_LIMIT, ENCODED_LEARNING_RATE, MIN_SHARED_LIMIT = 40, 0.23, 0.03, 0.06


def shared_limit(waiting: int) -> float:
    """The refinement's time limit from an encoder's start while `waiting` other projections wait their turn."""
    return max(MIN_SHARED_LIMIT, ENCODED_TIME_LIMIT / (1 + max(0, waiting)))


@dataclass
class Projection:
    z: torch.Tensor  # (z_dim,)
    class_index: int
    reconstruction: np.ndarray  # uint8, as the generator draws z
    pixel_mse: float  # mean squared pixel difference, pixels in [0, 1]
    feature_distance: float  # Euclidean distance of evaluation-network features (nan without one)
    steps: int
    seconds: float


class Projector:
    """Projects images for one generator; `classifier` (the evaluation network) gives the feature loss and the
    suggested class. Reads the networks only: several projections may run at once."""

    def __init__(self, generator: nn.Module, classifier: Optional[Classifier] = None,
                 encoder: Optional[nn.Module] = None):
        self.generator, self.classifier, self.encoder = generator, classifier, encoder
        self.config = generator.config
        self.device = model_device(generator)
        self.starts = latents_for_seeds(range(STARTS), self.config.z_dim).to(self.device)  # the same for every image

    def suggest_class(self, target: np.ndarray) -> int:
        """The evaluation network's class for the image; without one, the class whose random starts fit it best."""
        if self.classifier is not None:
            with torch.inference_mode():
                return int(self.classifier(as_input(target[None]).to(self._classifier_device())).argmax())
        x = self._target(target)
        losses = [self._start_losses(x, index).min() for index in range(self.config.num_classes)]
        return int(torch.stack(losses).argmin())

    def project(self, target: np.ndarray, class_index: int, *, steps: Optional[int] = None,
                time_limit: Optional[float] = None) -> Projection:
        """target: uint8 image at the generator's native size. Steps and time limit default to STEPS and TIME_LIMIT,
        or ENCODED_STEPS and ENCODED_TIME_LIMIT with an encoder."""
        began = time.perf_counter()
        steps = steps or (ENCODED_STEPS if self.encoder is not None else STEPS)
        time_limit = time_limit or (ENCODED_TIME_LIMIT if self.encoder is not None else TIME_LIMIT)
        x = self._target(target)
        goal = self.features(x).detach() if self.classifier is not None else None
        condition = self._condition(class_index, REFINED)
        starts = self.starts
        if self.encoder is not None:
            with torch.no_grad():
                encoded = self.encoder(x, torch.tensor([class_index], device=self.device))
            starts = torch.cat([encoded.clamp(-LATENT_LIMIT, LATENT_LIMIT), starts])
        best = self._start_losses(x, class_index, starts).argsort()[:REFINED]
        z = starts[best].clone().requires_grad_(True)
        optimizer = torch.optim.Adam([z], lr=ENCODED_LEARNING_RATE if self.encoder is not None else LEARNING_RATE)
        done = 0
        for done in range(1, steps + 1):
            losses = self._losses(self._draw(z, condition), x, goal)
            grad, = torch.autograd.grad(losses.sum(), z)  # the networks' own weights get no gradients
            z.grad = grad
            optimizer.step()
            with torch.no_grad():
                z.clamp_(-LATENT_LIMIT, LATENT_LIMIT)
            if time.perf_counter() - began > time_limit:
                break
        with torch.no_grad():
            images = self._draw(z, condition)
            winner = int(self._losses(images, x, goal).argmin())
            image = images[winner:winner + 1]
            mse = float(((image - x) / 2).pow(2).mean())
            distance = float((self.features(image) - goal).norm()) if goal is not None else float("nan")
        return Projection(z[winner].detach().cpu(), class_index, to_uint8(image.cpu())[0], mse, distance, done,
                          time.perf_counter() - began)

    def draw(self, z: torch.Tensor, class_index: int) -> torch.Tensor:
        """Images of one class for latents (B, z_dim), floats in [-1, 1] at the native size, on the generator's device."""
        return self._draw(z.to(self.device), self._condition(class_index, len(z)))

    def features(self, images: torch.Tensor) -> torch.Tensor:
        """The evaluation network's features of images in [-1, 1]."""
        return self.classifier.body(images.to(self._classifier_device()))

    # ------------------------------------------------------------ parts
    def _target(self, target: np.ndarray) -> torch.Tensor:
        return as_input(target[None]).to(self.device)  # (1, C, H, W) in [-1, 1]

    def _condition(self, class_index: int, count: int) -> torch.Tensor:
        return F.one_hot(torch.full((count,), class_index), self.config.num_classes).float().to(self.device)

    def _draw(self, z: torch.Tensor, condition: torch.Tensor) -> torch.Tensor:
        return center_crop(self.generator(z, condition).float(), self.config.native_size)

    def _classifier_device(self) -> torch.device:
        return model_device(self.classifier)

    def _losses(self, images: torch.Tensor, x: torch.Tensor, goal: Optional[torch.Tensor]) -> torch.Tensor:
        """Per image: pixel MSE plus the weighted mean squared feature difference."""
        losses = (images - x).pow(2).flatten(1).mean(1)
        if goal is not None:
            losses = losses + FEATURE_WEIGHT * (self.features(images) - goal).pow(2).mean(1).to(losses.device)
        return losses

    @torch.no_grad()
    def _start_losses(self, x: torch.Tensor, class_index: int, starts: Optional[torch.Tensor] = None) -> torch.Tensor:
        """The pixel error of each start (the random ones by default), drawn as the class."""
        return (self.draw(self.starts if starts is None else starts, class_index) - x).pow(2).flatten(1).mean(1).cpu()
