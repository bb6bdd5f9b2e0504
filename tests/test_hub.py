"""Publishing to and loading from the Hub, against the local stand-in on 127.0.0.1."""
import json
import os
import shutil
import subprocess
import sys

import pytest
import torch
from safetensors.torch import load_file

from cgan.export import WeightsError, load_export, load_generator
from cgan.export.hub import push_export, push_or_explain
from cgan.sampling import generate
from cgan.training.checkpoints import networks_to_start_from
from conftest import HUB_TOKEN as TOKEN
from conftest import ROOT




def test_push_then_load_gives_identical_outputs(hub, export, monkeypatch):
    monkeypatch.setenv("HF_TOKEN", TOKEN)
    push_export(export, "tester/fashion-cgan")
    loaded = load_generator("tester/fashion-cgan")  # downloaded into the fresh cache
    local = load_export(export)
    seeds, labels = list(range(16)), [i % 10 for i in range(16)]
    assert torch.equal(generate(loaded, labels, seeds), generate(local, labels, seeds))
    files = hub.state.repos["tester/fashion-cgan"]
    pushed = files.commits[files.branches["main"]]
    assert {"config.json", "model.safetensors", "discriminator.safetensors", "samples.png", "README.md"} <= set(pushed)
    _, d_state, _ = networks_to_start_from("tester/fashion-cgan", local.config, torch.device("cpu"))  # --init-from
    assert all(torch.equal(d_state[k], v) for k, v in load_file(export / "discriminator.safetensors").items())


def test_model_card_metadata_parses_and_prose_has_classes_and_config(hub, export, monkeypatch):
    from huggingface_hub import ModelCard

    monkeypatch.setenv("HF_TOKEN", TOKEN)
    push_export(export, "tester/card")
    repo = hub.state.repos["tester/card"]
    text = repo.commits[repo.branches["main"]]["README.md"].decode()
    card = ModelCard(text)
    data = card.data.to_dict()
    assert data["library_name"] == "pytorch" and data["license"] == "mit"
    assert {"gan", "conditional-image-generation", "pytorch"} <= set(data["tags"])
    assert data["datasets"] == ["fashion_mnist"]
    for name in ("T-shirt/top", "Ankle boot", '"z_dim": 16', "samples.png", 'load_generator("tester/card")'):
        assert name in card.text


def test_model_card_names_each_design_choice_that_differs_from_the_plain_design(export):
    from cgan.export.folder import read_config
    from cgan.export.model_card import card_text

    default = card_text(export, "tester/default")
    assert read_config(export / "config.json")[0].d_norm == "spectral" and "spectral norm" not in default
    assert "a weight per position" in default and "R1 + R2 penalties (γ = 0.1, every 8 steps)" in default
    assert "without pushing the generator towards them" in default and "AC-GAN loss" not in default
    config = json.loads((export / "config.json").read_text())
    config.update(d_norm="none", d_head="pooled")
    config["training"]["optimizer"].update(loss="hinge", gamma=0.0, aux_g_weight=1.0)
    (export / "config.json").write_text(json.dumps(config))
    varied = card_text(export, "tester/varied")
    assert "without spectral norm" in varied and "a weight per position" not in varied
    assert "AC-GAN loss" in varied and "penalties" not in varied


def test_the_token_is_in_no_pushed_file_and_no_log(hub, export, monkeypatch, capsys):
    monkeypatch.setenv("HF_TOKEN", TOKEN)
    assert push_or_explain(export, "tester/secret") == 0
    repo = hub.state.repos["tester/secret"]
    for content in repo.commits[repo.branches["main"]].values():
        assert TOKEN.encode() not in content
    for path in export.rglob("*"):
        if path.is_file():
            assert TOKEN.encode() not in path.read_bytes()
    out = capsys.readouterr()
    assert TOKEN not in out.out and TOKEN not in out.err
    # and it was sent, as the Authorization header only
    sent = [{k.lower(): v for k, v in headers.items()} for _, _, headers, _ in hub.state.requests]
    assert any(h.get("authorization") == f"Bearer {TOKEN}" for h in sent)


def test_push_without_a_token_fails_cleanly(hub, export, monkeypatch, capsys):
    monkeypatch.delenv("HF_TOKEN", raising=False)
    assert push_or_explain(export, "tester/anon") == 1
    err = capsys.readouterr().err
    assert "401" in err and "python -m cgan.push" in err
    assert "tester/anon" not in hub.state.repos


@pytest.mark.parametrize("status", [500, 403])
def test_a_failing_hub_keeps_the_export_and_says_how_to_retry(hub, export, monkeypatch, capsys, status):
    monkeypatch.setenv("HF_TOKEN", TOKEN)
    monkeypatch.setenv("HF_HUB_ETAG_TIMEOUT", "2")
    hub.state.fail_with = status
    before = {p.name: p.read_bytes() for p in export.iterdir() if p.name != "README.md"}
    assert push_or_explain(export, "tester/down") == 1
    err = capsys.readouterr().err
    assert str(status) in err and f"python -m cgan.push {export} tester/down" in err
    assert len(err.strip().splitlines()) <= 2
    assert {p.name: p.read_bytes() for p in export.iterdir() if p.name != "README.md"} == before


def test_a_hub_that_is_not_listening_fails_cleanly(tiny_export, tmp_path):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing listens there
    folder = tmp_path / "export"
    shutil.copytree(tiny_export, folder)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HF_ENDPOINT": f"http://127.0.0.1:{port}", "HF_TOKEN": TOKEN,
           "HF_HOME": str(tmp_path / "hf")}
    result = subprocess.run([sys.executable, "-m", "cgan.push", str(folder), "tester/offline"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr and "python -m cgan.push" in result.stderr
    assert TOKEN not in result.stderr + result.stdout
    assert (folder / "model.safetensors").is_file()


def test_train_pushes_at_the_end(hub, tmp_path, small_fashion, monkeypatch):
    from conftest import make_trainer

    monkeypatch.setenv("HF_TOKEN", TOKEN)
    trainer = make_trainer(tmp_path / "run", small_fashion, max_steps=2, push_to_hub="tester/trained")
    export = trainer.fit()
    assert push_or_explain(export, "tester/trained", revision="v1") == 0
    loaded = load_generator("tester/trained", revision="v1")
    assert loaded.config.class_names[0] == "T-shirt/top"


def test_push_module_publishes_an_existing_export(hub, export, tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HF_ENDPOINT": hub.url, "HF_TOKEN": TOKEN,
           "HF_HOME": str(tmp_path / "hf")}
    result = subprocess.run([sys.executable, "-m", "cgan.push", str(export), "tester/cli"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "tester/cli" in hub.state.repos


def _repo_with(hub, repo_id, files):
    """Put a repo with exactly these files on the stand-in (one commit)."""
    repo = hub.state.new_repo(repo_id)
    sha = f"{abs(hash(repo_id)):040d}"[:40]
    repo.commits[sha] = files
    repo.branches["main"] = sha


@pytest.mark.parametrize("files, phrase", [
    ({"model.safetensors": b"x"}, "no config.json"),
    ({"config.json": b"{not json", "model.safetensors": b"x"}, "config.json is not valid JSON"),
    ({"config.json": json.dumps({"arch": "fast", "wings": 2}).encode(), "model.safetensors": b"x"}, "wings"),
])
def test_loading_errors_name_the_repo_and_file(hub, tiny_export, files, phrase):
    _repo_with(hub, "tester/broken", files)
    with pytest.raises(WeightsError, match="tester/broken") as error:
        load_generator("tester/broken")
    assert phrase in str(error.value)


def test_a_missing_weights_file_and_a_missing_repo_are_named(hub, tiny_export):
    _repo_with(hub, "tester/noweights", {"config.json": (tiny_export / "config.json").read_bytes()})
    with pytest.raises(WeightsError, match="tester/noweights: no model.safetensors"):
        load_generator("tester/noweights")
    with pytest.raises(WeightsError, match="tester/missing: no such model repo"):
        load_generator("tester/missing")


@pytest.mark.parametrize("extra, phrase", [
    (["--space", "../x"], "--space '../x' is not a Hub id"),
    (["--space", "./x"], "is not a Hub id"),
    (["--space", "a/.."], "is not a Hub id"),
    (["--space", "me/my space"], "is not a Hub id"),
    (["--space", "me/x#y"], "is not a Hub id"),
    (["--revision", "../x"], "--revision '../x' is not a branch name"),
    (["--revision", "a b"], "is not a branch name"),
])
def test_every_id_and_revision_is_checked_before_anything_is_pushed(hub, export, tmp_path, extra, phrase):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HF_ENDPOINT": hub.url, "HF_TOKEN": TOKEN,
           "HF_HOME": str(tmp_path / "hf")}
    result = subprocess.run([sys.executable, "-m", "cgan.push", str(export), "tester/checked", *extra], cwd=ROOT,
                            env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 2 and phrase in result.stderr and "Traceback" not in result.stderr
    assert "retry" not in result.stderr
    assert "tester/checked" not in hub.state.repos  # the model was not pushed first


def test_a_bad_repo_id_and_a_missing_export_are_refused_without_a_retry_advice(hub, tmp_path, capsys):
    from cgan import push

    for argv, phrase in ((["weights", "../evil"], "is not a Hub id"),
                         ([str(tmp_path / "nowhere"), "tester/x"], "is not an export folder")):
        with pytest.raises(SystemExit) as stop:
            push.main(argv)
        err = capsys.readouterr().err
        assert stop.value.code == 2 and phrase in err and "retry" not in err and "complete" not in err
