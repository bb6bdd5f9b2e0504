"""Datasets as in-memory uint8 tensors, their class names, and where they are found offline.

The whole of (Fashion-)MNIST or CIFAR-10 is small enough to live as one tensor on the training
device; batches are then index lookups instead of a DataLoader (see bench/data_loading.py).
"""
from __future__ import annotations

import gzip
import os
import pickle  # only for CIFAR-10's own batch files, which torchvision verifies by MD5 on download
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from cgan.config import MAX_CLASSES
from cgan.hub_datasets import is_hub_dataset, load_hub_dataset

CLASS_NAMES = {
    "fashion-mnist": ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                      "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"],
    "mnist": [str(i) for i in range(10)],
    "cifar10": ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"],
}
SYSTEM_DATA_DIR = Path("/usr/share/datasets")
DEFAULT_SIZE = 32  # side length of image-folder and Hub datasets without --image-size
GRAY_MODES = ("L", "1", "I;16", "I;16L", "I;16B", "I;16N", "I", "F")  # PIL modes read as one channel
DEEP_MODES = ("I;16", "I;16L", "I;16B", "I;16N", "I", "F")  # more than 8 bits per level
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp", ".tif", ".tiff"}


class DataNotFoundError(RuntimeError):
    """The dataset is not on disk and could not be downloaded; the message says what to do."""


@dataclass
class Dataset:
    """Images (N, C, H, W) uint8 and labels (N,) int64, with the class names."""

    images: torch.Tensor
    labels: torch.Tensor
    class_names: list[str]

    @property
    def channels(self) -> int:
        return self.images.shape[1]

    @property
    def size(self) -> int:
        return self.images.shape[2]

    def __len__(self) -> int:
        return self.images.shape[0]

    def pixels(self) -> np.ndarray:
        """The images as numpy uint8 (N, H, W) for grayscale or (N, H, W, 3) for colour."""
        return as_pixels(self.images)


def as_pixels(images: torch.Tensor) -> np.ndarray:
    """uint8 (N, C, H, W) -> numpy (N, H, W) for one channel or (N, H, W, C) otherwise."""
    return (images[:, 0] if images.shape[1] == 1 else images.permute(0, 2, 3, 1)).numpy()


def to_float(images: torch.Tensor, image_size: int) -> torch.Tensor:
    """uint8 (B, C, h, w) -> float in [-1, 1], zero-padded (value -1) to image_size."""
    x = images.float().div_(127.5).sub_(1.0)
    pad = image_size - images.shape[-1]
    if pad > 0:
        x = torch.nn.functional.pad(x, (pad // 2, pad - pad // 2, pad // 2, pad - pad // 2), value=-1.0)
    return x


def load_dataset(name: str, *, data_dir: str | None = None, train: bool = True, image_size: int | None = None,
                 download: bool = True, image_column: str | None = None, label_column: str | None = None) -> Dataset:
    """Load a dataset split into memory, looking offline first (see `candidate_dirs`); "hf:..." through `datasets`."""
    if is_hub_dataset(name):
        pictures, labels, names = load_hub_dataset(name, train=train, image_column=image_column,
                                                   label_column=label_column, max_classes=MAX_CLASSES)
        grayscale = all(p.mode in GRAY_MODES for p in pictures)
        images = np.stack([square_array(p, grayscale, image_size or DEFAULT_SIZE) for p in pictures])
        return Dataset(torch.from_numpy(images), labels, names)
    if name in ("fashion-mnist", "mnist"):
        return _load_idx(name, data_dir, train, download)
    if name == "cifar10":
        return _load_cifar10(data_dir, train, download)
    if name == "folder":
        if data_dir is None:
            raise DataNotFoundError("--dataset folder needs --data-dir pointing at a folder with one subfolder per class.")
        return load_image_folder(data_dir, image_size=image_size or DEFAULT_SIZE)
    raise ValueError(f"unknown dataset {name!r}")


def candidate_dirs(name: str, data_dir: str | None) -> list[Path]:
    """Folders searched for a dataset's files, in order."""
    if data_dir is not None:
        roots = [Path(data_dir)]
    else:
        roots = [Path("data"), SYSTEM_DATA_DIR]
    dirs = []
    for root in roots:
        dirs += [root / name, root / name.replace("-", "_"), root / _torchvision_name(name) / "raw", root]
    return dirs


def _torchvision_name(name: str) -> str:
    return {"fashion-mnist": "FashionMNIST", "mnist": "MNIST", "cifar10": "cifar-10-batches-py"}[name]


def _read_idx(path: Path) -> np.ndarray:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as f:
        data = f.read()
    ndim = data[3]
    shape = tuple(int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim))
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(shape)


def _find_idx(folder: Path, stem: str) -> Path | None:
    for candidate in (folder / stem, folder / f"{stem}.gz"):
        if candidate.is_file():
            return candidate
    return None


def _load_idx(name: str, data_dir: str | None, train: bool, download: bool) -> Dataset:
    prefix = "train" if train else "t10k"
    searched = candidate_dirs(name, data_dir)
    for folder in searched:
        images_path = _find_idx(folder, f"{prefix}-images-idx3-ubyte")
        labels_path = _find_idx(folder, f"{prefix}-labels-idx1-ubyte")
        if images_path and labels_path:
            images = torch.from_numpy(_read_idx(images_path).copy())[:, None]  # (N, 1, 28, 28)
            labels = torch.from_numpy(_read_idx(labels_path).astype(np.int64))
            return Dataset(images, labels, CLASS_NAMES[name])
    root = Path(data_dir or "data")
    if download and _try_download(name, root):
        return _load_idx(name, str(root), train, download=False)
    raise DataNotFoundError(_not_found_message(name, searched))


def _load_cifar10(data_dir: str | None, train: bool, download: bool) -> Dataset:
    searched = candidate_dirs("cifar10", data_dir)
    files = [f"data_batch_{i}" for i in range(1, 6)] if train else ["test_batch"]
    for folder in searched:
        for base in (folder, folder / "cifar-10-batches-py"):
            if all((base / f).is_file() for f in files):
                images, labels = [], []
                for f in files:
                    with open(base / f, "rb") as fh:
                        batch = pickle.load(fh, encoding="latin1")
                    images.append(np.asarray(batch["data"], dtype=np.uint8).reshape(-1, 3, 32, 32))
                    labels += batch["labels"]
                return Dataset(torch.from_numpy(np.concatenate(images)), torch.tensor(labels, dtype=torch.int64),
                               CLASS_NAMES["cifar10"])
    root = Path(data_dir or "data")
    if download and _try_download("cifar10", root):
        return _load_cifar10(str(root), train, download=False)
    raise DataNotFoundError(_not_found_message("cifar10", searched))


def _try_download(name: str, root: Path) -> bool:
    """Let torchvision fetch the dataset into root; False when the network does not allow it."""
    if os.environ.get("CGAN_NO_DOWNLOAD") or os.environ.get("HF_HUB_OFFLINE") == "1":
        return False
    import torchvision

    cls = {"fashion-mnist": torchvision.datasets.FashionMNIST, "mnist": torchvision.datasets.MNIST,
           "cifar10": torchvision.datasets.CIFAR10}[name]
    try:
        cls(str(root), train=True, download=True)
        cls(str(root), train=False, download=True)
        return True
    except Exception:  # any network or disk failure means: not available, say so below
        return False


def _not_found_message(name: str, searched: list[Path]) -> str:
    where = ", ".join(str(p) for p in searched)
    hint = ("On Debian or Ubuntu: `sudo apt-get install dataset-fashion-mnist` (files go to "
            "/usr/share/datasets/fashion-mnist). " if name == "fashion-mnist" else "")
    return (f"Could not find the {name} dataset. Looked in: {where}; a download through torchvision "
            f"failed or was not allowed. {hint}Or put the files in ./data/{name} (or any folder given "
            f"with --data-dir), or run once with network access so torchvision can download them.")


def eight_bit(image: Image.Image) -> Image.Image:
    """An image of more than 8 bits per grey level as 8-bit grey ("L"), scaled by its depth: 16-bit levels over
    257, 32-bit integers and floats over their own range (Pillow's convert would clip them at 255, all white)."""
    if image.mode not in DEEP_MODES:
        return image
    levels = np.asarray(image, dtype=np.float64)
    if image.mode.startswith("I;16"):
        levels = levels / 257.0
    elif levels.size and levels.min() >= 0 and levels.max() <= 255:
        pass  # 8-bit levels stored in a wider mode
    else:
        low, high = (float(levels.min()), float(levels.max())) if levels.size else (0.0, 0.0)
        levels = (levels - low) * (255.0 / (high - low)) if high > low else np.zeros_like(levels)
    return Image.fromarray(np.clip(levels, 0, 255).round().astype(np.uint8))


def square_array(image: Image.Image, grayscale: bool, size: int) -> np.ndarray:
    """One picture as uint8 (C, size, size): one channel or RGB, resized with Lanczos."""
    image = eight_bit(image).convert("L" if grayscale else "RGB").resize((size, size), Image.Resampling.LANCZOS)
    array = np.asarray(image, dtype=np.uint8)
    return array[None] if grayscale else array.transpose(2, 0, 1)


def load_image_folder(path: str, *, image_size: int) -> Dataset:
    """A labelled image folder: one subfolder per class, images resized to image_size squares."""
    root = Path(path)
    if not root.is_dir():
        raise DataNotFoundError(f"Image folder {root} does not exist.")
    classes = sorted(d.name for d in root.iterdir() if d.is_dir() and not d.name.startswith("."))
    if len(classes) < 2:
        raise ValueError(f"Image folder {root} has {len(classes)} class subfolder(s); a conditional GAN needs "
                         f"at least 2 (one subfolder per class, images inside).")
    files = [(p, label) for label, c in enumerate(classes) for p in sorted((root / c).rglob("*"))
             if p.suffix.lower() in IMAGE_SUFFIXES]
    empty = [c for i, c in enumerate(classes) if not any(label == i for _, label in files)]
    if empty:
        raise ValueError(f"Image folder {root}: class subfolder(s) without images: {', '.join(empty)}")
    # Two passes, one file open at a time: the first finds the colour mode (and any unreadable file),
    # the second decodes. Opening every image at once runs out of file handles on large folders.
    grayscale = True
    for p, _ in files:
        try:
            with Image.open(p) as im:
                grayscale = grayscale and im.mode in GRAY_MODES
        except (OSError, Image.DecompressionBombError) as e:
            raise ValueError(f"Image folder {root}: cannot read {p} ({type(e).__name__}: {e}); "
                             f"remove or fix that file") from None
    arrays = []
    for p, _ in files:
        try:
            with Image.open(p) as im:
                arrays.append(square_array(im, grayscale, image_size))
        except OSError as e:
            raise ValueError(f"Image folder {root}: cannot decode {p} ({e}); remove or fix that file") from None
    images = torch.from_numpy(np.stack(arrays))
    labels = torch.tensor([label for _, label in files], dtype=torch.int64)
    return Dataset(images, labels, classes)
