"""The EMA sweep (python -m experiments.ema_sweep), which hooks into one train.py run, and the experiments package."""
import torch


def test_the_ema_sweep_keeps_checkpoints_and_exports_each_extra_ema(tmp_path, monkeypatch):
    from conftest import tiny_config

    from experiments import ema_sweep as sweep

    trainer = sweep.make_trainer(tiny_config(tmp_path / "run", max_steps=3, log_every=100), [(1000, 0.1)])
    trainer.fit()
    assert (tmp_path / "run" / "export-ema-1000-0.1" / "model.safetensors").is_file()
    assert torch.load(tmp_path / "run" / "extra_emas.pt", weights_only=True)["step"] == 3


def test_a_hooked_experiment_resumes_its_run_when_it_has_a_checkpoint_and_starts_it_otherwise(tmp_path, monkeypatch):
    from experiments.ema_sweep import run_config

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
