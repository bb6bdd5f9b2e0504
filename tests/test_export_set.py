"""An export folder is replaced as one set, and a model.onnx is only served beside the weights it came from."""
import json
import os
import shutil

import pytest
import torch

from cgan.export import load_export
from cgan.export.browser_model import ensure_onnx, onnx_digest, weights_digest
from cgan.export.replace_set import COMMIT, PENDING, finish, replacing
from conftest import make_trainer


class Killed(BaseException):
    """What a SIGKILL does to the writer: it stops between two system calls."""


@pytest.fixture()
def two_runs(tmp_path, small_fashion):
    """An export at step 2 in FOLDER, and a trainer at step 4 that will export into the same FOLDER."""
    folder = tmp_path / "export"
    first = make_trainer(tmp_path / "run", small_fashion, max_steps=2, export_dir=str(folder), no_onnx=False)
    first.fit()
    second = make_trainer(tmp_path / "run", small_fashion, max_steps=4, export_dir=str(folder), no_onnx=False,
                          resume=True)
    return folder, second


def snapshot(folder):
    return {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}


def test_an_export_killed_before_its_commit_leaves_the_old_set(two_runs, monkeypatch):
    folder, trainer = two_runs
    old = snapshot(folder)
    real_export = torch.onnx.export

    def dies_in_the_browser_model(*args, **kwargs):
        raise Killed()

    monkeypatch.setattr(torch.onnx, "export", dies_in_the_browser_model)
    with pytest.raises(Killed):
        trainer.fit()
    monkeypatch.setattr(torch.onnx, "export", real_export)
    assert snapshot(folder) == old
    generator = load_export(folder)
    assert onnx_digest(folder / "model.onnx") == weights_digest(generator)


@pytest.mark.parametrize("moves_before_the_kill", [0, 1, 2, 3])
def test_an_export_killed_while_moving_is_finished_by_the_next_reader(two_runs, monkeypatch, moves_before_the_kill):
    folder, trainer = two_runs
    old = snapshot(folder)
    real_replace, moves = os.replace, {"n": 0}

    def replace(src, dst):
        if PENDING in str(src) and COMMIT not in str(dst) and ".tmp" not in str(src):
            if moves["n"] == moves_before_the_kill:
                raise Killed()
            moves["n"] += 1
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(Killed):
        trainer.fit()
    monkeypatch.setattr(os, "replace", real_replace)
    assert (folder / PENDING / COMMIT).is_file()  # committed: the new set exists, half moved
    generator = load_export(folder)  # the reader finishes the moves
    assert not (folder / PENDING).exists()
    new = snapshot(folder)
    assert new["model.safetensors"] != old["model.safetensors"]
    assert json.loads(new["config.json"])["training"]["steps"] == 4
    assert onnx_digest(folder / "model.onnx") == weights_digest(generator)


def test_an_uncommitted_pending_folder_is_ignored_by_readers_and_cleared_by_the_next_export(tmp_path):
    folder = tmp_path / "export"
    with replacing(folder) as staging:
        (staging / "metrics.json").write_text("old")
    (folder / PENDING).mkdir()
    (folder / PENDING / "metrics.json").write_text("half-written")
    finish(folder)  # what a reader does: nothing to finish
    assert (folder / "metrics.json").read_text() == "old" and (folder / PENDING).exists()
    with replacing(folder) as staging:
        (staging / "metrics.json").write_text("new")
    assert (folder / "metrics.json").read_text() == "new" and not (folder / PENDING).exists()


def test_a_new_set_without_a_browser_model_removes_the_old_one(tmp_path):
    folder = tmp_path / "export"
    with replacing(folder) as staging:
        for name in ("model.onnx", "metrics.json", "model.safetensors"):
            (staging / name).write_text("old")
    with replacing(folder) as staging:
        (staging / "model.safetensors").write_text("new")
    assert sorted(p.name for p in folder.iterdir()) == ["model.safetensors"]


def test_a_stale_model_onnx_is_replaced_by_a_fresh_export_in_the_cache(tiny_export, tmp_path, monkeypatch):
    monkeypatch.setenv("CGAN_CACHE", str(tmp_path / "cache"))
    folder = tmp_path / "copy"
    shutil.copytree(tiny_export, folder)
    generator = load_export(folder)
    assert ensure_onnx(generator, folder) == (folder / "model.onnx", "")  # it belongs to these weights
    with torch.no_grad():
        next(generator.parameters()).add_(0.01)  # other weights beside the same model.onnx
    path, why = ensure_onnx(generator, folder)
    assert path is not None and path != folder / "model.onnx" and str(tmp_path / "cache") in str(path) and why == ""
    assert onnx_digest(path) == weights_digest(generator)


def test_a_model_onnx_without_a_digest_is_not_trusted(tiny_export, tmp_path, monkeypatch):
    monkeypatch.setenv("CGAN_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr("cgan.export.browser_model.export_onnx", lambda *a: (_ for _ in ()).throw(ImportError("no onnx")))
    folder = tmp_path / "copy"
    shutil.copytree(tiny_export, folder)
    data = (folder / "model.onnx").read_bytes()
    (folder / "model.onnx").write_bytes(data.replace(b"cgan_weights_sha256", b"other_weights_sha256"))
    path, why = ensure_onnx(load_export(folder), folder)
    assert path is None and "exported from other weights" in why and "onnx and onnxscript" in why


@pytest.mark.parametrize("plan", [
    {"files": ["../victim.txt"], "remove": []},
    {"files": [], "remove": ["../victim.txt"]},
    {"files": [], "remove": ["ABSOLUTE"]},
    {"files": ["config.json", "model.safetensors"], "remove": ["../outside"]},
    ["model.safetensors"],
    "not json at all",
    {"files": "model.safetensors", "remove": []},
])
def test_a_commit_that_names_anything_but_the_sets_own_files_touches_nothing(tiny_export, tmp_path, capsys, plan):
    folder = tmp_path / "weights"
    shutil.copytree(tiny_export, folder)
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    outside = tmp_path / "outside"
    outside.write_text("keep me too")
    (folder / PENDING).mkdir(exist_ok=True)
    (folder / PENDING / "victim.txt").write_text("moved in")
    text = json.dumps(plan).replace("ABSOLUTE", str(victim)) if not isinstance(plan, str) else plan
    (folder / PENDING / COMMIT).write_text(text)
    before = snapshot(folder)
    generator = load_export(folder)  # loads as it is, with a warning, no traceback
    assert generator.config.num_classes == 10
    assert victim.read_text() == "keep me" and outside.read_text() == "keep me too"
    assert snapshot(folder) == before
    assert "ignored" in capsys.readouterr().err


def test_a_pending_folder_that_is_a_link_is_never_followed(tiny_export, tmp_path):
    folder = tmp_path / "weights"
    shutil.copytree(tiny_export, folder)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "model.safetensors").write_text("not weights")
    (elsewhere / COMMIT).write_text(json.dumps({"files": ["model.safetensors"], "remove": []}))
    (folder / PENDING).symlink_to(elsewhere)
    load_export(folder)
    assert (elsewhere / "model.safetensors").read_text() == "not weights"


def test_a_huge_sparse_model_onnx_is_not_read(tiny_export, tmp_path, monkeypatch):
    from cgan.export import browser_model

    folder = tmp_path / "weights"
    shutil.copytree(tiny_export, folder)
    with open(folder / "model.onnx", "r+b") as f:
        f.truncate(3 * 10**9)  # sparse: 3 GB on paper, nothing on disk
    monkeypatch.setenv("CGAN_CACHE", str(tmp_path / "cache"))
    read = []
    real = browser_model.Path.read_bytes
    monkeypatch.setattr(browser_model.Path, "read_bytes", lambda self: read.append(self) or real(self))
    path, _ = ensure_onnx(load_export(folder), folder)
    assert folder / "model.onnx" not in read and path != folder / "model.onnx"
