"""The evaluation's metrics on cases whose answers are known."""
import numpy as np
import pytest

from cgan.evaluation import metrics
from cgan.evaluation.classifier import load_classifier
from cgan.data import load_dataset
from cgan.evaluation.classifier import SHIPPED_EVALUATOR
from cgan.evaluation.report import balanced_subset, compare, evaluate_generator, format_table

PER_CLASS = 200


@pytest.fixture(scope="module")
def real():
    classifier, info = load_classifier(SHIPPED_EVALUATOR)
    train, test = load_dataset("fashion-mnist"), load_dataset("fashion-mnist", train=False)
    test_images, test_labels = balanced_subset(test.images, test.labels, PER_CLASS, 0)
    train_a, labels_a = balanced_subset(train.images, train.labels, PER_CLASS, 1)
    train_b, labels_b = balanced_subset(train.images, train.labels, PER_CLASS, 2)
    return dict(classifier=classifier, info=info, test=(test_images, test_labels), a=(train_a, labels_a),
                b=(train_b, labels_b))


def score(real, fake, fake_labels, gan_train=False):
    return compare(fake, fake_labels, classifier=real["classifier"], real_test=real["test"][0],
                   test_labels=real["test"][1], real_train=real["a"][0], train_labels=real["a"][1],
                   num_classes=10, gan_train=gan_train)


def test_frechet_distance_of_known_gaussians():
    rng = np.random.default_rng(0)
    a = rng.normal(0, 1, (20000, 4))
    b = rng.normal(0, 2, (20000, 4)) + 1
    # mean term 4*1 + trace term 4*(1 + 4 - 2*2) = 8
    assert metrics.frechet_distance(a, b) == pytest.approx(8.0, rel=0.05)
    assert metrics.frechet_distance(a, a) == pytest.approx(0.0, abs=1e-8)


def test_evaluator_shipped_with_its_accuracy():
    _, info = load_classifier(SHIPPED_EVALUATOR)
    assert info["test_accuracy"] > 0.88 and info["class_names"][0] == "T-shirt/top"


def test_real_against_real_sits_at_the_floor(real):
    result = score(real, *real["b"], gan_train=True)
    assert result["fid"] < 2.5 * result["fid_floor"] + 0.5
    assert abs(result["precision"] - result["real_precision"]) < 0.06
    assert abs(result["recall"] - result["real_recall"]) < 0.06
    assert result["class_consistency"] > 0.85
    assert result["gan_train_vs_real"] > 0.9
    # each class against its own real floor (the mean of those floors is intra_fid_floor)
    assert np.mean(result["intra_fid_floor_per_class"]) == pytest.approx(result["intra_fid_floor"])
    assert max(result["intra_fid_vs_floor_per_class"]) < 4


def test_a_generator_that_ignores_its_label_scores_chance_consistency(real):
    images, labels = real["b"]
    shuffled = np.random.default_rng(0).permutation(labels)
    result = score(real, images, shuffled)
    assert 0.05 < result["class_consistency"] < 0.18
    assert result["intra_fid"] > 5 * result["intra_fid_floor"]


def test_a_collapsed_generator_has_no_recall_and_high_intra_class_fid(real):
    images, labels = real["b"]
    firsts = {c: images[np.flatnonzero(labels == c)[0]] for c in range(10)}
    collapsed = np.stack([firsts[c] for c in labels])
    result = score(real, collapsed, labels)
    assert result["recall"] < 0.05
    assert result["intra_fid"] > 10 * result["intra_fid_floor"]
    assert min(result["intra_fid_vs_floor_per_class"]) > 5  # every class, each against its own floor
    assert result["fid"] > 5 * result["fid_floor"]


def test_evaluate_runs_on_a_generator(tiny_export):
    from cgan.export import load_export

    generator = load_export(tiny_export)
    result = evaluate_generator(generator, per_class=20, gan_train=False, progress=False)
    for key in ("class_consistency", "fid", "fid_floor", "intra_fid", "precision", "recall"):
        assert np.isfinite(result[key])
    assert set(result["targets"]) == {"class_consistency_gap", "fid_vs_floor", "intra_fid_vs_floor", "precision",
                                      "recall", "ae_fid_vs_floor"}  # no detector or GAN-train asked for
    assert result["class_consistency_gap"] == abs(result["class_consistency"] - result["real_test_accuracy"])
    assert result["targets"]["intra_fid_vs_floor"] is (result["intra_fid"] <= 2 * result["intra_fid_floor"])
    table = format_table(result, generator.config.class_names)  # what `python -m cgan.evaluate` prints
    rows = [line for line in table.splitlines() if line.startswith("| Sandal |")]
    assert len(rows) == 1 and rows[0].count("|") == 6  # class, consistency, intra-FID, its floor, ratio


def test_an_untrained_generator_fails_the_label_free_and_detector_checks(tiny_export, tmp_path, monkeypatch):
    from cgan.export import load_export

    monkeypatch.setenv("CGAN_CACHE", str(tmp_path))  # the floor is measured here, not read from an earlier run
    generator = load_export(tiny_export)  # six training steps: blobs, far from clothes
    result = evaluate_generator(generator, per_class=30, gan_train=False, progress=False, detector_seeds=(0, 1))
    assert result["ae_fid"] > 5 * result["ae_fid_floor"] and result["ae_recall"] < 0.2
    assert result["detector"] > 0.9 and len(result["detector_per_seed"]) == 2
    assert abs(result["detector_floor"] - 0.5) < 0.2
    assert result["targets"]["detector"] is False and result["targets"]["ae_fid_vs_floor"] is False
    table = format_table(result, generator.config.class_names)
    assert "two-sample detector accuracy" in table and "label-free autoencoder" in table


def test_real_images_pass_the_label_free_checks(fashion):
    from cgan.evaluation.autoencoder import load_autoencoder
    from cgan.evaluation.report import label_free

    autoencoder, _ = load_autoencoder(SHIPPED_EVALUATOR)
    pixels = fashion.pixels()
    result = label_free(autoencoder, pixels[:2000], pixels[2000:4000], pixels[4000:6000])
    assert result["ae_fid"] < 2 * result["ae_fid_floor"] + 0.5  # real against real: at its floor
    assert result["ae_recall"] > 0.8 and result["ae_precision"] > 0.8
