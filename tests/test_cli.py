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
    (["--lr", "inf"], "--lr must be a finite number"),
    (["--max-minutes", "nan"], "--max-minutes must be a finite number"),
    (["--compile", "maybe"], "unknown compile"),
    (["--lr-decay-start", "1"], "--lr-decay-start must be in [0, 1)"),
    (["--batch-size", "many"], "invalid int value"),
    (["--gamma", "-0.1"], "--gamma must be 0 or more"),
    (["--penalty-every", "0"], "--penalty-every must be positive"),
    (["--d-warmup-images", "-16"], "--d-warmup-images must be 0 or more"),
    (["--encoder-minutes", "-1"], "--encoder-minutes must be from 0 to a day"),
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
    from cgan.training.checkpoints import list_checkpoints

    newest = int(list_checkpoints(out)[-1].stem.split("-")[1])
    assert newest >= 2
    # flags not given again come from the run's config.json
    result = run("train.py", "--out-dir", str(out), "--resume", "--max-steps", str(newest + 3))
    assert result.returncode == 0, result.stderr
    steps = [json.loads(line)["step"] for line in (out / "log.jsonl").read_text().splitlines()]
    assert steps == list(range(1, newest + 4))  # lines logged after the checkpoint were dropped, none repeat
    assert json.loads((out / "export" / "config.json").read_text())["training"]["steps"] == newest + 3


@pytest.mark.slow
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_ctrl_c_or_sigterm_keeps_every_finished_step(tmp_path, signum):
    out = tmp_path / "run"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "train.py", "--out-dir", str(out), "--max-steps", "100000",
                             "--checkpoint-every", "100000", *TINY], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    log = out / "log.jsonl"
    deadline = time.time() + 120
    while time.time() < deadline and (not log.is_file() or len(log.read_text().splitlines()) < 5):
        time.sleep(0.1)
    proc.send_signal(signum)
    stdout, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 130, stderr
    from cgan.training.checkpoints import list_checkpoints

    saved = [int(p.stem.split("-")[1]) for p in list_checkpoints(out)]
    steps = [json.loads(line)["step"] for line in log.read_text().splitlines()]
    assert len(saved) == 1 and saved[0] >= 5  # no periodic checkpoint was due: this one was written on the signal
    assert steps == list(range(1, saved[0] + 1))  # every logged step is in it
    assert f"stopped after step {saved[0]}" in stdout and "--resume" in stderr
    result = run("train.py", "--out-dir", str(out), "--resume", "--max-steps", str(saved[0] + 2))
    assert result.returncode == 0, result.stderr
    assert json.loads((out / "export" / "config.json").read_text())["training"]["steps"] == saved[0] + 2


@pytest.mark.slow
def test_torchrun_with_two_processes_trains_and_only_rank_0_writes(tmp_path):
    # The default preset's gradient penalties (every 2nd step here) run outside DDP, their gradients averaged.
    out = tmp_path / "run"
    from bench.local_server import free_port

    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}
    result = subprocess.run([sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2",
                             "--master_port", str(free_port()), "train.py", "--out-dir", str(out), "--max-steps", "4", "--penalty-every", "2", *TINY],
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


def test_a_run_killed_before_its_first_checkpoint_resumes_from_step_zero(tmp_path):
    out = tmp_path / "run"
    out.mkdir()
    (out / "config.json").write_text(json.dumps({"train": {"max_steps": 2}}))  # what a start writes first
    (out / "log.jsonl").write_text("")
    result = run("train.py", *TINY, "--out-dir", str(out), "--resume", "--bn-recalibration-batches", "1")
    assert result.returncode == 0, result.stderr[-2000:]
    assert "starting it again from step 0" in result.stdout
    steps = [json.loads(line)["step"] for line in (out / "log.jsonl").read_text().splitlines()]
    assert steps == [1, 2]  # the saved --max-steps 2 was used


def test_a_corrupt_image_in_a_folder_dataset_is_named(tmp_path):
    from PIL import Image

    data = tmp_path / "data"
    for cls in ("a", "b"):
        (data / cls).mkdir(parents=True)
        for i in range(3):
            Image.new("L", (8, 8), 40 * i).save(data / cls / f"{i}.png")
    (data / "b" / "broken.png").write_bytes(b"not a png at all")
    result = run("train.py", "--dataset", "folder", "--data-dir", str(data), "--out-dir", str(tmp_path / "run"),
                 "--max-steps", "1")
    assert_clean_error(result, "broken.png")


@pytest.mark.parametrize("args, phrase", [
    (["--seed", "-1"], "--seed must be a whole number from 0 to 4294967295"),
    (["--seed", "4294967296"], "--seed must be a whole number from 0 to 4294967295"),
    (["--seed", str(2**64)], "--seed must be a whole number"),
    (["--truncation", "2.5"], "--truncation must be from 0 to 2"),
])
def test_sample_rejects_what_the_app_rejects(tiny_export, tmp_path, args, phrase):
    result = run("-m", "cgan.sample", "--weights", str(tiny_export), "--out", str(tmp_path / "s.npz"), *args)
    assert_clean_error(result, phrase)


def test_sample_accepts_psi_zero_and_names_an_unwritable_out(tiny_export, tmp_path):
    ok = run("-m", "cgan.sample", "--weights", str(tiny_export), "--out", str(tmp_path / "s.npz"), "--truncation", "0",
             "--per-class", "1")
    assert ok.returncode == 0, ok.stderr
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = run("-m", "cgan.sample", "--weights", str(tiny_export), "--out", str(blocker / "sub" / "s.npz"))
    assert_clean_error(result, "cannot write there")


def test_a_config_with_a_wrongly_typed_field_names_it(tiny_export, tmp_path):
    import shutil

    copy = tmp_path / "export"
    shutil.copytree(tiny_export, copy)
    config = json.loads((copy / "config.json").read_text())
    config["z_dim"] = "64"
    (copy / "config.json").write_text(json.dumps(config))
    result = run("-m", "cgan.sample", "--weights", str(copy), "--out", str(tmp_path / "s.npz"))
    assert_clean_error(result, "z_dim should be int")


@pytest.mark.parametrize("port, phrase", [("99999", "--port must be from 1 to 65535"), ("busy", "already in use")])
def test_app_refuses_a_bad_or_busy_port_clearly(tiny_export, port, phrase):
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        number = str(busy.getsockname()[1]) if port == "busy" else port
        result = run("app.py", "--weights", str(tiny_export), "--port", number, "--device", "cpu", timeout=120)
    assert_clean_error(result, phrase)


def test_resume_keeps_what_the_preset_resolved_to_when_the_run_started(tmp_path):
    from cgan.training.flags import parse_config

    # A run started when the preset meant batch 24, g_dim 48 and lr 3e-4 (none of them given as flags).
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    saved = {"train": {"arch": "fast", "batch_size": None, "g_dim": None, "lr": None, "lr_d": None, "epochs": 3},
             "model": {"g_dim": 48, "d_depth": 2},
             "optimizer": {"batch_size": 24, "lr": 3e-4, "lr_d": 6e-4, "loss": "hinge", "beta1": 0.0}}
    (run_dir / "config.json").write_text(json.dumps(saved))
    config = parse_config(["--resume", "--out-dir", str(run_dir)], "test")
    assert (config.batch_size, config.g_dim, config.d_depth, config.lr, config.lr_d) == (24, 48, 2, 3e-4, 6e-4)
    assert config.beta1 == 0.0 and config.epochs == 3
    assert config.aux_weight == 0.0  # saved before --aux-weight existed: trained without it, and resumes so
    assert (config.loss, config.d_head) == ("hinge", "pooled")  # not the preset's relativistic loss and spatial head
    assert config.aux_g_weight == 0.0  # before --aux-g-weight existed, G's weight was D's
    # Flags given again still win, and a new --lr alone keeps the preset's ratio for the discriminator.
    config = parse_config(["--resume", "--out-dir", str(run_dir), "--batch-size", "8", "--lr", "1e-4"], "test")
    assert (config.batch_size, config.lr, config.lr_d) == (8, 1e-4, None)


@pytest.mark.parametrize("flag, value", [("--cache-mb", "0"), ("--cache-mb", "nan"), ("--cache-minutes", "-1"),
                                         ("--cache-mb", "1e308"), ("--cache-minutes", "1e308"), ("--cache-mb", "1e-9")])
def test_app_refuses_a_bad_cache_limit_clearly(tiny_export, flag, value):
    result = run("app.py", "--weights", str(tiny_export), flag, value, timeout=120)
    assert_clean_error(result, f"{flag} must be from")


def test_sigterm_ends_the_app_and_removes_its_private_folders(tiny_export, tmp_path):
    from bench.local_server import AppServer

    temp = tmp_path / "tmp"
    temp.mkdir()
    server = AppServer(tiny_export, log_path=tmp_path / "app.log", extra_env={"TMPDIR": str(temp)}).wait(300)
    assert any(p.name.startswith("cgan-") for p in temp.iterdir())
    server.process.terminate()  # SIGTERM
    assert server.process.wait(30) is not None
    server.log.close()
    assert not [p.name for p in temp.iterdir() if p.name.startswith("cgan-")]
    assert "Traceback" not in (tmp_path / "app.log").read_text()


def test_a_decay_start_given_alone_means_a_linear_decay_on_a_new_run_and_on_a_resume(tmp_path):
    from cgan.config import resolve
    from cgan.training.flags import parse_config

    def schedule(config):
        optim = resolve(config, class_names=[str(i) for i in range(10)], channels=1, native_size=28)[1]
        return optim["lr_decay"], optim["lr_decay_start"]

    assert schedule(parse_config(["--out-dir", str(tmp_path / "new")], "test")) == ("linear", 0.5)  # the preset's
    assert schedule(parse_config(["--arch", "reference"], "test")) == ("none", 0.0)
    assert schedule(parse_config(["--arch", "reference", "--lr-decay-start", "0.25"], "test")) == ("linear", 0.25)
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    (run_dir / "config.json").write_text(json.dumps({"train": {"arch": "fast", "lr_decay": None},
                                                     "optimizer": {"lr_decay": "none", "lr_decay_start": 0.0}}))
    assert schedule(parse_config(["--resume", "--out-dir", str(run_dir)], "test")) == ("none", 0.0)  # as started
    resumed = parse_config(["--resume", "--out-dir", str(run_dir), "--lr-decay-start", "0.75"], "test")
    assert schedule(resumed) == ("linear", 0.75)
