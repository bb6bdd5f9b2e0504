"""--dataset hf:...: image-classification datasets in the Hub's format, built on disk (nothing is downloaded)."""
import json
import sys

import gradio as gr
import numpy as np
import pytest
import torch

from cgan.data import load_dataset
from cgan.explorer.build import build_app
from cgan.explorer.loading import load_explorer
from cgan.export.model_card import card_text
from cgan.training.distributed import Distributed
from cgan.training.loop import Trainer
from conftest import tiny_config

datasets = pytest.importorskip("datasets", reason="the optional `datasets` package is not installed")
NAMES = ["red shoe", "green hat", "blue bag"]


def pictures(count: int, mode: str, seed: int):
    from PIL import Image

    rng = np.random.default_rng(seed)
    shape = (20, 24, 3) if mode == "RGB" else (20, 24)
    return [Image.fromarray(rng.integers(0, 256, shape, dtype=np.uint8), mode) for _ in range(count)]


def table(count: int, *, mode: str = "RGB", labels: bool = True, seed: int = 0):
    features = {"img": datasets.Image()}
    data = {"img": pictures(count, mode, seed)}
    if labels:
        features["kind"] = datasets.ClassLabel(names=NAMES)
        data["kind"] = [i % len(NAMES) for i in range(count)]
    return datasets.Dataset.from_dict(data, features=datasets.Features(features))


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    """datasets' own cache (what load_dataset builds from data files) in the test's folder, not ~/.cache."""
    monkeypatch.setattr(datasets.config, "HF_DATASETS_CACHE", tmp_path / "datasets-cache")


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """A DatasetDict saved with save_to_disk: colour train (48 rows) and test (12 rows) splits."""
    folder = tmp_path_factory.mktemp("hf") / "clothes"
    datasets.DatasetDict({"train": table(48), "test": table(12, seed=1)}).save_to_disk(str(folder))
    return folder


def test_a_saved_dataset_loads_with_its_class_names_resized(saved):
    data = load_dataset(f"hf:{saved}", image_size=16)
    assert data.class_names == NAMES and data.images.shape == (48, 3, 16, 16) and data.images.dtype == torch.uint8
    assert data.labels.tolist() == [i % 3 for i in range(48)]
    assert len(load_dataset(f"hf:{saved}", train=False, image_size=16)) == 12


def test_a_grayscale_parquet_file_gives_one_channel(tmp_path):
    path = tmp_path / "gray.parquet"
    table(30, mode="L").to_parquet(str(path))
    data = load_dataset(f"hf:{path}", image_size=12)
    assert data.images.shape == (30, 1, 12, 12) and data.class_names == NAMES


def test_an_image_folder_with_split_and_class_subfolders_loads(tmp_path):
    for split, count in (("train", 6), ("test", 2)):
        for label, name in enumerate(("boot", "hat")):
            (tmp_path / "images" / split / name).mkdir(parents=True)
            for i, picture in enumerate(pictures(count, "L", seed=label)):
                picture.save(tmp_path / "images" / split / name / f"{i}.png")
    data = load_dataset(f"hf:{tmp_path / 'images'}", image_size=8)
    assert data.class_names == ["boot", "hat"] and data.images.shape == (12, 1, 8, 8)
    assert sorted(data.labels.tolist()) == [0] * 6 + [1] * 6
    assert len(load_dataset(f"hf:{tmp_path / 'images'}", train=False, image_size=8)) == 4


def test_training_on_it_puts_the_class_names_in_the_export_card_and_app(saved, tmp_path):
    config = tiny_config(tmp_path / "run", dataset=f"hf:{saved}", image_size=16, max_steps=3, image_column="img",
                         label_column="kind")
    trainer = Trainer(config, torch.device("cpu"), Distributed())
    export = trainer.fit()
    config = json.loads((export / "config.json").read_text())
    assert config["class_names"] == NAMES and config["channels"] == 3 and config["training"]["dataset"] == f"hf:{saved}"
    explorer = load_explorer(str(export), torch.device("cpu"))
    app = build_app(explorer, "CPU")
    dropdowns = [c for c in app.blocks.values() if isinstance(c, gr.Dropdown)]
    assert any([value for _, value in d.choices] == NAMES for d in dropdowns)
    config["training"]["dataset"] = "hf:tester/clothes:small"
    (export / "config.json").write_text(json.dumps(config))
    assert "datasets:\n- tester/clothes\n" in card_text(export, "tester/model")


@pytest.mark.parametrize("make, kwargs, phrase", [
    (lambda: table(10, labels=False), {}, "no ClassLabel column"),
    (lambda: table(10), {"label_column": "label"}, "no column 'label'"),
    (lambda: table(10), {"image_column": "photo"}, "no column 'photo'"),
    (lambda: table(10), {"train": False}, "no 'test' split"),
    (lambda: table(10), {"image_column": "kind"}, "both the image and the label"),
    (lambda: table(10).add_column("note", ["x"] * 10), {"image_column": "note"}, "does not hold images"),
])
def test_bad_datasets_get_a_clear_error(tmp_path, make, kwargs, phrase):
    make().save_to_disk(str(tmp_path / "data"))
    with pytest.raises(ValueError, match=phrase):
        load_dataset(f"hf:{tmp_path / 'data'}", image_size=8, **kwargs)


def test_without_the_datasets_package_the_message_says_how_to_install(monkeypatch, saved):
    monkeypatch.setitem(sys.modules, "datasets", None)
    with pytest.raises(ImportError, match="pip install datasets"):
        load_dataset(f"hf:{saved}")


def test_train_py_answers_a_missing_dataset_with_one_line(tmp_path, capsys):
    import train

    with pytest.raises(SystemExit) as stop:
        train.main(["--dataset", f"hf:{tmp_path / 'nothing-here.parquet'}", "--out-dir", str(tmp_path / "run")])
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert "nothing-here.parquet" in err and "Traceback" not in err



def labelled(labels, *, images=None):
    """A table with an integer (or other) label column named `label`, no ClassLabel."""
    count = len(labels)
    data = {"img": images if images is not None else pictures(count, "L", 0), "label": labels}
    return datasets.Dataset.from_dict(data)


@pytest.mark.parametrize("labels, phrase", [
    ([0, 1, 2_000_000_000, 1], None),  # sparse: renumbered, three classes, nothing allocated for the gap
    ([0, 9999, 0, 9999], None),
    ([0.0, 1.5, 1.0, 0.0], "row 1 of 'label' has a float 1.5 label"),
    ([0, None, 1, 0], "row 1 of 'label' has a missing label"),
    ([0, -3, 1, 0], "row 1 of 'label' has the label -3"),
    (list(range(1_001)), "1,001 different labels"),
])
def test_labels_are_checked_before_anything_is_allocated(tmp_path, labels, phrase, capsys):
    images = pictures(len(labels), "L", 0) if len(labels) < 100 else [pictures(1, "L", 0)[0]] * len(labels)
    labelled(labels, images=images).to_parquet(str(tmp_path / "data.parquet"))
    if phrase is None:
        loaded = load_dataset(f"hf:{tmp_path / 'data.parquet'}", image_size=8, label_column="label")
        found = sorted({int(v) for v in labels})
        assert loaded.class_names == [str(v) for v in found]
        assert loaded.labels.tolist() == [found.index(int(v)) for v in labels]
        assert "numbered 0.." in capsys.readouterr().out
    else:
        with pytest.raises(ValueError, match=phrase):
            load_dataset(f"hf:{tmp_path / 'data.parquet'}", image_size=8, label_column="label")


def test_text_labels_become_classes_by_name(tmp_path):
    labelled(["hat", "shoe", "hat", "bag"]).to_parquet(str(tmp_path / "data.parquet"))
    loaded = load_dataset(f"hf:{tmp_path / 'data.parquet'}", image_size=8, label_column="label")
    assert loaded.class_names == ["bag", "hat", "shoe"] and loaded.labels.tolist() == [1, 2, 1, 0]


def test_a_16_bit_dataset_keeps_its_levels(tmp_path):
    from PIL import Image

    levels = [np.full((8, 8), v, dtype=np.uint16) for v in (0, 20_000, 40_000, 65_535)]
    deep = [Image.fromarray(a) for a in levels]
    assert deep[0].mode.startswith("I")
    labelled([0, 1, 0, 1], images=deep).to_parquet(str(tmp_path / "data.parquet"))
    loaded = load_dataset(f"hf:{tmp_path / 'data.parquet'}", image_size=8, label_column="label")
    assert loaded.images[:, 0, 0, 0].tolist() == [0, 78, 156, 255]


@pytest.mark.parametrize("row", ["damaged", "not an image"])
def test_a_bad_image_row_is_named_by_its_index(tmp_path, row):
    images = [{"bytes": None, "path": None}] * 0
    good = pictures(3, "L", 0)
    import io

    buffer = io.BytesIO()
    good[0].save(buffer, "PNG")
    bad = buffer.getvalue()[:60] if row == "damaged" else b"%PDF-1.4 not an image"
    table_ = datasets.Dataset.from_dict({"img": [{"bytes": buffer.getvalue(), "path": None},
                                                 {"bytes": bad, "path": None},
                                                 {"bytes": buffer.getvalue(), "path": None}], "label": [0, 1, 0]},
                                        features=datasets.Features({"img": datasets.Image(decode=False),
                                                                    "label": datasets.Value("int64")}))
    del images
    table_.to_parquet(str(tmp_path / "data.parquet"))
    with pytest.raises(ValueError, match="row 1 of 'img' is not an image"):
        load_dataset(f"hf:{tmp_path / 'data.parquet'}", image_size=8, label_column="label")


def test_an_empty_data_file_gets_a_clear_error(tmp_path):
    (tmp_path / "empty.parquet").write_bytes(b"")
    with pytest.raises(ValueError, match="empty.parquet"):
        load_dataset(f"hf:{tmp_path / 'empty.parquet'}", image_size=8)
