import dataclasses

import pytest
import torch
from safetensors.torch import load_file

from cgan.config import ModelConfig
from cgan.export import load_generator
from cgan.models import build_generator, one_hot
from cgan.training.wider_generator import wider_generator
from conftest import make_trainer


def _trained(config: ModelConfig) -> torch.nn.Module:
    """A generator with random BatchNorm statistics and scales, as if trained."""
    generator = build_generator(config)
    generator.train()
    with torch.no_grad():
        for _ in range(3):
            generator(torch.randn(32, config.z_dim), one_hot(torch.arange(32) % config.num_classes, config.num_classes))
        for name, tensor in generator.named_parameters():
            if "gain" in name or "shift" in name:
                tensor.add_(torch.randn_like(tensor) * 0.3)
    return generator


def _draw(generator: torch.nn.Module, *, training: bool) -> torch.Tensor:
    generator.train(training)
    z = torch.randn(32, generator.config.z_dim, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        return generator(z, one_hot(torch.arange(32) % 10, 10))


@pytest.mark.parametrize("arch,g_norm", [("fast", "conditional"), ("fast", "batch"), ("reference", "batch")])
def test_a_wider_generator_draws_the_same_images_in_training_and_evaluation(arch, g_norm):
    config = ModelConfig(arch=arch, z_dim=16, g_dim=8, g_norm=g_norm, g_output="tanh",
                         **({"image_size": 32, "native_size": 32} if arch == "reference" else {}))
    trained = _trained(config)
    wide = wider_generator(trained, dataclasses.replace(config, g_dim=13))
    assert sum(p.numel() for p in wide.parameters()) > sum(p.numel() for p in trained.parameters())
    for training in (False, True):
        assert torch.allclose(_draw(trained, training=training), _draw(wide, training=training), atol=1e-5)


def test_the_copies_of_a_channel_learn_apart():
    config = ModelConfig(arch="fast", z_dim=16, g_dim=8, g_output="tanh")
    wide = wider_generator(_trained(config), dataclasses.replace(config, g_dim=16))
    z = torch.randn(32, 16)
    wide(z, one_hot(torch.arange(32) % 10, 10)).square().mean().backward()
    first = wide.net[0].weight  # (z_dim + classes, 4 * 16, k, k): channels 32..63 copy some of 0..31
    pairs = [(i, j) for j in range(32, 64) for i in range(32) if torch.equal(first[:, j], first[:, i])]
    assert len(pairs) == 32  # each new channel is a copy, its incoming weights identical at first
    # the next layer's weights from the two copies differ, so their incoming weights get different gradients
    assert all(not torch.allclose(first.grad[:, i], first.grad[:, j]) for i, j in pairs)


def test_widening_refuses_the_mlp_generator_and_a_narrower_width():
    with pytest.raises(ValueError, match="paper"):
        wider_generator(build_generator(ModelConfig(arch="paper", g_dim=32, d_dim=16)),
                        ModelConfig(arch="paper", g_dim=64, d_dim=16))
    config = ModelConfig(arch="fast", z_dim=16, g_dim=8)
    with pytest.raises(ValueError, match="narrower"):
        wider_generator(build_generator(config), dataclasses.replace(config, g_dim=4))


def test_a_run_from_an_export_with_a_larger_g_dim_starts_from_the_same_images_and_keeps_its_discriminator(
        tmp_path, small_fashion, tiny_export):
    exported = load_generator(tiny_export).eval()
    run = make_trainer(tmp_path / "run", small_fashion, init_from=str(tiny_export), g_dim=12, max_steps=1)
    assert run.generator.config.g_dim == 12
    run.generator_ema.eval()
    z, condition = torch.randn(8, exported.config.z_dim), one_hot(torch.arange(8), 10)
    with torch.no_grad():
        assert torch.allclose(run.generator_ema(z, condition), exported(z, condition), atol=1e-5)
    trained_d = load_file(tiny_export / "discriminator.safetensors")
    assert all(torch.equal(trained_d[k], v.cpu()) for k, v in run.discriminator.state_dict().items())
    export = run.fit()
    assert load_generator(export).config.g_dim == 12
