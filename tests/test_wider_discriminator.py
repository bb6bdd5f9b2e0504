import dataclasses

import pytest
import torch
from safetensors.torch import load_file

from cgan.config import ModelConfig
from cgan.export import load_export, load_generator
from cgan.models import build_discriminator, one_hot
from cgan.training.wider_discriminator import wider_discriminator_weights
from conftest import make_trainer


def _trained(config: ModelConfig) -> torch.nn.Module:
    """A discriminator whose spectral norms' power-iteration vectors have been iterated, as in training."""
    torch.manual_seed(3)
    discriminator = build_discriminator(config)
    discriminator.train()
    with torch.no_grad():
        for _ in range(5):
            discriminator(torch.rand(8, config.channels, config.image_size, config.image_size) * 2 - 1,
                          one_hot(torch.arange(8) % 10, 10))
    return discriminator


def _logits(discriminator: torch.nn.Module, *, training: bool) -> torch.Tensor:
    config = discriminator.config
    rng = torch.Generator().manual_seed(1)
    images = torch.rand(16, config.channels, config.image_size, config.image_size, generator=rng) * 2 - 1
    discriminator.train(training)
    with torch.no_grad():
        logit, classes = discriminator(images, one_hot(torch.arange(16) % 10, 10), classes=True)
    return torch.cat([logit[:, None], classes], dim=1)


DESIGNS = [dict(arch="fast", d_norm="spectral"), dict(arch="fast", d_norm="none"),
           dict(arch="fast", d_norm="spectral", d_head="pooled", d_input="image+dark"),
           dict(arch="reference", d_norm="spectral", d_conditioning="channels", image_size=32, native_size=32)]


@pytest.mark.parametrize("design", DESIGNS, ids=lambda d: "-".join(str(v) for v in d.values()))
def test_a_wider_discriminator_computes_the_same_logits(design):
    config = ModelConfig(z_dim=16, g_dim=8, d_dim=8, d_classifier=True, **design)
    trained = _trained(config)
    wide_config = dataclasses.replace(config, d_dim=13)
    wide = build_discriminator(wide_config)
    wide.load_state_dict(wider_discriminator_weights(trained.state_dict(), config, wide_config))
    assert sum(p.numel() for p in wide.parameters()) > sum(p.numel() for p in trained.parameters())
    # evaluation reads the stored power-iteration vectors: the same norms exactly
    assert torch.allclose(_logits(trained, training=False), _logits(wide, training=False), atol=1e-5)
    # a training step iterates them once more, and the new rows move the norms by a hair
    assert torch.allclose(_logits(trained, training=True), _logits(wide, training=True), atol=1e-3)


def test_the_new_channels_learn():
    config = ModelConfig(arch="fast", z_dim=16, g_dim=8, d_dim=8, d_norm="none", d_classifier=True)
    wide_config = dataclasses.replace(config, d_dim=16)
    wide = build_discriminator(wide_config)
    wide.load_state_dict(wider_discriminator_weights(_trained(config).state_dict(), config, wide_config))
    first = wide.features[0].weight  # (16, 1, 3, 3): channels 8..15 are new
    assert first[8:].abs().max() > 0 and first[8:].norm() < 0.05 * first[:8].norm()
    second = wide.features[2].weight  # (32, 16, 4, 4): nothing trained reads the new channels yet
    assert second[:16, 8:].abs().max() == 0
    logit = wide(torch.rand(8, 1, 28, 28) * 2 - 1, one_hot(torch.arange(8), 10))
    logit.sum().backward()
    assert second.grad[:, 8:].abs().max() > 0  # so the reads of the new channels grow from the first step


def test_widening_refuses_the_maxout_discriminator_batchnorm_a_narrower_width_and_another_design():
    paper = ModelConfig(arch="paper", g_dim=32, d_dim=16)
    with pytest.raises(ValueError, match="paper"):
        wider_discriminator_weights({}, paper, dataclasses.replace(paper, d_dim=32))
    batch = ModelConfig(arch="fast", z_dim=16, d_dim=8, d_norm="batch")
    with pytest.raises(ValueError, match="BatchNorm"):
        wider_discriminator_weights({}, batch, dataclasses.replace(batch, d_dim=16))
    config = ModelConfig(arch="fast", z_dim=16, d_dim=8)
    with pytest.raises(ValueError, match="narrower"):
        wider_discriminator_weights({}, config, dataclasses.replace(config, d_dim=4))
    with pytest.raises(ValueError, match="only d_dim"):
        wider_discriminator_weights({}, config, dataclasses.replace(config, d_dim=16, d_depth=config.d_depth + 1))


def test_a_run_from_an_export_with_a_larger_d_dim_starts_from_the_same_logits_and_keeps_its_generator(
        tmp_path, small_fashion, tiny_export):
    exported = build_discriminator(load_export(tiny_export).config)
    exported.load_state_dict(load_file(tiny_export / "discriminator.safetensors"))
    run = make_trainer(tmp_path / "run", small_fashion, init_from=str(tiny_export), d_dim=12, max_steps=1)
    assert run.discriminator.config.d_dim == 12
    images, condition = torch.rand(4, 1, 28, 28) * 2 - 1, one_hot(torch.arange(4), 10)
    exported.eval(), run.discriminator.eval()
    with torch.no_grad():
        assert torch.allclose(exported(images, condition), run.discriminator(images, condition), atol=1e-5)
    generator = load_generator(tiny_export)
    assert all(torch.equal(v, run.generator.state_dict()[k].cpu()) for k, v in generator.state_dict().items())
    export = run.fit()
    assert load_export(export).config.d_dim == 12
    assert load_file(export / "discriminator.safetensors")["features.0.weight_orig"].shape[0] == 12
