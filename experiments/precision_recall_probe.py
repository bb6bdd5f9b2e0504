"""Where do precision and recall fall short? The k-NN figures of python -m cgan.evaluate, taken apart.

    python experiments/precision_recall_probe.py weights [runs/x/export ...] [--per-class 1000] [--seed 0]
                                                 [--missed FOLDER]

In the evaluation network's features, against the whole real test set as cgan.evaluate takes them (k = 3), for
the real training images (the floor) and each generator's samples:
- precision per class of the images and recall per class of the real test images, to see whether a few classes or
  all of them fall short;
- quantiles of each image's distance to its nearest real test image, to see whether a few outliers or all images
  lie further out;
- the same figures after a change laid over the images afterwards: the faint halo outside an outline taken from
  real images or drawn into the samples (docs/quality.md, "The faint halo"), the samples' grey-level histogram or
  mean power spectrum matched to the real images', a blur or an unsharp mask. A change that raises both figures
  points at what a generator must learn; one that leaves them shows that it is not the gap.
--missed writes two grids: real test images that the real training images cover and the samples do not, and
samples outside every real image's k-NN ball.
"""
import argparse
import sys
from pathlib import Path

import numpy as np
import torch
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "experiments"))

from cgan.data import load_dataset  # noqa: E402
from cgan.evaluation import metrics  # noqa: E402
from cgan.evaluation.classifier import SHIPPED_EVALUATOR, features_and_probs, load_classifier  # noqa: E402
from cgan.evaluation.detector import blur  # noqa: E402
from cgan.evaluation.report import balanced_subset  # noqa: E402
from cgan.export import load_generator  # noqa: E402
from cgan.sampling import generate_dataset  # noqa: E402
from detector_scales import sharpened, spectrum_matched  # noqa: E402
from image_statistics import steps_from  # noqa: E402

K, CHUNK = 3, 1000  # as metrics.precision_recall


def without_halo(images: np.ndarray, bright: int = 50, faint: int = 8) -> np.ndarray:
    """uint8 images with grey levels 1..faint two or more steps from the garment (> bright) set to black."""
    out = images.copy()
    out[(steps_from(images > bright, 4) >= 2) & (images <= faint)] = 0
    return out


def with_halo(images: np.ndarray, real: np.ndarray, seed: int, bright: int = 50, faint: int = 8) -> np.ndarray:
    """uint8 images whose black pixels two or three steps from the garment take the real images' grey levels
    there, drawn at random, as often as real images have levels 1..faint in that band."""
    def band(x):
        distance = steps_from(x > bright, 4)
        return (distance == 2) | (distance == 3)
    levels = real[band(real)]
    faint_share = ((levels > 0) & (levels <= faint)).mean()
    rng, out = np.random.default_rng(seed), images.copy()
    in_band = band(images)
    black = in_band & (images == 0)
    share = faint_share / max(black.sum() / in_band.sum(), 1e-3)  # of the black band pixels, to match
    drawn = rng.choice(levels[(levels > 0) & (levels <= faint)], size=black.sum())
    out[black] = np.where(rng.random(black.sum()) < share, drawn, 0)
    return out


def histogram_matched(images: np.ndarray, target: np.ndarray) -> np.ndarray:
    """uint8 images with their grey levels, ranked over all pixels, replaced by `target`'s at the same rank."""
    order = np.argsort(images.ravel(), kind="stable")
    ranks = np.linspace(0, target.size - 1, images.size).astype(np.int64)
    out = np.empty(images.size, np.uint8)
    out[order] = np.sort(target.ravel())[ranks]
    return out.reshape(images.shape)


def grid(images: np.ndarray, path: Path, seed: int) -> None:
    """Up to 100 of the images, shuffled, as a 10-wide grid at twice their size."""
    images = images[np.random.default_rng(seed).permutation(len(images))[:100]]
    rows, (h, w) = (len(images) + 9) // 10, images.shape[1:3]
    canvas = np.zeros((rows * h, 10 * w), np.uint8)
    for i, image in enumerate(images):
        canvas[(i // 10) * h:(i // 10 + 1) * h, (i % 10) * w:(i % 10 + 1) * w] = image
    Image.fromarray(canvas).resize((20 * w, 2 * rows * h), Image.NEAREST).save(path)


class Probe:
    """The real test set's features and k-NN radii, against which each image set is measured."""

    def __init__(self, seed: int, per_class: int):
        self.classifier, _ = load_classifier(SHIPPED_EVALUATOR)
        test = load_dataset("fashion-mnist", train=False)
        train = load_dataset("fashion-mnist", train=True)
        self.test, self.test_labels = balanced_subset(test.images, test.labels, 10**9, seed)
        self.train, self.train_labels = balanced_subset(train.images, train.labels, per_class, seed + 1)
        self.features = torch.as_tensor(self.features_of(self.test))
        self.radii = metrics._kth_neighbour_radii(self.features, K, CHUNK)

    def features_of(self, images: np.ndarray) -> np.ndarray:
        return features_and_probs(self.classifier, images)[0]

    def measure(self, images: np.ndarray, labels: np.ndarray) -> dict:
        """Precision and recall overall and per class, FID, nearest-real distance quantiles, and which images
        are covered."""
        features = torch.as_tensor(self.features_of(images))
        inside = metrics._covered(features, self.features, self.radii, CHUNK).numpy()
        covered = metrics._covered(self.features, features, metrics._kth_neighbour_radii(features, K, CHUNK),
                                   CHUNK).numpy()
        nearest = metrics.nearest_neighbours(features, self.features, 1)[0][:, 0].numpy()
        classes = np.unique(self.test_labels)
        return {"precision": inside.mean(), "recall": covered.mean(),
                "fid": metrics.frechet_distance(features.numpy(), self.features.numpy()),
                "precision_per_class": [inside[labels == c].mean() for c in classes],
                "recall_per_class": [covered[self.test_labels == c].mean() for c in classes],
                "nearest": np.percentile(nearest, [10, 50, 90, 99]), "inside": inside, "covered": covered}


def row(name: str, m: dict) -> str:
    quantiles = " / ".join(f"{q:.2f}" for q in m["nearest"])
    return f"| {name} | {m['precision']:.4f} | {m['recall']:.4f} | {m['fid']:.3f} | {quantiles} |"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("weights", nargs="+", help="export folders of the generators")
    parser.add_argument("--per-class", type=int, default=1000, help="generated (and real training) images per class")
    parser.add_argument("--seed", type=int, default=0, help="latent seed and real subset, as cgan.evaluate's --seed")
    parser.add_argument("--missed", type=Path, help="folder for the grids of missed real images and outside samples")
    args = parser.parse_args()
    probe = Probe(args.seed, args.per_class)
    sets = {"real training images": (probe.train, probe.train_labels)}
    for weights in args.weights:
        sets[weights] = generate_dataset(load_generator(weights).eval(), per_class=args.per_class, seed=args.seed,
                                         truncation=1.0, progress=False)
    print("| images | precision | recall | FID | distance to the nearest real test image: 10th / 50th / 90th / "
          "99th percentile |")
    print("|---|---|---|---|---|")
    measured = {}
    for name, (images, labels) in sets.items():
        measured[name] = probe.measure(images, labels)
        print(row(name, measured[name]), flush=True)
        changes = ({"halo removed": without_halo(images), "blurred, σ = 0.5": blur(images, 0.5),
                    "sharpened, amount 0.3": sharpened(images, 0.3)} if name == "real training images" else
                   {"halo drawn in": with_halo(images, probe.train, args.seed),
                    "histogram matched": histogram_matched(images, probe.train),
                    "spectrum matched": spectrum_matched(images, probe.train),
                    "blurred, σ = 0.4": blur(images, 0.4), "sharpened, amount 0.3": sharpened(images, 0.3)})
        for change, changed in changes.items():
            print(row(f"{name}, {change}", probe.measure(changed, labels)), flush=True)
    print()
    print("| images | precision per class | recall per class (of the real test images) |")
    print("|---|---|---|")
    for name, m in measured.items():
        print(f"| {name} | {' '.join(f'{v:.3f}' for v in m['precision_per_class'])} | "
              f"{' '.join(f'{v:.3f}' for v in m['recall_per_class'])} |")
    if args.missed:
        args.missed.mkdir(parents=True, exist_ok=True)
        real = measured["real training images"]
        for weights in args.weights:
            m, stem = measured[weights], Path(weights).parent.name or Path(weights).name
            grid(probe.test[real["covered"] & ~m["covered"]], args.missed / f"{stem}-missed-real.png", args.seed)
            grid(sets[weights][0][~m["inside"].astype(bool)], args.missed / f"{stem}-outside.png", args.seed)
            missed, gained = (real["covered"] & ~m["covered"]).mean(), (~real["covered"] & m["covered"]).mean()
            print(f"{weights}: {missed:.3f} of the real test images covered by the real training images and not by "
                  f"the samples, {gained:.3f} the other way round; wrote {args.missed}/{stem}-missed-real.png and "
                  "-outside.png")


if __name__ == "__main__":
    main()
