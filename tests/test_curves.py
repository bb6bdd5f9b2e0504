"""Training curves: the TensorBoard and Trackio trackers fed from the trainer's hooks, and RUN/curves.png."""
import json
import sqlite3

import numpy as np
import pytest
from PIL import Image

import train
from cgan.data import Dataset
from cgan.plot import main as plot_main
from cgan.plot import plot_run
from cgan.training.trackers import attach_tracker
from conftest import make_trainer


@pytest.fixture(scope="module")
def tiny_fashion(small_fashion):
    """64 images: 4 steps of 16 per epoch, so a short run crosses epochs."""
    return Dataset(small_fashion.images[:64].clone(), small_fashion.labels[:64].clone(), small_fashion.class_names)


def run_with_tracker(tmp_path, dataset, kind):
    trainer = make_trainer(tmp_path / "run", dataset, max_steps=8, epochs=10)
    tracker = attach_tracker(trainer, kind)
    trainer.fit()
    tracker.close()
    return trainer


def test_tensorboard_gets_scalars_per_log_line_and_images_per_epoch(tmp_path, tiny_fashion):
    pytest.importorskip("tensorboard", reason="the optional tensorboard package is not installed")
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    trainer = run_with_tracker(tmp_path, tiny_fashion, "tensorboard")
    events = EventAccumulator(str(trainer.out_dir / "tensorboard"), size_guidance={"images": 0}).Reload()
    tags = events.Tags()
    assert {"train/loss_d", "train/loss_g", "train/d_real", "train/d_fake", "train/lr", "train/images_per_s"} <= set(tags["scalars"])
    steps = [e.step for e in events.Scalars("train/loss_d")]
    assert steps == [16 * i for i in range(1, 9)]  # stepped by images seen, one per log line
    assert len(events.Images("samples/epoch")) == 2 and len(events.Images("samples/export")) == 1


def test_trackio_logs_into_its_local_project(tmp_path, tiny_fashion, monkeypatch):
    monkeypatch.setenv("TRACKIO_DIR", str(tmp_path / "trackio"))
    pytest.importorskip("trackio", reason="the optional trackio package is not installed")
    run_with_tracker(tmp_path, tiny_fashion, "trackio")
    databases = list((tmp_path / "trackio").glob("*.db"))
    assert [p.stem for p in databases] == ["cgan"]
    with sqlite3.connect(databases[0]) as db:
        rows = db.execute("SELECT run_name, metrics FROM metrics").fetchall()
    logged = [json.loads(metrics) for name, metrics in rows if name == "run"]
    assert sum("train/loss_d" in m for m in logged) == 8
    assert any("samples/epoch" in m for m in logged)


def test_a_missing_tracker_package_is_a_one_line_error(tmp_path, monkeypatch, capsys):
    import sys

    monkeypatch.setitem(sys.modules, "trackio", None)
    with pytest.raises(SystemExit) as stop:
        train.main(["--tracker", "trackio", "--max-steps", "1", "--out-dir", str(tmp_path / "run")])
    assert stop.value.code == 2 and "pip install trackio" in capsys.readouterr().err


def test_train_py_draws_curves_png_and_evaluated_snapshots_add_panels(tmp_path):
    run = tmp_path / "run"
    assert train.main(["--max-steps", "6", "--log-every", "1", "--g-dim", "8", "--d-dim", "8", "--z-dim", "16",
                       "--bn-recalibration-batches", "2", "--no-onnx", "--out-dir", str(run)]) == 0
    with Image.open(run / "curves.png") as im:
        plain = im.size
        pixels = np.asarray(im.convert("L"))
    assert plain[0] >= 600 and plain[1] >= 600 and pixels.std() > 10  # drawn, not blank
    for images, fid in ((32, 9.0), (96, 4.0)):
        folder = run / "snapshots" / f"images-{images:09d}"
        folder.mkdir(parents=True)
        (folder / "metrics.json").write_text(json.dumps({"fid_vs_floor": fid, "precision": 0.8, "recall": 0.7}))
    with Image.open(plot_run(run)) as im:
        assert im.size[0] == plain[0] and im.size[1] > plain[1]


def test_plot_cli_errors_are_one_line(tmp_path, capsys):
    with pytest.raises(SystemExit) as stop:
        plot_main([str(tmp_path)])
    assert stop.value.code == 2 and "no log.jsonl" in capsys.readouterr().err
    (tmp_path / "log.jsonl").write_text('{"step": 1, "images_se')  # a run killed mid-line
    with pytest.raises(SystemExit):
        plot_main([str(tmp_path)])
    assert "no complete log line" in capsys.readouterr().err


def test_plot_reads_past_log_lines_and_metrics_that_are_not_records(tmp_path):
    lines = ['[1, 2]', '{"step": 1}', '{"step": 2, "images_seen": "many"}', '"text"',
             '{"step": 3, "images_seen": 48, "loss_d": "x", "loss_g": 1.0, "lr": 0.1}',
             '{"step": 4, "images_seen": 64, "loss_d": 1.0, "loss_g": 1.0, "lr": 0.1}']
    (tmp_path / "log.jsonl").write_text("\n".join(lines) + "\n")
    snapshot = tmp_path / "snapshots" / "images-000000064"
    snapshot.mkdir(parents=True)
    (snapshot / "metrics.json").write_text("[1, 2, 3]")
    assert plot_main([str(tmp_path)]) == 0 and (tmp_path / "curves.png").is_file()


def test_an_unusable_trackio_folder_fails_before_step_0(tmp_path, monkeypatch, capsys):
    pytest.importorskip("trackio", reason="the optional trackio package is not installed")
    import train

    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("TRACKIO_DIR", str(blocker / "trackio"))
    with pytest.raises(SystemExit) as stop:
        train.main(["--tracker", "trackio", "--max-steps", "2", "--g-dim", "8", "--d-dim", "8", "--z-dim", "16",
                    "--no-onnx", "--out-dir", str(tmp_path / "run")])
    err = capsys.readouterr().err
    assert stop.value.code == 2 and "is not writable" in err and "Traceback" not in err
    assert not (tmp_path / "run" / "checkpoints").exists()
