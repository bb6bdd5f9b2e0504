"""The app's inference functions, called directly (no browser)."""
import numpy as np
import pytest
import torch

from cgan.explorer.inference import Explorer, latent_directions
from cgan.explorer.pictures import gif_bytes, gif_frame_count
from cgan.export import load_export
from cgan.sampling import generate, to_uint8


@pytest.fixture(scope="module")
def explorer(tiny_export):
    return Explorer.create(load_export(tiny_export), sliders=8)


def test_the_same_seed_gives_the_same_image_and_others_differ(explorer):
    a = explorer.generate("Dress", 42)
    assert a.shape == (1, 28, 28) and a.dtype == np.uint8
    assert np.array_equal(a, explorer.generate("Dress", 42))
    assert not np.array_equal(a, explorer.generate("Dress", 43))


def test_sliders_at_zero_equal_the_plain_sample(explorer):
    plain = to_uint8(generate(explorer.generator, [3], [7]))
    assert np.array_equal(explorer.generate("Dress", 7, sliders=[0.0] * 8), plain)
    moved = explorer.generate("Dress", 7, sliders=[3.0] + [0.0] * 7)
    assert not np.array_equal(moved, plain)


def test_directions_are_orthonormal_and_ordered(explorer):
    d = explorer.directions
    assert d.shape == (8, explorer.generator.config.z_dim)
    torch.testing.assert_close(d @ d.T, torch.eye(8), atol=1e-4, rtol=0)
    assert torch.equal(d, latent_directions(explorer.generator, 8))  # same on every load


def test_mixing_weight_0_and_1_equal_the_pure_classes(explorer):
    pure_a = explorer.generate("Trouser", 5)
    pure_b = explorer.generate("Bag", 5)
    assert np.array_equal(explorer.generate("Trouser", 5, mix_class="Bag", mix_weight=0.0), pure_a)
    assert np.array_equal(explorer.generate("Trouser", 5, mix_class="Bag", mix_weight=1.0), pure_b)


def test_grid_and_class_grid_shapes(explorer):
    assert explorer.generate("Coat", 1, side=8).shape == (64, 28, 28)
    grid = explorer.class_grid(3, columns=4)
    assert grid.shape == (40, 28, 28)
    # same latents in each column: column 0 of row "Sandal" is the plain Sandal sample of seed 3
    assert np.array_equal(grid[5 * 4], explorer.generate("Sandal", 3)[0])


def test_interpolation_endpoints_equal_the_endpoint_samples(explorer):
    for mode in ("linear", "spherical"):
        frames = explorer.interpolate("Sneaker", 11, "Ankle boot", 12, steps=9, mode=mode)
        assert frames.shape == (9, 28, 28)
        assert np.array_equal(frames[0], explorer.generate("Sneaker", 11)[0])
        assert np.abs(frames[-1].astype(int) - explorer.generate("Ankle boot", 12)[0].astype(int)).max() <= 1


def test_gif_has_the_requested_frames(explorer):
    frames = explorer.interpolate("Sneaker", 1, "Bag", 2, steps=12)
    assert gif_frame_count(gif_bytes(frames)) == 12
    assert gif_frame_count(gif_bytes(frames, ping_pong=True)) == 12 + 10


@pytest.mark.parametrize("call, phrase", [
    (lambda e: e.generate("Hat", 1), "unknown class 'Hat'"),
    (lambda e: e.generate("Dress", -1), "seed must be a whole number from 0 to 4294967295"),
    (lambda e: e.generate("Dress", 2**32), "seed must be"),
    (lambda e: e.generate("Dress", 1, sliders=[float("nan")]), "each slider value must be a number from -3 to 3"),
    (lambda e: e.generate("Dress", 1, sliders=[3.5]), "each slider value"),
    (lambda e: e.generate("Dress", 1, side=9), "grid side"),
    (lambda e: e.interpolate("Dress", 1, "Bag", 2, steps=65), "steps must be a whole number from 2 to 64"),
    (lambda e: e.interpolate("Dress", 1, "Bag", 2, steps=1), "steps must be"),
])
def test_bad_input_says_what_is_allowed(explorer, call, phrase):
    with pytest.raises(ValueError, match=phrase.replace("(", r"\(")):
        call(explorer)


def test_direction_strips_hold_the_current_image_at_the_middle_of_each_row(explorer):
    from cgan.explorer.inference import STRIP_VALUES

    sliders = [0.5, 0, 0, -1.0, 0, 0, 0, 0]
    strips = explorer.direction_strips("Bag", 11, sliders=sliders)
    assert strips.shape == (8 * len(STRIP_VALUES), 28, 28)
    current = explorer.generate("Bag", 11, sliders=sliders)[0]
    middle = STRIP_VALUES.index(0.0)
    # Row 1 moves direction 1, whose current value is 0: its middle frame is the current image.
    np.testing.assert_array_equal(strips[len(STRIP_VALUES) + middle], current)
    # Row 0 at +3 equals the image with slider 0 set to 3.
    np.testing.assert_array_equal(strips[len(STRIP_VALUES) - 1],
                                  explorer.generate("Bag", 11, sliders=[3.0] + sliders[1:])[0])


def test_every_direction_gets_a_description_from_measured_effects(explorer):
    from cgan.explorer.inference import image_properties

    assert len(explorer.descriptions) == len(explorer.directions)
    assert all(isinstance(text, str) and text for text in explorer.descriptions)
    wide = np.zeros((1, 28, 28), np.uint8)
    wide[0, 10:14, 2:26] = 200
    narrow = np.zeros((1, 28, 28), np.uint8)
    narrow[0, 4:24, 12:16] = 100
    a, b = image_properties(wide), image_properties(narrow)
    assert a["width"][0] > b["width"][0] and a["height"][0] < b["height"][0]
    assert a["brightness"][0] == pytest.approx(200 / 255) and b["brightness"][0] == pytest.approx(100 / 255)


def test_labelled_rows_put_a_label_column_before_the_grid():
    from cgan.explorer.pictures import labelled_rows
    from cgan.sampling import grid_image

    pixels = np.full((6, 28, 28), 255, np.uint8)
    image = labelled_rows(pixels, ["T-shirt/top", "Ankle boot"], columns=3, scale=2)
    grid = grid_image(pixels, columns=3, scale=2, padding=1)
    assert image.height == grid.height and image.width > grid.width
    label_area = np.asarray(image)[:, : image.width - grid.width]
    assert (label_area < 128).any()  # text was drawn
