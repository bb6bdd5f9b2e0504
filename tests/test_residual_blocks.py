import dataclasses

import pytest
import torch

from cgan.config import ModelConfig
from cgan.export import load_export, load_generator
from cgan.models import build_generator, one_hot
from cgan.training.wider_generator import wider_generator
from conftest import make_trainer


def _draw(generator: torch.nn.Module) -> torch.Tensor:
    generator.eval()
    z = torch.randn(16, generator.config.z_dim, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        return generator(z, one_hot(torch.arange(16) % 10, 10))


@pytest.mark.parametrize("arch", ["fast", "reference"])
def test_new_residual_blocks_pass_the_trained_features_through(arch):
    config = ModelConfig(arch=arch, z_dim=16, g_dim=8, g_output="tanh",
                         **({"image_size": 32, "native_size": 32} if arch == "reference" else {}))
    trained = build_generator(config)
    deeper = build_generator(dataclasses.replace(config, g_refine=2))
    assert set(deeper.state_dict()) > set(trained.state_dict())
    deeper.load_state_dict(trained.state_dict(), strict=False)
    assert torch.equal(_draw(trained), _draw(deeper))
    assert all(block.conv1.weight.abs().max() > 0 for block in deeper.refine)  # conv1 random, conv2 zero
    _draw(deeper)
    deeper.train()
    deeper(torch.randn(4, 16), one_hot(torch.arange(4), 10)).square().mean().backward()
    assert all(block.conv2.weight.grad.abs().max() > 0 for block in deeper.refine)  # so they learn from step one


def test_residual_blocks_are_refused_where_they_do_not_fit():
    with pytest.raises(ValueError, match="g_refine must be from 0 to 8"):
        ModelConfig(g_refine=9).validate()
    with pytest.raises(ValueError, match="convolutional generator"):
        ModelConfig(arch="paper", g_dim=32, d_dim=16, g_refine=1).validate()
    config = ModelConfig(arch="fast", z_dim=16, g_dim=8, g_refine=1)
    with pytest.raises(ValueError, match="cannot be widened"):
        wider_generator(build_generator(config), dataclasses.replace(config, g_dim=16))


def test_a_run_from_an_export_with_more_residual_blocks_starts_from_the_same_images_and_keeps_them(
        tmp_path, small_fashion, tiny_export):
    exported = load_generator(tiny_export)
    run = make_trainer(tmp_path / "run", small_fashion, init_from=str(tiny_export), g_refine=1, max_steps=1)
    assert run.generator.config.g_refine == 1
    assert torch.allclose(_draw(run.generator_ema), _draw(exported), atol=1e-6)
    export = run.fit()
    assert load_export(export).config.g_refine == 1
    on = make_trainer(tmp_path / "on", small_fashion, init_from=str(export), max_steps=1)
    assert on.model_config.g_refine == 1  # kept without the flag, the trained blocks with it
    assert torch.equal(on.generator.refine[0].conv2.weight.cpu(), load_generator(export).refine[0].conv2.weight)
    with pytest.raises(ValueError, match="g_refine 1 there, 0 here"):
        make_trainer(tmp_path / "fewer", small_fashion, init_from=str(export), g_refine=0, max_steps=1)
