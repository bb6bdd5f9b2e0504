"""Experiments that hook into a run (experiments/hooked_run.py): the detector-shaped critic and the EMA sweep."""
import json
from pathlib import Path

import torch

from conftest import load_experiment, make_trainer

ROOT = Path(__file__).resolve().parent.parent


def test_the_critic_learns_through_the_warm_up_then_g_steps_against_it_and_a_resumed_run_goes_on(tmp_path,
                                                                                                  small_fashion):
    critic_module = load_experiment("detector_critic")
    log = tmp_path / "critic.jsonl"
    trainer = make_trainer(tmp_path / "run", small_fashion, max_steps=6, d_warmup_images=48, checkpoint_every=3)
    assert trainer.warmup_steps == 3
    critic = critic_module.attach_critic(trainer, critic_lr=1e-3, g_lr_ratio=0.5, log_every=1, log_path=log)
    before = [p.clone() for p in critic.parameters()]
    trainer.fit()
    records = [json.loads(line) for line in log.read_text().splitlines()]
    assert [r["step"] for r in records] == [1, 2, 3, 4, 5, 6]
    assert [r["critic_loss_g"] is None for r in records] == [True] * 3 + [False] * 3  # G waits out the warm-up
    assert all(0 <= r["critic_accuracy"] <= 1 for r in records)
    assert all(r["critic_loss_g"] > 0 for r in records[3:])
    assert any((a - b).abs().max() > 0 for a, b in zip(critic.parameters(), before))
    saved = torch.load(tmp_path / "run" / "critic.pt", weights_only=False)
    assert saved["step"] == 6

    log.write_text(log.read_text() + json.dumps({"step": 7, "critic_accuracy": 0.5, "critic_loss_g": 1.0}) + "\n")
    resumed = make_trainer(tmp_path / "run", small_fashion, max_steps=8, d_warmup_images=48, resume=True)
    critic = critic_module.attach_critic(resumed, critic_lr=1e-3, g_lr_ratio=0.5, log_every=1, log_path=log)
    assert all(torch.equal(v, saved["critic"][k]) for k, v in critic.state_dict().items())
    resumed.fit()
    assert [json.loads(line)["step"] for line in log.read_text().splitlines()] == list(range(1, 9))


def test_the_ema_sweep_keeps_checkpoints_and_exports_each_extra_ema(tmp_path, monkeypatch):
    from conftest import tiny_config

    monkeypatch.syspath_prepend(str(ROOT / "experiments"))  # it imports its neighbour ablation.py
    sweep = load_experiment("ema_sweep")
    trainer = sweep.make_trainer(tiny_config(tmp_path / "run", max_steps=3, log_every=100), [(1000, 0.1)])
    trainer.fit()
    assert (tmp_path / "run" / "export-ema-1000-0.1" / "model.safetensors").is_file()
    assert torch.load(tmp_path / "run" / "extra_emas.pt", weights_only=True)["step"] == 3


def test_a_hooked_experiment_resumes_its_run_when_it_has_a_checkpoint_and_starts_it_otherwise(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(ROOT / "experiments"))
    from hooked_run import run_config

    threads = torch.get_num_threads()
    for name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS"):  # run_config sets them; restored after the test
        monkeypatch.setenv(name, str(threads))
    config = run_config(str(tmp_path), ["--", "--max-steps", "7"], threads=threads, description="t", fresh=("--overwrite",))
    assert (config.max_steps, config.out_dir, config.device, config.no_onnx) == (7, str(tmp_path / "run"), "cpu", True)
    assert config.overwrite and not config.resume
    (tmp_path / "run" / "checkpoints").mkdir(parents=True)
    (tmp_path / "run" / "checkpoints" / "step-00000007.pt").write_bytes(b"")
    config = run_config(str(tmp_path), ["--max-steps", "9"], threads=threads, description="t", fresh=("--overwrite",))
    assert config.resume and not config.overwrite and config.max_steps == 9
