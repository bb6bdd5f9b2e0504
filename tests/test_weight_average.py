"""experiments/weight_average.py: the weighted mean of generators' weights, exported with fresh BatchNorm statistics."""
import sys

import pytest
import torch

from cgan.config import ModelConfig
from cgan.export import load_generator, save_export
from cgan.models import build_generator
from conftest import load_experiment


def _export(folder, config: ModelConfig, seed: int):
    torch.manual_seed(seed)
    generator = build_generator(config).eval()
    generator.config = config
    return save_export(generator, folder)


def _run(monkeypatch, *argv):
    monkeypatch.setattr(sys, "argv", ["weight_average.py", *map(str, argv)])
    load_experiment("weight_average").main()


def test_the_average_takes_each_parameter_at_its_weights_and_recomputes_batchnorm(tmp_path, monkeypatch):
    config = ModelConfig(arch="fast", z_dim=16, g_dim=8, g_output="tanh")
    first, second = _export(tmp_path / "a", config, 0), _export(tmp_path / "b", config, 1)
    (first / "discriminator.safetensors").write_bytes(b"the first folder's discriminator")
    _run(monkeypatch, first, second, "--weights", 1, 3, "--out", tmp_path / "avg", "--bn-batches", 2,
         "--bn-batch-size", 8)

    a, b, avg = (load_generator(folder) for folder in (first, second, tmp_path / "avg"))
    parameters, second_parameters = dict(avg.named_parameters()), dict(b.named_parameters())
    assert parameters
    for name, value in a.named_parameters():
        assert torch.allclose(parameters[name], 0.25 * value + 0.75 * second_parameters[name], atol=1e-6)
    means = [m.running_mean for m in avg.modules() if isinstance(m, torch.nn.modules.batchnorm._BatchNorm)]
    assert means and all(m.abs().sum() > 0 for m in means)  # measured for the average, not the zeros of a fresh net
    assert (tmp_path / "avg" / "samples.png").stat().st_size > 0
    assert (tmp_path / "avg" / "discriminator.safetensors").read_bytes() == b"the first folder's discriminator"
    assert avg.metadata["training"]["weight_average"]["weights"] == [1.0, 3.0]

    _run(monkeypatch, first, second, "--weights", -1, 2, "--out", tmp_path / "ext", "--bn-batches", 2,
         "--bn-batch-size", 8)
    extrapolated = dict(load_generator(tmp_path / "ext").named_parameters())
    for name, value in a.named_parameters():
        assert torch.allclose(extrapolated[name], 2 * second_parameters[name] - value, atol=1e-5)


def test_generators_of_different_designs_or_bad_weights_are_refused(tmp_path, monkeypatch):
    first = _export(tmp_path / "a", ModelConfig(arch="fast", z_dim=16, g_dim=8, g_output="tanh"), 0)
    wider = _export(tmp_path / "b", ModelConfig(arch="fast", z_dim=16, g_dim=12, g_output="tanh"), 0)
    with pytest.raises(SystemExit, match="different designs"):
        _run(monkeypatch, first, wider, "--out", tmp_path / "avg")
    with pytest.raises(SystemExit, match="one weight per folder"):
        _run(monkeypatch, first, first, "--weights", 1, "--out", tmp_path / "avg")
    with pytest.raises(SystemExit, match="positive sum"):
        _run(monkeypatch, first, first, "--weights", 1, -1, "--out", tmp_path / "avg")
    assert not (tmp_path / "avg").exists()
