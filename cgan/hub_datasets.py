"""Image-classification datasets read with the `datasets` library: a Hub id, a saved dataset folder, or data files.

    --dataset hf:NAME[:CONFIG]      e.g. hf:fashion_mnist, hf:cifar10, hf:./my_dataset, hf:images.parquet

The image column is the first `Image` feature and the label column the first `ClassLabel` (or the columns
named with --image-column / --label-column); class names come from the ClassLabel. `datasets` is an optional
dependency, imported here only.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import torch

PREFIX = "hf:"
FILE_BUILDERS = {".parquet": "parquet", ".csv": "csv", ".json": "json", ".jsonl": "json", ".arrow": "arrow"}


def is_hub_dataset(name: str) -> bool:
    return name.startswith(PREFIX)


def parse_spec(name: str) -> tuple[str, str | None]:
    """'hf:NAME[:CONFIG]' -> (NAME, CONFIG or None)."""
    path, _, config = name.removeprefix(PREFIX).partition(":")
    if not path:
        raise ValueError(f"--dataset {name!r}: give a dataset after 'hf:', e.g. hf:fashion_mnist or hf:./folder")
    return path, config or None


def _datasets():
    try:
        import datasets
    except ImportError:
        raise ImportError("--dataset hf:... needs the `datasets` package: pip install datasets "
                          "(or pip install '.[hub-data]')") from None
    return datasets


def open_split(name: str, split: str) -> Any:
    """The split of a Hub dataset, a dataset saved with save_to_disk, a data folder or a data file."""
    datasets = _datasets()
    path, config = parse_spec(name)
    local = Path(path)
    try:
        if (local / "dataset_dict.json").is_file() or (local / "state.json").is_file():
            loaded = datasets.load_from_disk(str(local))
            if isinstance(loaded, datasets.DatasetDict):
                if split not in loaded:
                    raise ValueError(f'Unknown split "{split}". Should be one of {sorted(loaded)}.')
                return loaded[split]
            return loaded if split == "train" else _no_split(name, split, ["train"])
        if local.is_file():
            builder = FILE_BUILDERS.get(local.suffix.lower())
            if builder is None:
                raise ValueError(f"cannot read {local.suffix} files; use {', '.join(FILE_BUILDERS)}")
            return datasets.load_dataset(builder, data_files={"train": str(local)}, split=split)
        return datasets.load_dataset(path, config, split=split)
    except ValueError as e:
        if "Unknown split" in str(e):
            raise ValueError(f"--dataset {name}: no {split!r} split ({e})") from None
        raise ValueError(f"--dataset {name}: {e}") from None
    except (FileNotFoundError, ConnectionError, OSError) as e:
        raise ValueError(f"--dataset {name}: cannot load it ({type(e).__name__}: {e})") from None


def _no_split(name: str, split: str, splits: list[str]):
    raise ValueError(f"--dataset {name}: no {split!r} split (it has {', '.join(splits)})")


def find_columns(features: dict, name: str, image_column: str | None, label_column: str | None) -> tuple[str, str]:
    """The image and label columns: the ones named, else the first Image and the first ClassLabel feature."""
    datasets = _datasets()
    for given, kind in ((image_column, "image"), (label_column, "label")):
        if given is not None and given not in features:
            raise ValueError(f"--dataset {name}: no column {given!r} for the {kind}s (columns: {', '.join(features)})")
    image = image_column or next((c for c, f in features.items() if isinstance(f, datasets.Image)), None)
    label = label_column or next((c for c, f in features.items() if isinstance(f, datasets.ClassLabel)), None)
    if image is None:
        raise ValueError(f"--dataset {name}: no image column (columns: {', '.join(features)}); name one with --image-column")
    if label is None:
        raise ValueError(f"--dataset {name}: no ClassLabel column, so no labels to condition on "
                         f"(columns: {', '.join(features)}); name one with --label-column")
    return image, label


def class_names_of(feature: Any, labels: torch.Tensor, column: str) -> list[str]:
    """A ClassLabel's names; for a plain integer column, the numbers that occur."""
    names = getattr(feature, "names", None)
    if names is not None:
        return list(names)
    if labels.dtype.is_floating_point or (len(labels) and labels.min() < 0):
        raise ValueError(f"label column {column!r} holds {labels.dtype} values; it needs class indices 0..K-1")
    return [str(i) for i in range(int(labels.max()) + 1 if len(labels) else 0)]


def load_hub_dataset(name: str, *, train: bool, image_column: str | None = None,
                     label_column: str | None = None) -> tuple[list[Any], torch.Tensor, list[str]]:
    """The train (or test) split's PIL images, int64 labels and class names."""
    split_name = "train" if train else "test"
    split = open_split(name, split_name)
    image, label = find_columns(dict(split.features), name, image_column, label_column)
    if image == label:
        raise ValueError(f"--dataset {name}: {image!r} cannot be both the image and the label column")
    split = split.select_columns([image, label])
    if len(split) == 0:
        raise ValueError(f"--dataset {name}: the {split_name} split is empty")
    labels = torch.tensor(list(split[label]), dtype=torch.int64)
    names = class_names_of(split.features[label], labels, label)
    if len(names) < 2:
        raise ValueError(f"--dataset {name}: {len(names)} class(es) in {label!r}; a conditional GAN needs at least 2")
    pictures = list(split[image])
    if not all(hasattr(p, "convert") for p in pictures):
        raise ValueError(f"--dataset {name}: column {image!r} does not hold images")
    return pictures, labels, names
