"""The filters experiments/detector_scales.py shows the detector images through, the design overrides of
experiments/discriminator_as_detector.py and the per-image tests of experiments/image_statistics.py."""
import numpy as np
import pytest

from conftest import load_experiment as load


@pytest.fixture(scope="module")
def scales():
    return load("detector_scales")


def test_random_crops_are_pieces_of_each_image_at_the_same_positions_for_equal_sets(scales):
    images = np.arange(5 * 28 * 28, dtype=np.int64).reshape(5, 28, 28) % 251
    crops = scales.random_crops(images.astype(np.uint8), 8, seed=3)
    assert crops.shape == (5, 8, 8)
    for image, crop in zip(images, crops):
        r, c = np.argwhere(image == crop[0, 0])[0]  # the values of each row are distinct: one match
        assert np.array_equal(image[r:r + 8, c:c + 8], crop)
    assert np.array_equal(crops, scales.random_crops(images.astype(np.uint8), 8, seed=3))


def test_random_shifts_move_each_image_by_zero_or_one_pixel_and_fill_with_zeros(scales):
    images = np.random.default_rng(0).integers(1, 256, (40, 6, 6)).astype(np.uint8)
    shifted = scales.random_shifts(images, seed=1)
    moves = set()
    for image, out in zip(images, shifted):
        dy, dx = int(out[0].sum() == 0), int(out[:, 0].sum() == 0)  # a zero first row (column): moved down (right)
        assert np.array_equal(out[dy:, dx:], image[:6 - dy, :6 - dx])
        moves.add((dy, dx))
    assert moves == {(0, 0), (0, 1), (1, 0), (1, 1)}


def test_spectrum_matching_gives_the_targets_mean_power_and_keeps_each_mean(scales):
    rng = np.random.default_rng(0)
    smooth = np.clip(rng.normal(128, 20, (200, 16, 16)), 0, 255)
    smooth = ((smooth + np.roll(smooth, 1, 1) + np.roll(smooth, 1, 2)) / 3).astype(np.uint8)  # less fine detail
    target = np.clip(rng.normal(128, 20, (200, 16, 16)), 0, 255).astype(np.uint8)
    matched = scales.spectrum_matched(smooth, target)
    wanted = scales.mean_power(target)[1:, 1:]  # leaves out frequency (0, 0), the removed mean, which has no power
    before = np.abs(scales.mean_power(smooth)[1:, 1:] / wanted - 1).mean()
    after = np.abs(scales.mean_power(matched)[1:, 1:] / wanted - 1).mean()
    assert before > 0.3 and after < 0.05
    assert np.abs(matched.mean(axis=(1, 2)) - smooth.mean(axis=(1, 2))).max() < 1.0


def test_design_variants_parse_into_config_overrides():
    parse = load("discriminator_as_detector").parse_variant
    assert parse("shipped:") == ("shipped", {})
    assert parse("wide, plain:d_dim=64,d_norm=none") == ("wide, plain", {"d_dim": 64, "d_norm": "none"})


@pytest.fixture(scope="module")
def image_statistics():
    return load("image_statistics")


def test_a_per_class_threshold_finds_a_number_that_separates_each_class_in_its_own_direction(image_statistics):
    rng = np.random.default_rng(0)
    classes = np.repeat([0, 1], 200)
    y = np.tile(np.repeat([1, 0], 100), 2)  # half real, half generated in each class
    shift = np.where(classes == 0, 1.0, -1.0) * np.where(y == 1, 3.0, 0.0)  # real higher in 0, lower in 1
    value = rng.normal(size=400) + shift
    fit, score = np.arange(0, 400, 2), np.arange(1, 400, 2)
    assert image_statistics.threshold_accuracy(value, y, classes, fit, score) > 0.9
    same = rng.normal(size=400)  # the same distribution for both: about chance on the scored half
    assert 0.35 < image_statistics.threshold_accuracy(same, y, classes, fit, score) < 0.65


def test_per_image_statistics_read_range_and_fine_detail(image_statistics):
    flat = np.full((1, 28, 28), 128, dtype=np.uint8)
    checker = ((np.indices((28, 28)).sum(0) % 2) * 255).astype(np.uint8)[None]
    stats = image_statistics.statistics(np.concatenate([flat, checker]))
    assert stats["brightest pixel"].tolist() == pytest.approx([128 / 255, 1.0])
    assert stats["fine detail (mean squared Laplacian)"][0] == 0 < stats["fine detail (mean squared Laplacian)"][1]
    assert stats["high-band power share (>= 11 cycles)"][1] > 0.99  # all of a checkerboard's power is at (14, 14)
    assert stats["hard edges (0 beside > 50)"].tolist() == [0.0, 1.0]  # every neighbour of a 0 is 255, and back
    ramp = np.zeros((1, 4, 4), np.uint8)
    ramp[0, :, 1], ramp[0, :, 2], ramp[0, :, 3] = 20, 60, 200  # black, faint, bright: no pair is 0 beside > 50
    assert image_statistics.hard_edges(ramp).item() == 0.0
    assert image_statistics.statistics(ramp)["faint pixels (1..30)"].item() == 0.25


def test_the_faint_halo_counts_faint_pixels_two_or_three_steps_from_the_garment_only(image_statistics):
    row = np.zeros((1, 1, 9), np.uint8)
    row[0, 0, 0] = 200  # the garment; then faint pixels at 1, 2, 3 and 4 steps from it, and one too bright
    row[0, 0, 1:6] = [4, 5, 6, 7, 20]
    assert image_statistics.faint_halo(row).item() == 2 / 9  # steps 2 and 3; 1 is the ramp, 4 too far
    assert image_statistics.faint_halo(np.zeros((1, 9, 9), np.uint8)).item() == 0
    rows = image_statistics.band_table({"row": row})
    assert rows[3] == "| row | 1–6 | 33.33% | 0.33 | 0.33 | 0.33 | 0.00 |"  # levels 4, 5, 6 at 1, 2, 3 steps
    assert rows[2] == "| row | 0–0 | 33.33% | 0.00 | 0.00 | 0.00 | 1.00 |"  # the black pixels lie 6 to 8 steps out


def test_sharpening_cuts_a_soft_outline_to_black_and_leaves_flat_images_alone(scales):
    ramp = np.zeros((1, 8, 8), np.uint8)
    ramp[0, :, 3], ramp[0, :, 4:] = 40, 200  # black, a faint step, then the garment
    out = scales.sharpened(ramp, 1.0)
    assert out.dtype == np.uint8 and out.shape == ramp.shape
    assert out[0, 4, 3] < ramp[0, 4, 3] and out[0, 4, 4] > ramp[0, 4, 4]  # the step is steepened on both sides
    assert out[0, 4, 2] == 0  # undershoot below black is clipped
    flat = np.full((1, 8, 8), 90, np.uint8)
    assert np.array_equal(scales.sharpened(flat, 1.0), flat)


def test_clipping_spreads_the_grey_levels_and_cuts_the_ends_to_black_and_white(image_statistics):
    levels = np.array([[[0, 5, 7, 128, 200, 249, 255]]], np.uint8)
    out = image_statistics.clipped(levels, 0.05)
    assert out.dtype == np.uint8
    # 5 and 249 lie within 6.4 grey levels of the ends (127.5 * 0.05 / 1.05): pure black and white; the rest spread
    assert out[0, 0].tolist() == [0, 0, 1, 128, 204, 255, 255]
    assert np.array_equal(image_statistics.clipped(levels, 0.0), levels)
