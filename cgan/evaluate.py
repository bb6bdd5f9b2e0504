"""Evaluate a generator in the evaluation network's feature space and write metrics.json.

    python -m cgan.evaluate --weights weights            # 1000 images per class
    python -m cgan.evaluate --weights USER/REPO --per-class 200 --no-gan-train
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch
from tqdm.auto import tqdm

from cgan.evaluation import metrics
from cgan.evaluation.classifier import accuracy, features_and_probs, fit_classifier, load_classifier
from cgan.training.flags import fail
from cgan.data import DataNotFoundError, load_dataset
from cgan.devices import pick_device
from cgan.export.folder import WeightsError, load_generator
from cgan.sampling import generate, to_uint8

DEFAULT_EVALUATOR = Path(__file__).resolve().parent.parent / "weights"
GAN_TRAIN_EPOCHS = 5
# Targets from the shipped-weights issue; each is checked and reported, never assumed.
TARGETS = {"class_consistency_vs_real": 0.95, "recall": 0.55, "precision": 0.75, "gan_train_vs_real": 0.92,
           "fid_vs_floor": 30.0}


def generate_dataset(generator, *, per_class: int, seed: int = 0, truncation: float = 1.0,
                     batch_size: int = 500, progress: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """per_class uint8 images of every class, seeds seed, seed+1, ... (one latent per seed)."""
    num_classes = generator.config.num_classes
    labels = np.repeat(np.arange(num_classes), per_class)
    seeds = seed + np.arange(len(labels))
    chunks = []
    for start in tqdm(range(0, len(labels), batch_size), disable=not progress, desc="generating", unit="batch"):
        chunks.append(to_uint8(generate(generator, labels[start:start + batch_size].tolist(),
                                        seeds[start:start + batch_size].tolist(), truncation=truncation)))
    return np.concatenate(chunks), labels


def balanced_subset(images: torch.Tensor, labels: torch.Tensor, per_class: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """per_class random images of each class (uint8 numpy, (N, H, W[, 3]))."""
    rng = np.random.default_rng(seed)
    labels_np = labels.numpy()
    picks = np.concatenate([rng.choice(np.flatnonzero(labels_np == c), size=min(per_class, (labels_np == c).sum()),
                                       replace=False) for c in np.unique(labels_np)])
    chosen = images[picks]
    chosen = chosen[:, 0] if chosen.shape[1] == 1 else chosen.permute(0, 2, 3, 1)
    return chosen.numpy(), labels_np[picks]


def compare(fake: np.ndarray, fake_labels: np.ndarray, *, classifier, real_test: np.ndarray, test_labels: np.ndarray,
            real_train: np.ndarray, train_labels: np.ndarray, num_classes: int, gan_train: bool = True,
            seed: int = 0) -> dict[str, Any]:
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
        "fid": fid, "fid_floor": floor, "fid_vs_floor": fid / max(floor, 1e-12),
        "intra_fid": intra, "intra_fid_per_class": intra_per_class, "intra_fid_floor": intra_floor,
        "intra_fid_floor_per_class": intra_floor_per_class,
        "intra_fid_vs_floor_per_class": [a / max(b, 1e-12) for a, b in zip(intra_per_class, intra_floor_per_class)],
        "precision": precision, "recall": recall, "real_precision": real_precision, "real_recall": real_recall,
    }
    if gan_train:
        on_fake = fit_classifier(fake, fake_labels, num_classes=num_classes, epochs=GAN_TRAIN_EPOCHS, seed=seed)
        on_real = fit_classifier(real_train, train_labels, num_classes=num_classes, epochs=GAN_TRAIN_EPOCHS, seed=seed)
        result["gan_train_accuracy"] = accuracy(on_fake, real_test, test_labels)
        result["real_train_accuracy"] = accuracy(on_real, real_test, test_labels)
        result["gan_train_vs_real"] = result["gan_train_accuracy"] / result["real_train_accuracy"]
    result["targets"] = {name: (result[name] <= bound if name == "fid_vs_floor" else result[name] >= bound)
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
    lines = ["| metric | generated | real data |", "|---|---|---|"] + [f"| {a} | {b} | {c} |" for a, b, c in rows]
    lines += ["", "| class | consistency | intra-class FID | its real floor | × floor |", "|---|---|---|---|---|"]
    lines += [f"| {name} | {acc:.3f} | {fid:.3f} | {floor:.3f} | {ratio:.2f} |" for name, acc, fid, floor, ratio in
              zip(class_names, result["class_consistency_per_class"], result["intra_fid_per_class"],
                  result["intra_fid_floor_per_class"], result["intra_fid_vs_floor_per_class"])]
    return "\n".join(lines)


def evaluate_generator(generator, *, evaluator_dir=DEFAULT_EVALUATOR, per_class: int = 1000, seed: int = 0,
                       truncation: float = 1.0, gan_train: bool = True, data_dir: str | None = None,
                       progress: bool = True) -> dict[str, Any]:
    """Generate per_class images of each class and compare them with the real test set."""
    classifier, info = load_classifier(evaluator_dir)
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
                     gan_train=gan_train, seed=seed)
    result.update(per_class=per_class, seed=seed, truncation=truncation, evaluator_test_accuracy=info["test_accuracy"],
                  evaluator_dataset=dataset, seconds=round(time.perf_counter() - started, 1))
    return result


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--weights", default="weights", help="export folder or Hub repo id USER/REPO")
    parser.add_argument("--revision", default=None, help="Hub revision (branch, tag or commit)")
    parser.add_argument("--per-class", type=int, default=1000, help="generated images per class")
    parser.add_argument("--evaluator", default=str(DEFAULT_EVALUATOR), help="folder with evaluator.safetensors/.json")
    parser.add_argument("--seed", type=int, default=0, help="first latent seed; also picks the real subset")
    parser.add_argument("--truncation", type=float, default=1.0, help="truncation psi for the generated images")
    parser.add_argument("--no-gan-train", action="store_true", help="skip the GAN-train accuracy (the slowest part)")
    parser.add_argument("--data-dir", default=None, help="where the dataset lives")
    parser.add_argument("--device", default="auto", help="auto, cpu, cuda or mps")
    parser.add_argument("--out", default=None, help="metrics.json path (default: inside a local --weights folder, "
                                                    "else ./metrics.json)")
    args = parser.parse_args(argv)
    if args.per_class < 10:
        parser.error("--per-class must be at least 10 (k-NN manifolds need neighbours)")
    try:
        generator = load_generator(args.weights, revision=args.revision, device=pick_device(args.device))
        result = evaluate_generator(generator, evaluator_dir=args.evaluator, per_class=args.per_class, seed=args.seed,
                                    truncation=args.truncation, gan_train=not args.no_gan_train,
                                    data_dir=args.data_dir)
    except (WeightsError, DataNotFoundError, FileNotFoundError, ValueError) as e:
        fail(str(e), code=2)
    result["weights"] = args.weights
    print(format_table(result, generator.config.class_names))
    print("targets met: " + ", ".join(f"{k}={'yes' if v else 'NO'}" for k, v in result["targets"].items()))
    out = Path(args.out) if args.out else (Path(args.weights) / "metrics.json" if Path(args.weights).is_dir()
                                           else Path("metrics.json"))
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
