"""train.py and cgan.sample from the command line: clear errors, kills and resumes, torchrun, outputs."""
import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from conftest import ROOT, TINY


def run(*args, timeout=300, **kwargs):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "CGAN_NO_DOWNLOAD": "1"}
    return subprocess.run([sys.executable, *args], cwd=kwargs.pop("cwd", ROOT), capture_output=True, text=True,
                          timeout=timeout, env=env, **kwargs)


def assert_clean_error(result, *phrases):
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    for phrase in phrases:
        assert phrase in result.stderr, result.stderr


def test_help_explains_every_flag():
    result = run("train.py", "--help")
    assert result.returncode == 0
    for flag in ("--dataset", "--data-dir", "--arch", "--epochs", "--max-steps", "--batch-size", "--lr", "--seed",
                 "--device", "--out-dir", "--export-dir", "--resume", "--push-to-hub"):
        assert flag in result.stdout


@pytest.mark.parametrize("args, phrase", [
    (["--batch-size", "0"], "--batch-size must be positive"),
    (["--arch", "huge"], "unknown preset 'huge'"),
    (["--no-such-flag"], "unrecognized arguments"),
    (["--device", "tpu"], "unknown device"),
    (["--batch-size", "many"], "invalid int value"),
])
def test_bad_values_are_clear_errors_before_any_work(tmp_path, args, phrase):
    result = run("train.py", "--out-dir", str(tmp_path / "run"), *args)
    assert_clean_error(result, phrase)
    assert not (tmp_path / "run").exists()


def test_image_folder_with_one_class_is_a_clear_error(tmp_path):
    from PIL import Image

    (tmp_path / "imgs" / "only").mkdir(parents=True)
    Image.new("L", (8, 8)).save(tmp_path / "imgs" / "only" / "a.png")
    result = run("train.py", "--dataset", "folder", "--data-dir", str(tmp_path / "imgs"), "--out-dir",
                 str(tmp_path / "run"))
    assert_clean_error(result, "at least 2")


def test_missing_dataset_says_where_it_looked(tmp_path):
    result = run("train.py", "--dataset", "mnist", "--data-dir", str(tmp_path / "nothing"), "--out-dir",
                 str(tmp_path / "run"))
    assert_clean_error(result, "Could not find the mnist dataset", str(tmp_path / "nothing"))


def test_image_folder_trains(tmp_path):
    from PIL import Image

    rng = np.random.default_rng(0)
    for name in ("cats", "dogs"):
        (tmp_path / "imgs" / name).mkdir(parents=True)
        for i in range(20):
            Image.fromarray(rng.integers(0, 255, (40, 30, 3), dtype=np.uint8)).save(tmp_path / "imgs" / name / f"{i}.png")
    result = run("train.py", "--dataset", "folder", "--data-dir", str(tmp_path / "imgs"), "--image-size", "16",
                 "--out-dir", str(tmp_path / "run"), "--max-steps", "2", *TINY)
    assert result.returncode == 0, result.stderr
    config = json.loads((tmp_path / "run" / "export" / "config.json").read_text())
    assert config["class_names"] == ["cats", "dogs"] and config["channels"] == 3 and config["image_size"] == 16


@pytest.mark.slow
def test_sigkill_at_any_moment_leaves_a_checkpoint_that_resumes(tmp_path):
    out = tmp_path / "run"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "train.py", "--out-dir", str(out), "--max-steps", "100000",
                             "--checkpoint-every", "2", *TINY], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    while time.time() < deadline and len(list((out / "checkpoints").glob("step-*.pt"))) < 2:
        time.sleep(0.2)
    time.sleep(0.37)  # somewhere in the middle of the next steps or checkpoint writes
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    from cgan.checkpoints import list_checkpoints

    newest = int(list_checkpoints(out)[-1].stem.split("-")[1])
    assert newest >= 2
    # flags not given again come from the run's config.json
    result = run("train.py", "--out-dir", str(out), "--resume", "--max-steps", str(newest + 3))
    assert result.returncode == 0, result.stderr
    steps = [json.loads(line)["step"] for line in (out / "log.jsonl").read_text().splitlines()]
    assert steps == list(range(1, newest + 4))  # lines logged after the checkpoint were dropped, none repeat
    assert json.loads((out / "export" / "config.json").read_text())["training"]["steps"] == newest + 3


@pytest.mark.slow
def test_torchrun_with_two_processes_trains_and_only_rank_0_writes(tmp_path):
    out = tmp_path / "run"
    from app_server import free_port

    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}
    result = subprocess.run([sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2",
                             "--master_port", str(free_port()), "train.py", "--out-dir", str(out), "--max-steps", "4", *TINY],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    config = json.loads((out / "config.json").read_text())
    assert config["world_size"] == 2 and config["effective_batch_size"] == 32
    steps = [json.loads(line)["step"] for line in (out / "log.jsonl").read_text().splitlines()]
    assert steps == [1, 2, 3, 4]  # one writer: no duplicated lines
    assert (out / "export" / "model.safetensors").is_file()
    assert result.stdout.count("exported the EMA generator") == 1


def test_sample_writes_the_documented_arrays(tiny_export, tmp_path):
    result = run("-m", "cgan.sample", "--weights", str(tiny_export), "--per-class", "3", "--out",
                 str(tmp_path / "s.npz"), "--seed", "7")
    assert result.returncode == 0, result.stderr
    data = np.load(tmp_path / "s.npz")
    assert data["images"].dtype == np.uint8 and data["images"].shape == (30, 28, 28)
    assert data["labels"].dtype == np.int64 and data["labels"].tolist() == [c for c in range(10) for _ in range(3)]
    again = run("-m", "cgan.sample", "--weights", str(tiny_export), "--per-class", "3", "--out",
                str(tmp_path / "pngs"), "--seed", "7")
    assert again.returncode == 0, again.stderr
    pngs = sorted(p.name for p in (tmp_path / "pngs").glob("*.png"))
    assert len(pngs) == 30 and "T-shirt_top_000007.png" in pngs


def test_sample_with_missing_weights_is_a_clear_error(tmp_path):
    result = run("-m", "cgan.sample", "--weights", str(tmp_path / "none"), "--out", str(tmp_path / "x.npz"))
    assert_clean_error(result, "no such folder")
