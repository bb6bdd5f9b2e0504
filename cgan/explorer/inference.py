"""Plain inference functions behind the app: numbers in, images out, no UI code.

Latent sliders move z along the generator's principal directions, found in closed form from the
weights that first touch z (SeFa: Shen & Zhou, 2021): the top eigenvectors of W^T W.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional, Sequence

import numpy as np
import torch
from PIL import Image
from torch import nn

from cgan import values
from cgan.evaluation.classifier import Classifier, features_and_probs
from cgan.explorer import latent_code
from cgan.explorer.projection import Projection, Projector
from cgan.explorer.uploads import model_view
from cgan.sampling import class_rows, grid_image, latents_for_seeds, lerp, slerp, synthesize, to_uint8
from cgan.values import MAX_GRID_SIDE, MAX_SEED, SLIDER_RANGE

STRIP_VALUES = (-3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0)  # slider positions shown in the direction strips
# Measured properties of an image, as (name at the low end, name at the high end) of a direction.
EFFECT_WORDS = {"brightness": ("darker", "brighter"), "width": ("narrower", "wider"), "height": ("shorter", "taller")}
EFFECT_THRESHOLD = 0.05  # mean change from -2 to +2 (as a share of the full range or image side) worth a word
SUGGESTED = "auto"  # the class a projection uses when none is named: the evaluation network's


def first_layer_matrix(generator: nn.Module) -> torch.Tensor:
    """The (outputs, z_dim) linear map from z to the generator's first pre-activation."""
    z_dim = generator.config.z_dim
    for module in generator.modules():
        if isinstance(module, nn.ConvTranspose2d):  # weight (in, out, k, k); z is the first z_dim inputs
            return module.weight.detach()[:z_dim].reshape(z_dim, -1).T
        if isinstance(module, nn.Linear):  # the paper MLP's z branch: weight (out, z_dim)
            return module.weight.detach()[:, :z_dim]
    raise ValueError("no layer found that reads z")


def latent_directions(generator: nn.Module, count: int) -> torch.Tensor:
    """(count, z_dim) unit directions in z space, strongest first (SeFa closed-form factorisation)."""
    matrix = first_layer_matrix(generator).double().cpu()
    eigenvalues, eigenvectors = torch.linalg.eigh(matrix.T @ matrix)  # ascending
    order = torch.argsort(eigenvalues, descending=True)[:count]
    directions = eigenvectors[:, order].T.float()
    # A fixed sign convention, so a slider means the same thing on every load.
    signs = torch.sign(directions[torch.arange(len(directions)), directions.abs().argmax(1)])
    return directions * signs[:, None]


def image_properties(pixels: np.ndarray) -> dict[str, np.ndarray]:
    """Per image (uint8 (B, H, W[, 3])): mean brightness of the ink, and the share of columns and rows it covers."""
    gray = pixels.mean(-1) if pixels.ndim == 4 else pixels.astype(np.float64)
    ink = gray > 32
    brightness = (gray * ink).sum((1, 2)) / np.maximum(ink.sum((1, 2)), 1) / 255.0
    return {"brightness": brightness, "width": ink.any(1).mean(1), "height": ink.any(2).mean(1)}


GRID_CLASSES = 100  # rows of the class grid at most: a page and a request of bounded size for any model


@dataclass
class Explorer:
    """A loaded generator, its slider directions and (optionally) the evaluation network."""

    generator: nn.Module
    directions: torch.Tensor
    classifier: Optional[Classifier] = None
    encoder: Optional[nn.Module] = None  # image + class -> z (cgan.explorer.encoder): projections start from it
    scale: int = 8  # on-screen enlargement (nearest neighbour)
    descriptions: tuple[str, ...] = ()  # one short measured description per direction
    _projector: Optional[Projector] = field(default=None, repr=False)  # made at the first projection

    @classmethod
    def create(cls, generator: nn.Module, *, sliders: int = 8, classifier: Optional[Classifier] = None,
               encoder: Optional[nn.Module] = None) -> "Explorer":
        explorer = cls(generator.eval(), latent_directions(generator, min(sliders, generator.config.z_dim)), classifier,
                       encoder)
        explorer.descriptions = tuple(explorer.describe_directions())
        return explorer

    @property
    def projector(self) -> Projector:
        if self._projector is None:
            self._projector = Projector(self.generator, self.classifier, self.encoder)
        return self._projector

    @property
    def class_names(self) -> list[str]:
        return list(self.generator.config.class_names)

    # ------------------------------------------------------------ validation
    def class_index(self, name: str) -> int:
        return self.class_names.index(values.choice(name, "class", self.class_names))

    @staticmethod
    def check_seed(seed) -> int:
        return values.seed(seed)

    def check_sliders(self, sliders: Sequence[float]) -> torch.Tensor:
        if len(sliders) > len(self.directions):
            raise ValueError(f"{len(sliders)} slider values for {len(self.directions)} directions")
        checked = [values.number(v, "each slider value", -SLIDER_RANGE, SLIDER_RANGE) for v in sliders]
        return torch.tensor(checked + [0.0] * (len(self.directions) - len(checked)))

    @staticmethod
    def check_truncation(psi: float) -> float:
        return values.truncation(psi)

    def check_pixels(self, pixels) -> np.ndarray:
        """A one-channel image at the generator's size as a flat list of whole numbers 0-255 (the instant tab's
        drawing) as a uint8 (size, size) array."""
        size = self.generator.config.native_size
        if self.generator.config.channels != 1:
            raise ValueError("pixels are taken for one-channel generators only; upload the image to /project")
        if not isinstance(pixels, list) or len(pixels) != size * size:
            raise ValueError(f"pixels must be a list of {size * size} values ({size} x {size}), got "
                             f"{values.shown(pixels)}")
        if not all(type(v) is int and 0 <= v <= 255 for v in pixels):
            raise ValueError("pixels must be whole numbers from 0 to 255")
        return np.asarray(pixels, dtype=np.uint8).reshape(size, size)

    def check_latent(self, code) -> torch.Tensor:
        """A latent code (cgan.explorer.latent_code, as projection gives) as a (z_dim,) tensor."""
        return latent_code.decode(code, self.generator.config.z_dim)

    # ------------------------------------------------------------ latents and conditions
    def start_latents(self, seed: int, count: int = 1, latent: str = "") -> torch.Tensor:
        """(count, z_dim): the z of seed, seed + 1, ...; a latent code (when not "") takes the first place."""
        seed = self.check_seed(seed)
        z = latents_for_seeds([(seed + i) % (MAX_SEED + 1) for i in range(count)], self.generator.config.z_dim)
        if latent != "":
            z[0] = self.check_latent(latent)
        return z

    def moved(self, z: torch.Tensor, *, truncation: float = 1.0, sliders: Sequence[float] = ()) -> torch.Tensor:
        """Latents scaled by psi and moved along the slider directions (in std units)."""
        offset = self.check_sliders(sliders) @ self.directions  # (z_dim,)
        return z * self.check_truncation(truncation) + offset[None]

    def condition(self, class_name: str, *, mix_class: Optional[str] = None, mix_weight: float = 0.0) -> torch.Tensor:
        """(num_classes,) condition: one-hot, or the weighted mix of two one-hot vectors."""
        mix_weight = values.number(mix_weight, "mix weight", 0.0, 1.0)
        vector = torch.zeros(len(self.class_names))
        vector[self.class_index(class_name)] += 1.0 - mix_weight
        vector[self.class_index(mix_class or class_name)] += mix_weight
        return vector

    # ------------------------------------------------------------ images
    def render(self, z: torch.Tensor, condition: torch.Tensor) -> np.ndarray:
        """uint8 images (B, H, W[, 3]) for latents and conditions (one condition row is broadcast)."""
        if condition.dim() == 1:
            condition = condition[None].expand(z.shape[0], -1)
        return to_uint8(synthesize(self.generator, z, condition))

    def enlarge(self, pixels: np.ndarray, *, columns: int) -> Image.Image:
        return grid_image(pixels, columns=columns, scale=self.scale, padding=0 if len(pixels) == 1 else 1)

    def generate(self, class_name: str, seed: int, *, side: int = 1, truncation: float = 1.0,
                 sliders: Sequence[float] = (), mix_class: Optional[str] = None, mix_weight: float = 0.0,
                 latent: str = "") -> np.ndarray:
        """side x side images of one (possibly mixed) class; cell i uses seed + i, the first the latent code if given."""
        side = values.number(side, "grid side", 1, MAX_GRID_SIDE, whole=True)
        z = self.moved(self.start_latents(seed, side * side, latent), truncation=truncation, sliders=sliders)
        return self.render(z, self.condition(class_name, mix_class=mix_class, mix_weight=mix_weight))

    def class_grid(self, seed: int, *, columns: int = 6, truncation: float = 1.0,
                   sliders: Sequence[float] = (), latent: str = "") -> np.ndarray:
        """The first GRID_CLASSES classes (all of a dataset like Fashion-MNIST), each in a row, the same latents in each
        column (those of `generate`): (rows * columns, H, W[, 3])."""
        z = self.moved(self.start_latents(seed, columns, latent), truncation=truncation, sliders=sliders)
        return self.render(*class_rows(z, len(self.class_names), GRID_CLASSES))

    def interpolate(self, start_class: str, start_seed: int, end_class: str, end_seed: int, *, steps: int = 16,
                    mode: str = "spherical", truncation: float = 1.0, start_latent: str = "",
                    end_latent: str = "") -> np.ndarray:
        """steps frames from one (class, seed or latent code) to another; latents and the condition move together."""
        steps = values.number(steps, "steps", *values.FRAMES, whole=True)
        values.choice(mode, "interpolation mode", ("spherical", "linear"))
        z = torch.cat([self.start_latents(start_seed, 1, start_latent), self.start_latents(end_seed, 1, end_latent)])
        z = self.moved(z, truncation=truncation)
        t = torch.linspace(0, 1, int(steps))
        path = (slerp if mode == "spherical" else lerp)(z[0], z[1], t)
        condition = lerp(self.condition(start_class), self.condition(end_class), t)
        return self.render(path, condition)

    def direction_strips(self, class_name: str, seed: int, *, truncation: float = 1.0, sliders: Sequence[float] = (),
                         mix_class: Optional[str] = None, mix_weight: float = 0.0, latent: str = "") -> np.ndarray:
        """For each direction, the current image with that slider at each of STRIP_VALUES (the others as given):
        uint8 (directions * len(STRIP_VALUES), H, W[, 3]), one row per direction."""
        current = self.check_sliders(sliders)
        rows = []
        for i in range(len(self.directions)):
            for value in STRIP_VALUES:
                moved = current.clone()
                moved[i] = value
                rows.append(moved)
        z = self.start_latents(seed, 1, latent) * self.check_truncation(truncation)
        z = z + torch.stack(rows) @ self.directions  # (directions * values, z_dim)
        return self.render(z, self.condition(class_name, mix_class=mix_class, mix_weight=mix_weight))

    @torch.no_grad()
    def describe_directions(self, *, seeds: int = 12, amount: float = 2.0) -> list[str]:
        """A few words per direction from what moving along it measurably does (brightness, width, height,
        and how often the evaluation network stops seeing the class), over every class and `seeds` latents."""
        classes = len(self.class_names)
        z, condition = class_rows(latents_for_seeds(range(seeds), self.generator.config.z_dim), classes)
        labels = np.repeat(np.arange(classes), seeds)
        descriptions = []
        for direction in self.directions:
            low = self.render(z - amount * direction, condition)
            high = self.render(z + amount * direction, condition)
            props_low, props_high = image_properties(low), image_properties(high)
            effects = sorted(((float((props_high[k] - props_low[k]).mean()), k) for k in EFFECT_WORDS),
                             key=lambda e: -abs(e[0]))
            words = [f"{EFFECT_WORDS[k][0]} ↔ {EFFECT_WORDS[k][1]}" if size > 0 else
                     f"{EFFECT_WORDS[k][1]} ↔ {EFFECT_WORDS[k][0]}" for size, k in effects[:2]
                     if abs(size) >= EFFECT_THRESHOLD]
            if self.classifier is not None:
                changed = max(self._class_change(low, labels), self._class_change(high, labels))
                if changed >= 0.25:
                    words.append(f"changes the class in {changed:.0%} of images")
            descriptions.append(", ".join(words) if words else "style (no single measured effect)")
        return descriptions

    def project(self, image: Image.Image, class_name: str = SUGGESTED, *,
                time_limit: Optional[float] = None) -> tuple[np.ndarray, Projection]:
        """The image as the generator would draw it (uint8 at its native size) and its projection, for the named
        class or, with SUGGESTED, the one the evaluation network sees in it (time_limit: Projector.project's)."""
        index = None if class_name == SUGGESTED else self.class_index(class_name)  # a bad name: refused before work
        config = self.generator.config
        target = model_view(image, size=config.native_size, channels=config.channels)
        if index is None:
            index = self.projector.suggest_class(target)
        return target, self.projector.project(target, index, time_limit=time_limit)

    def _class_change(self, pixels: np.ndarray, labels: np.ndarray) -> float:
        _, probs = features_and_probs(self.classifier, pixels)
        return float((probs.argmax(1) != labels).mean())

    def predict(self, pixels: np.ndarray) -> dict[str, float]:
        """The evaluation network's class probabilities for one uint8 image ({} when none is loaded)."""
        if self.classifier is None:
            return {}
        _, probs = features_and_probs(self.classifier, pixels[None])
        return {name: float(p) for name, p in zip(self.class_names, probs[0])}
