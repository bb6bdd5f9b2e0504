"""Image-classification datasets read with the `datasets` library: a Hub id, a saved dataset folder, or data files.

    --dataset hf:NAME[:CONFIG]      e.g. hf:fashion_mnist, hf:cifar10, hf:./my_dataset, hf:images.parquet

The image column is the first `Image` feature and the label column the first `ClassLabel` (or the columns
named with --image-column / --label-column); class names come from the ClassLabel. `datasets` is an optional
dependency, imported here only.
"""
from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import torch

PREFIX = "hf:"
MAX_ROW_PIXELS = 16_777_216  # one picture's width x height, read before it is decoded
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
    except Exception as e:  # the readers' own errors for an empty or malformed file (Arrow, pandas, datasets)
        first = str(e).strip().splitlines()[0][:200] if str(e).strip() else ""
        raise ValueError(f"--dataset {name}: cannot read it ({type(e).__name__}: {first})") from None


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


def dense_labels(values: list, feature: Any, column: str, name: str, *, max_classes: int
                 ) -> tuple[torch.Tensor, list[str]]:
    """Checked class indices and names, before anything is allocated for them: a ClassLabel's indices must be its
    own; plain integers are renumbered densely (sorted) when they leave gaps, and text labels become classes by
    name, each with a note; missing, fractional, boolean or other values are refused, naming the first row."""
    names = getattr(feature, "names", None)
    values = [int(v) if isinstance(v, float) and v.is_integer() else v for v in values]  # 3.0 is the class 3
    kinds = {type(v) for v in values}
    if kinds <= {str}:
        found = sorted(set(values))
        print(f"note: --dataset {name}: the text labels of {column!r} are the classes, sorted by name", flush=True)
    else:
        for index, value in enumerate(values):
            if isinstance(value, bool) or not isinstance(value, int):
                shown = repr(value)[:40]
                kind = "missing" if value is None else f"{type(value).__name__} {shown}"
                raise ValueError(f"--dataset {name}: row {index} of {column!r} has a {kind} label; labels must be "
                                 f"class indices (integers) or class names (text)")
            if value < 0 or (names is not None and value >= len(names)):
                raise ValueError(f"--dataset {name}: row {index} of {column!r} has the label {value}, outside "
                                 f"0..{len(names) - 1 if names is not None else 'K-1'}")
        found = sorted(set(values))
    if len(found) > max_classes:
        raise ValueError(f"--dataset {name}: {len(found):,} different labels in {column!r}; "
                         f"the most this project trains is {max_classes:,} classes")
    if names is not None:
        return torch.tensor(values, dtype=torch.int64), list(names)
    if kinds <= {int} and found == list(range(len(found))):
        return torch.tensor(values, dtype=torch.int64), [str(i) for i in found]
    if kinds <= {int}:
        print(f"note: --dataset {name}: the {len(found)} labels of {column!r} are numbered 0..{len(found) - 1} in "
              f"order (their values become the class names)", flush=True)
    index_of = {value: i for i, value in enumerate(found)}
    return torch.tensor([index_of[v] for v in values], dtype=torch.int64), [str(v) for v in found]


def decode_rows(split: Any, column: str, name: str) -> list[Any]:
    """The image column's pictures, decoded one row at a time, so that a damaged row or a path to something that is
    not an image is named by its index; each checked for its pixel count before it is decoded."""
    from PIL import Image

    datasets = _datasets()
    if not isinstance(split.features[column], datasets.Image):
        raise ValueError(f"--dataset {name}: column {column!r} does not hold images "
                         f"(it holds {type(split.features[column]).__name__} values)")
    try:
        raw = split.cast_column(column, datasets.Image(decode=False))[column]
    except (ValueError, TypeError) as e:
        raise ValueError(f"--dataset {name}: column {column!r} does not hold images ({e})") from None
    pictures = []
    for index, cell in enumerate(raw):
        source = None
        if isinstance(cell, dict):
            source = io.BytesIO(cell["bytes"]) if cell.get("bytes") else cell.get("path")
        try:
            if source is None:
                raise ValueError("no image in it")
            with Image.open(source) as picture:
                if picture.width * picture.height > MAX_ROW_PIXELS:
                    raise ValueError(f"{picture.width}x{picture.height} pixels, over {MAX_ROW_PIXELS:,}")
                picture.load()
                pictures.append(picture.copy())
        except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as e:
            raise ValueError(f"--dataset {name}: row {index} of {column!r} is not an image this project reads "
                             f"({type(e).__name__}: {str(e)[:120]})") from None
    return pictures


def load_hub_dataset(name: str, *, train: bool, image_column: str | None = None, label_column: str | None = None,
                     max_classes: int) -> tuple[list[Any], torch.Tensor, list[str]]:
    """The train (or test) split's PIL images, int64 labels and class names."""
    split_name = "train" if train else "test"
    split = open_split(name, split_name)
    image, label = find_columns(dict(split.features), name, image_column, label_column)
    if image == label:
        raise ValueError(f"--dataset {name}: {image!r} cannot be both the image and the label column")
    split = split.select_columns([image, label])
    if len(split) == 0:
        raise ValueError(f"--dataset {name}: the {split_name} split is empty")
    labels, names = dense_labels(list(split[label]), split.features[label], label, name, max_classes=max_classes)
    if len(names) < 2:
        raise ValueError(f"--dataset {name}: {len(names)} class(es) in {label!r}; a conditional GAN needs at least 2")
    return decode_rows(split, image, name), labels, names
