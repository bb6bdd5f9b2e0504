"""Every preset builds, has the documented shapes and value ranges, and conditions on its label."""
import pytest
import torch

from cgan.config import ModelConfig
from cgan.models import (CLIP_MARGIN, ProjectFromVector, build_discriminator, build_generator,
                         full_range, full_range_clipped, one_hot,
                         plain_discriminator_weights)
from cgan.sampling import generate
from cgan.training.ema import recalibrate_batchnorm


def tiny_model(arch, **overrides):
    fields = dict(arch=arch, z_dim=16, g_dim=8, d_dim=8, image_size=32 if arch == "reference" else 28,
                  native_size=28, d_conditioning="channels" if arch == "reference" else "projection")
    fields.update(overrides)
    return ModelConfig(**fields)


@pytest.mark.parametrize("arch", ["fast", "reference", "paper"])
def test_every_preset_has_documented_shapes_and_tanh_range(arch):
    config = tiny_model(arch)
    G, D = build_generator(config), build_discriminator(config)
    z = torch.randn(5, config.z_dim)
    y = one_hot(torch.arange(5), config.num_classes)
    images = G(z, y)
    assert images.shape == (5, 1, config.image_size, config.image_size)
    assert images.min() >= -1 and images.max() <= 1
    logits = D(images, y)
    assert logits.shape == (5,)
    assert torch.isfinite(logits).all()


@pytest.mark.parametrize("arch", ["fast", "reference"])
def test_first_generator_layer_is_the_transposed_convolution_it_replaces(arch):
    config = tiny_model(arch)
    first = build_generator(config).net[0]
    assert isinstance(first, ProjectFromVector) and set(first.state_dict()) == {"weight"}
    x = torch.randn(6, config.z_dim + config.num_classes, 1, 1)
    expected = torch.nn.functional.conv_transpose2d(x, first.weight)
    assert torch.allclose(first(x), expected, atol=1e-6)
    wider = torch.randn(2, config.z_dim + config.num_classes, 3, 3)  # not 1x1: the convolution itself
    assert torch.allclose(first(wider), torch.nn.functional.conv_transpose2d(wider, first.weight), atol=1e-6)


def test_reference_preset_has_the_given_shapes():
    config = tiny_model("reference", z_dim=100, g_dim=128, d_dim=96)
    G, D = build_generator(config), build_discriminator(config)
    convs = [m for m in G.modules() if isinstance(m, torch.nn.ConvTranspose2d)]
    assert [(c.in_channels, c.out_channels) for c in convs] == [(110, 512), (512, 256), (256, 128), (128, 1)]
    d_convs = [m for m in D.modules() if isinstance(m, torch.nn.Conv2d)]
    assert len(d_convs) == 9
    assert d_convs[0].in_channels == 1 + 10
    assert all(hasattr(c, "weight_orig") for c in d_convs)  # spectral norm on every conv
    assert [c.kernel_size[0] for c in d_convs] == [3, 3, 3, 3, 3, 3, 3, 1, 1]


def test_paper_preset_follows_mirza_and_osindero():
    config = tiny_model("paper", z_dim=100, g_dim=1200, d_dim=240)
    G, D = build_generator(config), build_discriminator(config)
    assert G.z_branch[0].out_features == 200 and G.y_branch[0].out_features == 1000
    assert D.x_branch[0].units == 240 and D.x_branch[0].pieces == 5
    assert D.y_branch[0].units == 50 and D.y_branch[0].pieces == 5
    assert D.joint[0].units == 240 and D.joint[0].pieces == 4


@pytest.mark.parametrize("arch", ["fast", "reference", "paper"])
def test_different_labels_give_different_images(arch):
    torch.manual_seed(0)
    G = build_generator(tiny_model(arch))
    recalibrate_batchnorm(G, batches=2, batch_size=16)  # fresh BN statistics give outputs of a normal scale
    a = generate(G, [0] * 4, [1, 2, 3, 4])
    b = generate(G, [7] * 4, [1, 2, 3, 4])
    assert a.shape == (4, 1, 28, 28)  # cropped to the dataset's native size
    assert (a - b).abs().mean() > 1e-3


@pytest.mark.parametrize("arch", ["fast", "reference"])
def test_same_seed_gives_same_image_at_batch_size_1_and_64(arch):
    torch.manual_seed(0)
    G = build_generator(tiny_model(arch))
    recalibrate_batchnorm(G, batches=2, batch_size=16)
    seeds = list(range(100, 164))
    labels = [s % 10 for s in seeds]
    batch = generate(G, labels, seeds)
    single = generate(G, labels[37:38], seeds[37:38])
    torch.testing.assert_close(batch[37:38], single, rtol=1e-5, atol=1e-5)
    assert (batch[0] - batch[1]).abs().max() > 1e-3  # and different seeds differ


def test_config_rejects_unbuildable_values():
    with pytest.raises(ValueError, match="arch"):
        ModelConfig(arch="nope").validate()
    with pytest.raises(ValueError, match="32x32"):
        ModelConfig(arch="reference", image_size=28).validate()
    with pytest.raises(ValueError, match="class names"):
        ModelConfig(num_classes=3).validate()
    with pytest.raises(ValueError, match="unknown model config keys"):
        ModelConfig.from_dict({"arch": "fast", "colour": 1})


DESIGN_VARIANTS = [dict(g_norm="conditional"), dict(g_upsample="nearest"), dict(d_depth=2), dict(d_norm="none"),
                   dict(d_head="spatial"), dict(g_norm="conditional", g_upsample="nearest", d_depth=2),
                   dict(d_depth=2, d_norm="none", d_head="spatial", d_classifier=True),
                   dict(g_output="full-range"), dict(g_output="full-range-clipped")]


@pytest.mark.parametrize("overrides", DESIGN_VARIANTS)
def test_design_options_build_and_condition_on_the_label(overrides):
    torch.manual_seed(0)
    config = tiny_model("fast", **overrides)
    G, D = build_generator(config), build_discriminator(config)
    recalibrate_batchnorm(G, batches=2, batch_size=16)
    a = generate(G, [0] * 4, [1, 2, 3, 4])
    b = generate(G, [7] * 4, [1, 2, 3, 4])
    assert a.shape == (4, 1, 28, 28) and a.min() >= -1 and a.max() <= 1
    assert (a - b).abs().mean() > 1e-3
    with torch.no_grad():
        logits = D(a.clone(), one_hot(torch.zeros(4), 10))
    assert logits.shape == (4,) and torch.isfinite(logits).all()


def test_conditional_batchnorm_uses_one_scale_and_shift_per_class():
    from cgan.models import ConditionalBatchNorm2d

    norm = ConditionalBatchNorm2d(3, num_classes=4)
    with torch.no_grad():
        norm.gain.weight.copy_(torch.arange(12.0).view(3, 4))
        norm.shift.weight.fill_(0.5)
    norm.eval()  # running statistics 0/1: the normalisation is the identity
    x = torch.ones(2, 3, 2, 2)
    out = norm(x, one_hot(torch.tensor([1, 3]), 4))
    assert torch.allclose(out[0, :, 0, 0], torch.tensor([1.0, 5.0, 9.0]) + 0.5, atol=1e-4)
    assert torch.allclose(out[1, :, 0, 0], torch.tensor([3.0, 7.0, 11.0]) + 0.5, atol=1e-4)
    mixed = norm(x[:1], torch.tensor([[0.0, 0.5, 0.0, 0.5]]))  # a class mix mixes the pairs
    assert torch.allclose(mixed[0, :, 0, 0], (out[0, :, 0, 0] + out[1, :, 0, 0]) / 2, atol=1e-4)


def test_discriminator_weights_are_spectral_normed_unless_told_otherwise():
    parametrized = lambda net: sum(hasattr(m, "weight_orig") for m in net.modules())  # noqa: E731
    normed, plain = build_discriminator(tiny_model("fast")), build_discriminator(tiny_model("fast", d_norm="none"))
    assert parametrized(normed) == 5 and parametrized(plain) == 0  # 3 convs, the logit and the projection
    assert [type(m) for m in normed.modules()] == [type(m) for m in plain.modules()]


@pytest.mark.parametrize("arch", ["fast", "reference", "paper"])
def test_a_full_range_generator_draws_every_image_from_black_to_white_with_the_same_weights(arch):
    size = 32 if arch == "reference" else 28
    tanh, stretched = (build_generator(tiny_model(arch, image_size=size, g_output=out)) for out in ("tanh", "full-range"))
    recalibrate_batchnorm(tanh, batches=2, batch_size=16)  # statistics that spread the untrained output
    stretched.load_state_dict(tanh.state_dict())  # a parameter-free last step: the same weights
    tanh.eval(), stretched.eval()
    z, condition = torch.randn(5, tanh.config.z_dim), one_hot(torch.arange(5), 10)
    with torch.no_grad():
        plain, full = tanh(z, condition), stretched(z, condition)
    assert torch.allclose(full.amin(dim=(1, 2, 3)), torch.full((5,), -1.0))
    assert torch.allclose(full.amax(dim=(1, 2, 3)), torch.full((5,), 1.0))
    low, high = plain.amin(dim=(1, 2, 3), keepdim=True), plain.amax(dim=(1, 2, 3), keepdim=True)
    assert torch.allclose(full, (plain - low) / (high - low) * 2 - 1, atol=1e-5)  # linear, per image
    flat = full_range(torch.full((1, 1, 4, 4), 0.3))
    assert torch.isfinite(flat).all() and flat.unique().numel() == 1  # a flat image stays flat


def test_a_clipped_full_range_generator_cuts_the_ends_of_the_range_to_pure_black_and_white():
    full, clipped = (build_generator(tiny_model("fast", g_output=out)) for out in ("full-range", "full-range-clipped"))
    recalibrate_batchnorm(full, batches=2, batch_size=16)
    clipped.load_state_dict(full.state_dict())  # the same weights: the clip has no parameters
    full.eval(), clipped.eval()
    z, condition = torch.randn(6, full.config.z_dim), one_hot(torch.arange(6), 10)
    with torch.no_grad():
        stretched, cut = full(z, condition), clipped(z, condition)
    assert cut.min() == -1 and cut.max() == 1
    edge = 1 / (1 + CLIP_MARGIN)  # stretched values past it become pure black or white
    assert torch.equal(cut == -1, stretched <= -edge) and torch.equal(cut == 1, stretched >= edge)
    inside = stretched.abs() < edge
    assert inside.any() and torch.allclose(cut[inside], stretched[inside] * (1 + CLIP_MARGIN))
    assert (cut == -1).sum() > (stretched == -1).sum()  # more than the one darkest pixel per image


def test_the_clip_passes_its_gradient_straight_through_and_keeps_its_values_exact():
    values = torch.linspace(-1, 1, 16)
    values[1], values[14] = -0.99, 0.99  # inside the range, past black and white once stretched
    images = values.view(1, 1, 4, 4).requires_grad_(True)
    cut = full_range_clipped(images)
    with torch.no_grad():
        assert torch.equal(cut, full_range_clipped(images))  # the same values with and without a graph
    assert cut[0, 0, 0, 1] == -1 and cut[0, 0, 3, 2] == 1  # exactly black and white
    (grad,) = torch.autograd.grad(cut[0, 0, 0, 1] - cut[0, 0, 3, 2], images)
    assert grad[0, 0, 0, 1] > 0 and grad[0, 0, 3, 2] < 0  # clipped pixels still learn, each its own way


def test_a_spectral_normed_discriminator_becomes_plain_weights_with_the_same_logits():
    normed = build_discriminator(tiny_model("fast", d_head="spatial", d_classifier=True))
    images, condition = torch.randn(6, 1, 28, 28), one_hot(torch.arange(6), 10)
    normed.train()
    for _ in range(3):  # power iterations move the stored norm estimate away from its first draw
        normed(images, condition)
    plain = build_discriminator(tiny_model("fast", d_head="spatial", d_classifier=True, d_norm="none"))
    plain.load_state_dict(plain_discriminator_weights(normed.state_dict(), plain.config))
    normed.eval(), plain.eval()
    with torch.no_grad():
        (logit, classes), (plain_logit, plain_classes) = normed(images, condition, True), plain(images, condition, True)
    assert torch.allclose(logit, plain_logit, atol=1e-5) and torch.allclose(classes, plain_classes, atol=1e-5)
    assert not any(hasattr(m, "weight_orig") for m in plain.modules())
    raw = normed.state_dict()["features.0.weight_orig"]
    assert not torch.allclose(plain.state_dict()["features.0.weight"], raw)  # divided by its norm, not copied


def test_a_spatial_head_weighs_each_position_where_the_pooled_head_sums_them():
    torch.manual_seed(0)
    config = tiny_model("fast", d_head="spatial")
    D = build_discriminator(config).eval()
    assert D.linear.weight_orig.shape == (1, 4 * config.d_dim * 7 * 7)
    pooled = build_discriminator(tiny_model("fast")).eval()
    images, condition = torch.randn(1, 1, 28, 28), one_hot(torch.tensor([3]), 10)
    moved = images.roll(4, dims=3)  # the same content four pixels to the right
    with torch.no_grad():
        shift = lambda net: (net(images, condition) - net(moved, condition)).abs().item()  # noqa: E731
        assert shift(D) > 10 * shift(pooled)  # the pooled head barely notices where a pattern is
    with pytest.raises(ValueError, match="spatial"):
        tiny_model("reference", d_head="spatial").validate()


def test_deeper_discriminator_adds_a_conv_at_each_lower_resolution():
    shallow = build_discriminator(tiny_model("fast"))
    deep = build_discriminator(tiny_model("fast", d_depth=2))
    count = lambda net: sum(isinstance(m, torch.nn.Conv2d) for m in net.modules())  # noqa: E731
    assert count(deep) == count(shallow) + 2


@pytest.mark.parametrize("arch", ["fast", "reference"])
def test_an_auxiliary_classifier_head_gives_class_logits_beside_the_logit(arch):
    config = tiny_model(arch, d_classifier=True)
    D = build_discriminator(config).eval()  # eval: spectral norm's power iteration does not move between calls
    images = torch.randn(4, 1, config.image_size, config.image_size)
    condition = one_hot(torch.arange(4), config.num_classes)
    with torch.no_grad():
        logit, classes = D(images, condition, classes=True)
        assert torch.equal(D(images, condition), logit)  # the adversarial logit does not change
    assert logit.shape == (4,) and classes.shape == (4, config.num_classes)
    plain = build_discriminator(tiny_model(arch))
    assert not hasattr(plain, "classify")  # off by default: old checkpoints keep their state-dict keys
    with pytest.raises(ValueError, match="convolutional discriminator"):
        tiny_model("paper", d_classifier=True).validate()


def test_config_rejects_unknown_design_options():
    with pytest.raises(ValueError, match="g_norm"):
        ModelConfig(g_norm="layer").validate()
    with pytest.raises(ValueError, match="g_upsample"):
        ModelConfig(g_upsample="bilinear").validate()
    with pytest.raises(ValueError, match="d_depth"):
        ModelConfig(d_depth=0).validate()
    with pytest.raises(ValueError, match="d_norm"):
        ModelConfig(d_norm="layer").validate()
    with pytest.raises(ValueError, match="g_output"):
        ModelConfig(g_output="sigmoid").validate()


def test_a_config_naming_a_dropped_design_loads_at_its_kept_value_and_is_refused_otherwise():
    data = tiny_model("fast").to_dict()
    assert ModelConfig.from_dict(data | {"g_refine": 0, "d_input": "image"}) == ModelConfig.from_dict(data)
    with pytest.raises(ValueError, match="g_refine=2 is a design this version no longer builds"):
        ModelConfig.from_dict(data | {"g_refine": 2})
    with pytest.raises(ValueError, match="d_input='image\\+dark'"):
        ModelConfig.from_dict(data | {"d_input": "image+dark"})
    with pytest.raises(ValueError, match="unknown d_norm 'batch'; choose one of spectral, none"):
        ModelConfig.from_dict(data | {"d_norm": "batch"})
