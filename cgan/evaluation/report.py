"""The evaluation report: generated images against the real test set in the evaluation network's feature space,
each figure beside its real-data floor, and the targets each one is checked against."""
from __future__ import annotations

import time
from typing import Any

import numpy as np
import torch

from cgan.data import as_pixels, load_dataset
from cgan.evaluation import metrics
from cgan.evaluation.autoencoder import AutoEncoder, autoencoder_features, load_autoencoder
from cgan.evaluation.classifier import SHIPPED_EVALUATOR, accuracy, features_and_probs, fit_classifier, load_classifier
from cgan.evaluation.detector import detector_report
from cgan.sampling import generate_dataset

GAN_TRAIN_EPOCHS = 5
# The quality the project holds generators to; each is checked and reported, never assumed.
TARGETS = {"class_consistency_gap": 0.03, "fid_vs_floor": 2.0, "intra_fid_vs_floor": 2.0, "precision": 0.85,
           "recall": 0.85, "gan_train_vs_real": 0.97, "detector": 0.70, "ae_fid_vs_floor": 2.0}
LOWER_IS_BETTER = {"class_consistency_gap", "fid_vs_floor", "intra_fid_vs_floor", "detector", "ae_fid_vs_floor"}


def label_free(autoencoder: AutoEncoder, fake: np.ndarray, real_test: np.ndarray, real_train: np.ndarray) -> dict:
    """FID, precision and recall in the autoencoder's bottleneck (no labels involved), each beside its real floor."""
    a_fake, a_test, a_train = (autoencoder_features(autoencoder, x) for x in (fake, real_test, real_train))
    fid, floor = metrics.frechet_distance(a_fake, a_test), metrics.frechet_distance(a_train, a_test)
    precision, recall = metrics.precision_recall(a_test, a_fake)
    real_precision, real_recall = metrics.precision_recall(a_test, a_train)
    return {"ae_fid": fid, "ae_fid_floor": floor, "ae_fid_vs_floor": fid / max(floor, 1e-12),
            "ae_precision": precision, "ae_recall": recall, "ae_real_precision": real_precision,
            "ae_real_recall": real_recall}


def white_share(pixels: np.ndarray) -> float:
    """Share of pixels at full intensity (255)."""
    return float((pixels == 255).mean())


def balanced_subset(images: torch.Tensor, labels: torch.Tensor, per_class: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """per_class random images of each class (uint8 numpy, (N, H, W[, 3]))."""
    rng = np.random.default_rng(seed)
    labels_np = labels.numpy()
    picks = np.concatenate([rng.choice(np.flatnonzero(labels_np == c), size=min(per_class, (labels_np == c).sum()),
                                       replace=False) for c in np.unique(labels_np)])
    return as_pixels(images[picks]), labels_np[picks]


def compare(fake: np.ndarray, fake_labels: np.ndarray, *, classifier, real_test: np.ndarray, test_labels: np.ndarray,
            real_train: np.ndarray, train_labels: np.ndarray, num_classes: int, gan_train: bool = True,
            seed: int = 0, autoencoder: AutoEncoder | None = None, detector_seeds=(),
            progress: bool = False) -> dict[str, Any]:
    """All metrics of generated images against the real test set, each beside its real-vs-real value."""
    f_fake, p_fake = features_and_probs(classifier, fake)
    f_test, p_test = features_and_probs(classifier, real_test)
    f_train, _ = features_and_probs(classifier, real_train)
    consistency, per_class = metrics.class_consistency(p_fake, fake_labels, num_classes)
    real_accuracy = float((p_test.argmax(1) == test_labels).mean())
    precision, recall = metrics.precision_recall(f_test, f_fake)
    real_precision, real_recall = metrics.precision_recall(f_test, f_train)
    fid = metrics.frechet_distance(f_fake, f_test)
    floor = metrics.frechet_distance(f_train, f_test)
    intra, intra_per_class = metrics.intra_class_fid(f_fake, fake_labels, f_test, test_labels, num_classes)
    intra_floor, intra_floor_per_class = metrics.intra_class_fid(f_train, train_labels, f_test, test_labels, num_classes)
    result = {
        "class_consistency": consistency, "class_consistency_per_class": per_class,
        "real_test_accuracy": real_accuracy, "class_consistency_vs_real": consistency / real_accuracy,
        "class_consistency_gap": abs(consistency - real_accuracy),  # too sharp a class is as far off as too vague
        "fid": fid, "fid_floor": floor, "fid_vs_floor": fid / max(floor, 1e-12),
        "intra_fid": intra, "intra_fid_per_class": intra_per_class, "intra_fid_floor": intra_floor,
        "intra_fid_vs_floor": intra / max(intra_floor, 1e-12),
        "intra_fid_floor_per_class": intra_floor_per_class,
        "intra_fid_vs_floor_per_class": [a / max(b, 1e-12) for a, b in zip(intra_per_class, intra_floor_per_class)],
        "precision": precision, "recall": recall, "real_precision": real_precision, "real_recall": real_recall,
        "white_share": white_share(fake), "real_white_share": white_share(real_test),
    }
    if autoencoder is not None:
        result.update(label_free(autoencoder, fake, real_test, real_train))
    if detector_seeds:  # real test images against generated ones; the floor: against real training images
        result.update(detector_report(real_test, real_train, fake, seeds=tuple(detector_seeds), progress=progress))
    if gan_train:
        on_fake = fit_classifier(fake, fake_labels, num_classes=num_classes, epochs=GAN_TRAIN_EPOCHS, seed=seed)
        on_real = fit_classifier(real_train, train_labels, num_classes=num_classes, epochs=GAN_TRAIN_EPOCHS, seed=seed)
        result["gan_train_accuracy"] = accuracy(on_fake, real_test, test_labels)
        result["real_train_accuracy"] = accuracy(on_real, real_test, test_labels)
        result["gan_train_vs_real"] = result["gan_train_accuracy"] / result["real_train_accuracy"]
    result["targets"] = {name: (result[name] <= bound if name in LOWER_IS_BETTER else result[name] >= bound)
                         for name, bound in TARGETS.items() if name in result}
    return result


def format_table(result: dict[str, Any], class_names: list[str]) -> str:
    """The metrics as a Markdown table, generated beside real data."""
    rows = [("class-consistency accuracy", f"{result['class_consistency']:.4f}",
             f"{result['real_test_accuracy']:.4f} (classifier on real test)"),
            ("FID (classifier features)", f"{result['fid']:.3f}", f"{result['fid_floor']:.3f} (train vs test floor)"),
            ("intra-class FID (mean)", f"{result['intra_fid']:.3f}", f"{result['intra_fid_floor']:.3f}"),
            ("precision", f"{result['precision']:.4f}", f"{result['real_precision']:.4f}"),
            ("recall", f"{result['recall']:.4f}", f"{result['real_recall']:.4f}")]
    if "gan_train_accuracy" in result:
        rows.append(("GAN-train accuracy", f"{result['gan_train_accuracy']:.4f}",
                     f"{result['real_train_accuracy']:.4f} (same recipe, real images)"))
    if "ae_fid" in result:
        rows += [("FID (label-free autoencoder features)", f"{result['ae_fid']:.3f}",
                  f"{result['ae_fid_floor']:.3f} (train vs test floor)"),
                 ("precision / recall (autoencoder features)", f"{result['ae_precision']:.4f} / {result['ae_recall']:.4f}",
                  f"{result['ae_real_precision']:.4f} / {result['ae_real_recall']:.4f}")]
    if "detector" in result:
        rows.append(("two-sample detector accuracy (0.5: indistinguishable)",
                     f"{result['detector']:.4f} (seeds: {', '.join(f'{a:.3f}' for a in result['detector_per_seed'])})",
                     f"{result['detector_floor']:.4f} (real vs real)"))
    rows.append(("pure-white pixels", f"{result['white_share']:.4%}", f"{result['real_white_share']:.4%}"))
    lines = ["| metric | generated | real data |", "|---|---|---|"] + [f"| {a} | {b} | {c} |" for a, b, c in rows]
    lines += ["", "| class | consistency | intra-class FID | its real floor | × floor |", "|---|---|---|---|---|"]
    lines += [f"| {name} | {acc:.3f} | {fid:.3f} | {floor:.3f} | {ratio:.2f} |" for name, acc, fid, floor, ratio in
              zip(class_names, result["class_consistency_per_class"], result["intra_fid_per_class"],
                  result["intra_fid_floor_per_class"], result["intra_fid_vs_floor_per_class"])]
    return "\n".join(lines)


def evaluate_generator(generator, *, evaluator_dir=SHIPPED_EVALUATOR, per_class: int = 1000, seed: int = 0,
                       truncation: float = 1.0, gan_train: bool = True, data_dir: str | None = None,
                       progress: bool = True, detector_seeds=(), label_free_features: bool = True) -> dict[str, Any]:
    """Generate per_class images of each class and compare them with the real test set (and, when the autoencoder
    sits beside the evaluation network, in its label-free features; with detector_seeds, by two-sample tests)."""
    classifier, info = load_classifier(evaluator_dir)
    autoencoder = None
    if label_free_features:
        try:
            autoencoder, _ = load_autoencoder(evaluator_dir)
        except FileNotFoundError as e:
            print(f"note: {e}; the label-free figures are left out")
    dataset = info["dataset"]
    if info["class_names"] != generator.config.class_names:
        raise ValueError(f"the evaluation network in {evaluator_dir} was trained on {dataset}, whose classes "
                         f"differ from the generator's")
    test = load_dataset(dataset, data_dir=data_dir, train=False)
    train = load_dataset(dataset, data_dir=data_dir, train=True)
    real_test, test_labels = balanced_subset(test.images, test.labels, 10**9, seed)  # the whole test set
    real_train, train_labels = balanced_subset(train.images, train.labels, per_class, seed + 1)
    started = time.perf_counter()
    fake, fake_labels = generate_dataset(generator, per_class=per_class, seed=seed, truncation=truncation,
                                         progress=progress)
    result = compare(fake, fake_labels, classifier=classifier, real_test=real_test, test_labels=test_labels,
                     real_train=real_train, train_labels=train_labels, num_classes=generator.config.num_classes,
                     gan_train=gan_train, seed=seed, autoencoder=autoencoder, detector_seeds=detector_seeds,
                     progress=progress)
    result.update(per_class=per_class, seed=seed, truncation=truncation, evaluator_test_accuracy=info["test_accuracy"],
                  evaluator_dataset=dataset, seconds=round(time.perf_counter() - started, 1))
    return result
