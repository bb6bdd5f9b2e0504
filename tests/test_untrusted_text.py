"""Strings from weights, datasets or users are shown as text, never as markup: the page header, the Project
tab's summary and the model card (whose metadata is written as YAML by a YAML library)."""
import json
import shutil

import gradio as gr
import torch
import yaml

from cgan.explorer.build import build_app
from cgan.explorer.loading import load_explorer
from cgan.export.model_card import card_text
from cgan.text import html_text, markdown_text

HOSTILE = ["<img src=x onerror=alert(1)>", "<iframe src=//evil></iframe>", "\u202etxt.exe", "[click](http://evil)",
           "![pixel](http://evil/p.png)", "**bold**", "a\nb"]


def hostile_export(tiny_export, tmp_path, dataset):
    folder = tmp_path / "weights"
    shutil.copytree(tiny_export, folder)
    config = json.loads((folder / "config.json").read_text())
    config["class_names"] = HOSTILE + [f"class {i}" for i in range(len(HOSTILE), config["num_classes"])]
    config["training"]["dataset"] = dataset
    (folder / "config.json").write_text(json.dumps(config))
    return folder


def test_text_helpers_leave_no_markup_and_no_invisible_reordering():
    for text in HOSTILE:
        for shown in (html_text(text), markdown_text(text)):
            assert "<" not in shown and "\u202e" not in shown and "\n" not in shown
        assert "](" not in markdown_text(text).replace("\\](", "")
    assert len(markdown_text("x" * 10_000, 50)) <= 50


def test_the_card_escapes_class_names_and_writes_its_metadata_as_yaml(tiny_export, tmp_path):
    folder = hostile_export(tiny_export, tmp_path, "hf:evil/data\nlicense: stolen")
    card = card_text(folder, "tester/model")
    front = yaml.safe_load(card.split("---")[1])
    assert front["license"] == "mit" and front["datasets"] == ["evil/data license"]  # one line; ":" starts the config
    assert "<img" not in card and "<iframe" not in card and "\u202e" not in card


def test_the_page_header_shows_a_dataset_name_as_text(tiny_export, tmp_path):
    folder = hostile_export(tiny_export, tmp_path, "<iframe src=//evil></iframe> **x**")
    demo = build_app(load_explorer(str(folder), torch.device("cpu")), "CPU")
    texts = [block.value for block in demo.blocks.values() if isinstance(block, gr.Markdown)]
    header = next(text for text in texts if text.startswith("# cgan explorer"))
    assert "<iframe" not in header and "&lt;iframe" in header and "\\*\\*x\\*\\*" in header
