"""--dataset hf:...: image-classification datasets in the Hub's format, built on disk (nothing is downloaded)."""
import json
import sys

import gradio as gr
import numpy as np
import pytest
import torch

from cgan.data import load_dataset
from cgan.explorer.build import build_app
from cgan.explorer.server import load_explorer
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

