"""The memorisation check: nearest training images in the evaluation network's feature space."""
import numpy as np
import pytest

from cgan.evaluation.classifier import Classifier
from cgan.evaluation.nearest import NearestIndex, describe_distance


@pytest.fixture(scope="module")
def index(tmp_path_factory, fashion):
    import torch

    torch.manual_seed(0)
    classifier = Classifier(channels=1, image_size=28, num_classes=10).eval()  # random features suffice here
    images = fashion.images[:600, 0].numpy()
    labels = fashion.labels[:600].numpy()
    cache = tmp_path_factory.mktemp("nearest") / "index.npz"
    built = NearestIndex.build(classifier, train_images=images[:500], train_labels=labels[:500],
                               test_images=images[500:], class_names=fashion.class_names, cache=cache)
    return built, cache, images


def test_a_training_image_finds_itself_first_at_distance_zero(index):
    built, _, images = index
    found = built.query(images[42])
    assert len(found) == 3
    assert found[0]["index"] == 42 and found[0]["distance"] == pytest.approx(0.0, abs=1e-3)
    assert [n["distance"] for n in found] == sorted(n["distance"] for n in found)
    assert np.array_equal(found[0]["image"], images[42])
    assert found[0]["class_name"] in built.class_names
    assert built.share_of_test_closer(found[0]["distance"]) == 0.0  # closer than every real test image


def test_a_real_test_image_sits_inside_the_reference_distribution(index):
    built, _, images = index
    distance = built.query(images[550])[0]["distance"]
    share = built.share_of_test_closer(distance)
    assert 0.0 <= share < 1.0
    assert distance in built.test_distances or share > 0.0


def test_the_index_is_cached_and_reloads_identically(index, fashion):
    built, cache, images = index
    assert cache.is_file()
    again = NearestIndex.build(built.classifier, train_images=images[:500], train_labels=built.train_labels,
                               test_images=images[500:], class_names=fashion.class_names, cache=cache)
    np.testing.assert_array_equal(again.train_features.numpy(), built.train_features.numpy())
    np.testing.assert_array_equal(again.test_distances, built.test_distances)


def test_the_verdict_names_copies_and_non_copies():
    assert "possibly a copy" in describe_distance(0.1, 0.0)
    assert "not a copy" in describe_distance(5.0, 0.4)
