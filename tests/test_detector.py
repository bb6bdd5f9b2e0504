"""The two-sample detector and the label-free feature space: they measure what they claim, on real images."""
import numpy as np
import pytest

from cgan.evaluation import detector
from cgan.evaluation.autoencoder import (autoencoder_features, fit_autoencoder, load_autoencoder,
                                         reconstruction_error, save_autoencoder)
from cgan.evaluation.detector import blur, two_sample_accuracy


@pytest.fixture(scope="module")
def pixels(fashion):
    return fashion.pixels()[:4000]


def test_blur_keeps_flat_images_and_the_mean_and_softens_edges():
    flat = np.full((2, 28, 28), 130, dtype=np.uint8)
    assert (blur(flat, 0.5) == flat).all()
    edge = np.zeros((1, 28, 28), dtype=np.uint8)
    edge[:, :, 14:] = 255
    soft = blur(edge, 0.5)
    assert 0 < soft[0, 5, 13] < 255 and 0 < soft[0, 5, 14] < 255  # the step is no longer sharp
    assert abs(soft.astype(float).mean() - edge.astype(float).mean()) < 1.0


def test_the_detector_tells_real_from_inverted_and_not_real_from_real(pixels):
    inverted = two_sample_accuracy(pixels[:1000], 255 - pixels[1000:2000], max_epochs=3, patience=1)
    same = two_sample_accuracy(pixels[:1000], pixels[2000:3000], max_epochs=3, patience=1)
    assert inverted["accuracy"] > 0.95
    assert abs(same["accuracy"] - 0.5) < 0.1  # no leak from training to scoring halves
    assert inverted["test_images"] == 1000


def test_the_detector_says_which_images_it_scored_and_how(pixels):
    real, other = pixels[:300], 255 - pixels[300:700]  # 400 others: 300 of them are used, 150 scored
    result = two_sample_accuracy(real, other, max_epochs=3, patience=1)
    scored_real, scored_other, p = result["scored_real"], result["scored_other"], result["p_generated"]
    assert len(scored_real) == len(scored_other) == 150 and len(p) == 300
    assert len(set(scored_real)) == 150 and scored_other.max() < 400
    calls = np.concatenate([p[:150] < 0.5, p[150:] > 0.5])
    assert calls.mean() == pytest.approx(result["accuracy"])
    assert result["accuracy"] > 0.95
    # the indices name the images scored: the inverted ones are mostly bright, the real ones mostly dark
    assert other[scored_other].mean() > 128 > real[scored_real].mean()


def test_the_detector_stops_once_held_out_accuracy_stops_rising(pixels):
    result = two_sample_accuracy(pixels[:600], pixels[600:1200], max_epochs=30, patience=2, min_epochs=0)
    assert result["epochs"] < 30  # real vs real: nothing to learn, so it stops early


def test_the_detector_trains_its_minimum_before_patience_can_stop_it(monkeypatch, pixels):
    seen = []
    real_accuracy = detector._accuracy
    monkeypatch.setattr(detector, "_accuracy", lambda logits, y: seen.append(1) or real_accuracy(logits, y))
    two_sample_accuracy(pixels[:200], pixels[200:400], max_epochs=30, patience=1, min_epochs=8)
    assert len(seen) >= 8 + 1  # eight held-out checks at least, then the final score on the test halves


def test_the_real_vs_real_floor_is_measured_once_per_sets_and_seed(pixels, tmp_path, monkeypatch):
    monkeypatch.setenv("CGAN_CACHE", str(tmp_path))
    measured = []

    def measure(real, other, *, seed, progress=False):
        measured.append(seed)
        return {"accuracy": 0.5 + seed / 100}

    monkeypatch.setattr(detector, "two_sample_accuracy", measure)
    a, b, c = pixels[:100], pixels[100:200], pixels[200:300]
    assert detector.floor_accuracy(a, b, seed=3) == 0.53
    assert detector.floor_accuracy(a, b, seed=3) == 0.53 and measured == [3]  # the second time from the cache
    detector.floor_accuracy(a, c, seed=3)
    detector.floor_accuracy(a, b, seed=4)
    assert measured == [3, 3, 4]  # other real images or another seed: measured anew
    report = detector.detector_report(a, b, c, seeds=(3, 4))
    assert report["detector_floor_per_seed"] == [0.53, 0.54]
    assert measured == [3, 3, 4, 3, 4]  # real vs generated always measured; the floors came from the cache
    for entry in (tmp_path / "detector-floor").iterdir():
        entry.write_text("{not json")
    assert detector.floor_accuracy(a, b, seed=3) == 0.53 and measured == [3, 3, 4, 3, 4, 3]  # broken: remeasured


def test_autoencoder_features_are_label_free_and_survive_save_and_load(pixels, tmp_path):
    untrained = fit_autoencoder(pixels[:256], epochs=0)
    model = fit_autoencoder(pixels, epochs=1)
    assert reconstruction_error(model, pixels[:500]) < 0.5 * reconstruction_error(untrained, pixels[:500])
    save_autoencoder(model, tmp_path, {"dataset": "fashion-mnist"})
    loaded, info = load_autoencoder(tmp_path)
    features = autoencoder_features(model, pixels[:50])
    assert features.shape == (50, 64) and info["dataset"] == "fashion-mnist"
    np.testing.assert_array_equal(features, autoencoder_features(loaded, pixels[:50]))


def test_a_missing_autoencoder_says_how_to_train_one(tmp_path):
    with pytest.raises(FileNotFoundError, match="train_evaluator --network autoencoder"):
        load_autoencoder(tmp_path)
