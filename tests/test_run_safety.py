"""Run folders under stress: a second train.py, a full disk, an unwritable export folder, a hand-edited config.json.
Each ends with one line that says what happened and what is kept; none with a traceback."""
import errno
import json
import os

import pytest
import torch

import train
from cgan import sample
from cgan.training import checkpoints
from cgan.training.run_folder import lock_run_dir

TINY = ["--g-dim", "8", "--d-dim", "8", "--z-dim", "16", "--batch-size", "16", "--bn-recalibration-batches", "2",
        "--no-onnx", "--log-every", "1"]


def run_train(capsys, *argv):
    try:
        code = train.main([*TINY, *map(str, argv)])
    except SystemExit as stop:
        code = stop.code
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return code, err


def test_a_second_train_py_on_a_busy_folder_stops_at_once_naming_the_holder(tmp_path, capsys):
    out = tmp_path / "run"
    holder = lock_run_dir(out)  # another process's lock, as flock sees it
    code, err = run_train(capsys, "--max-steps", 2, "--out-dir", out)
    assert code == 2 and f"in use by another train.py (PID {os.getpid()})" in err
    assert sorted(p.name for p in out.iterdir()) == [".lock"]  # it touched nothing
    holder.close()
    code, _ = run_train(capsys, "--max-steps", 2, "--out-dir", out)
    assert code == 0 and checkpoints.list_checkpoints(out)


def test_a_full_disk_at_a_checkpoint_keeps_the_last_good_one_and_resume_continues(tmp_path, capsys, monkeypatch):
    out = tmp_path / "run"
    real_save, calls = torch.save, {"n": 0}

    def save(state, path, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:  # the second checkpoint: half written, then the disk is full
            with open(path, "wb") as f:
                f.write(b"x" * 1000)
            raise RuntimeError("[enforce fail at inline_container.cc:672] . unexpected pos 1000 vs 2000")
        return real_save(state, path, *args, **kwargs)

    monkeypatch.setattr(torch, "save", save)
    code, err = run_train(capsys, "--max-steps", 4, "--checkpoint-every", 2, "--out-dir", out)
    assert code == 1 and "error: disk full: could not write the checkpoint of step 4" in err
    assert "step-00000002.pt" in err and "--resume" in err
    assert [p.name for p in (out / "checkpoints").iterdir()] == ["step-00000002.pt"]  # no temp file left
    monkeypatch.setattr(torch, "save", real_save)
    code, _ = run_train(capsys, "--resume", "--max-steps", 4, "--checkpoint-every", 2, "--out-dir", out)
    assert code == 0 and checkpoints.list_checkpoints(out)[-1].name == "step-00000004.pt"


def test_an_unwritable_export_folder_is_found_before_step_0(tmp_path, capsys):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    code, err = run_train(capsys, "--max-steps", 2, "--out-dir", tmp_path / "run", "--export-dir", blocker / "export")
    assert code == 1 and "the export folder" in err and "not writable" in err
    assert not (tmp_path / "run" / "checkpoints").exists() and not (tmp_path / "run" / "log.jsonl").exists()


def test_too_little_free_space_is_found_before_step_0(tmp_path, capsys, monkeypatch):
    import shutil

    monkeypatch.setattr(shutil, "disk_usage", lambda path: shutil._ntuple_diskusage(10**9, 10**9 - 1000, 1000))
    code, err = run_train(capsys, "--max-steps", 2, "--out-dir", tmp_path / "run")
    assert code == 1 and "--out-dir" in err and "MB free; the run needs at least" in err


@pytest.mark.parametrize("edit, phrase", [
    (lambda text, run: text[: len(text) // 2], "not valid JSON"),
    (lambda text, run: "[1, 2]", "should hold a JSON object"),
    (lambda text, run: json.dumps({**run, "train": [1]}), "'train' should be an object, got list"),
    (lambda text, run: json.dumps({**run, "train": {**run["train"], "batch_size": "16"}}), "train.batch_size should be Optional[int]"),
    (lambda text, run: json.dumps({**run, "train": {**run["train"], "lr": "fast"}}), "train.lr should be Optional[float]"),
    (lambda text, run: json.dumps({**run, "train": {**run["train"], "epochs": 2.5}}), "train.epochs should be Optional[int], got 2.5"),
    (lambda text, run: json.dumps({**run, "train": {**run["train"], "epochs": -3}}), "--epochs must be positive"),
    (lambda text, run: json.dumps({**run, "train": {**run["train"], "learning": 1}}), "unknown setting train.learning"),
    (lambda text, run: json.dumps({**run, "model": {**run["model"], "z_dim": "big"}}), "model.z_dim should be int"),
])
def test_resume_checks_a_hand_edited_config_like_flags(tmp_path, capsys, edit, phrase):
    out = tmp_path / "run"
    assert run_train(capsys, "--max-steps", 2, "--out-dir", out)[0] == 0
    text = (out / "config.json").read_text()
    (out / "config.json").write_text(edit(text, json.loads(text)))
    code, err = run_train(capsys, "--resume", "--max-steps", 3, "--out-dir", out)
    assert code == 2 and phrase in err, err


def test_sample_on_a_full_disk_says_so_and_leaves_no_partial_file(tiny_export, tmp_path, capsys, monkeypatch):
    import numpy as np

    def full(*args, **kwargs):
        with open(args[0], "wb") as f:
            f.write(b"PK")
        raise OSError(errno.ENOSPC, "No space left on device", str(args[0]))

    monkeypatch.setattr(np, "savez_compressed", full)
    with pytest.raises(SystemExit) as stop:
        sample.main(["--weights", str(tiny_export), "--per-class", "1", "--out", str(tmp_path / "s.npz")])
    assert stop.value.code == 1 and "disk full" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("tear", ['{"step": 4, "loss_d', "\x00\x00\x00", '[1, 2]', '{"no_step": 1}'])
def test_resume_skips_a_torn_log_line_and_repairs_the_log(tmp_path, capsys, tear):
    out = tmp_path / "run"
    code, _ = run_train(capsys, "--max-steps", 2, "--checkpoint-every", 2, "--out-dir", out)
    assert code == 0
    with open(out / "log.jsonl", "a") as f:
        f.write(tear)  # a kill in the middle of a write
    code, _ = run_train(capsys, "--resume", "--max-steps", 4, "--checkpoint-every", 2, "--out-dir", out)
    assert code == 0
    steps = [json.loads(line)["step"] for line in (out / "log.jsonl").read_text().splitlines()]
    assert steps == [1, 2, 3, 4]


@pytest.mark.parametrize("keep_bytes", [0, 1, 100, -100])
def test_resume_falls_back_to_the_newest_checkpoint_that_loads_and_says_which(tmp_path, capsys, keep_bytes):
    out = tmp_path / "run"
    code, _ = run_train(capsys, "--max-steps", 4, "--checkpoint-every", 2, "--out-dir", out)
    newest = checkpoints.list_checkpoints(out)[-1]
    data = newest.read_bytes()
    newest.write_bytes(data[:keep_bytes] if keep_bytes >= 0 else data[:len(data) + keep_bytes])
    try:
        code = train.main([*TINY, "--resume", "--max-steps", "6", "--checkpoint-every", "2", "--out-dir", str(out)])
    except SystemExit as stop:
        code = stop.code
    captured = capsys.readouterr()
    assert code == 0 and "Traceback" not in captured.err
    assert "skipped step-00000004.pt" in captured.out and "continuing from step-00000002.pt" in captured.out
    assert checkpoints.list_checkpoints(out)[-1].name == "step-00000006.pt"


def test_resume_with_no_checkpoint_that_loads_ends_with_one_line(tmp_path, capsys):
    out = tmp_path / "run"
    run_train(capsys, "--max-steps", 4, "--checkpoint-every", 2, "--out-dir", out)
    for path in checkpoints.list_checkpoints(out):
        path.write_bytes(b"")
    code, err = run_train(capsys, "--resume", "--max-steps", 6, "--out-dir", out)
    assert code == 2 and "no checkpoint" in err and "loads" in err


@pytest.mark.parametrize("kind", ["symlink", "dangling", "directory"])
def test_a_lock_that_is_not_a_plain_file_is_refused_and_nothing_is_written_through_it(tmp_path, capsys, kind):
    out = tmp_path / "run"
    out.mkdir()
    target = tmp_path / "precious.txt"
    if kind == "symlink":
        target.write_text("do not touch")
        (out / ".lock").symlink_to(target)
    elif kind == "dangling":
        (out / ".lock").symlink_to(tmp_path / "nowhere")
    else:
        (out / ".lock").mkdir()
    code, err = run_train(capsys, "--max-steps", 1, "--out-dir", out)
    assert code == 2 and ".lock" in err
    assert kind != "symlink" or target.read_text() == "do not touch"
    assert not (tmp_path / "nowhere").exists()


class Killed(BaseException):
    """What a SIGKILL does to a run: it stops between two system calls."""


def test_a_run_killed_at_any_write_resumes_to_the_same_end(tmp_path, capsys, monkeypatch):
    """Every replace and fsync of a run's second half (checkpoints, its log, config, the export) is in turn the last
    thing it does; each time, --resume finishes the run with its whole log and a final checkpoint."""
    real_replace, real_fsync = os.replace, os.fsync

    def second_half(out, kill_at=None):
        calls = {"n": 0}

        def counted(real):
            def call(*args):
                if calls["n"] == kill_at:
                    raise Killed()
                calls["n"] += 1
                return real(*args)
            return call
        monkeypatch.setattr(os, "replace", counted(real_replace))
        monkeypatch.setattr(os, "fsync", counted(real_fsync))
        try:
            run_train(capsys, "--resume", "--max-steps", 4, "--checkpoint-every", 1, "--out-dir", out)
        finally:
            monkeypatch.setattr(os, "replace", real_replace)
            monkeypatch.setattr(os, "fsync", real_fsync)
        return calls["n"]

    def first_half(out):
        assert run_train(capsys, "--max-steps", 2, "--checkpoint-every", 1, "--out-dir", out)[0] == 0

    first_half(tmp_path / "whole")
    writes = second_half(tmp_path / "whole")
    assert writes >= 6
    for kill_at in range(writes):
        out = tmp_path / f"killed-{kill_at}"
        first_half(out)
        with pytest.raises(Killed):
            second_half(out, kill_at)
        code, _ = run_train(capsys, "--resume", "--max-steps", 4, "--checkpoint-every", 1, "--out-dir", out)
        assert code == 0, kill_at
        steps = [json.loads(line)["step"] for line in (out / "log.jsonl").read_text().splitlines()]
        assert steps == [1, 2, 3, 4], (kill_at, steps)
        assert checkpoints.list_checkpoints(out)[-1].name == "step-00000004.pt"
        assert (out / "export" / "model.safetensors").is_file() and not (out / "export" / ".pending").exists()
