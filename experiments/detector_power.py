"""How strong is the two-sample detector? Its accuracy on real vs real (the floor), real vs the same real images
blurred by a Gaussian of --sigma pixels (its power), and real vs each generator given, over several seeds.

    python -m experiments.detector_power weights runs/q20_base/snapshots/images-000044512 --seeds 0 1

Real images: the whole Fashion-MNIST test split; the other real set: as many training images, balanced by
class; generated: --per-class images of every class at psi = 1. One table, a row per comparison.
--stretched adds each generator's samples with every image's range stretched to 0..255, as every real
Fashion-MNIST image's is (darkest pixel 0, brightest 254 or 255), to see whether the detector uses the range.
"""
import argparse
import time

import numpy as np

from cgan.data import load_dataset
from cgan.evaluation.detector import blur, two_sample_accuracy
from cgan.evaluation.report import balanced_subset
from cgan.export import load_generator
from cgan.sampling import generate_dataset


def stretched(images: np.ndarray) -> np.ndarray:
    """uint8 images with each one's darkest pixel moved to 0 and its brightest to 255, linearly."""
    flat = images.reshape(len(images), -1).astype(np.float64)
    low, high = flat.min(1, keepdims=True), flat.max(1, keepdims=True)
    return np.round((flat - low) / np.maximum(high - low, 1) * 255).astype(np.uint8).reshape(images.shape)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("weights", nargs="*", help="export folders to test against the real images")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1], help="detector seeds")
    parser.add_argument("--per-class", type=int, default=1000, help="generated (and real training) images per class")
    parser.add_argument("--sigma", type=float, default=0.5, help="blur of the power check, in pixels")
    parser.add_argument("--max-epochs", type=int, default=40, help="at most this many epochs per detector")
    parser.add_argument("--no-floor", action="store_true", help="skip real vs real")
    parser.add_argument("--stretched", action="store_true",
                        help="also test each generator's samples with every image stretched to span 0..255")
    args = parser.parse_args()
    test = load_dataset("fashion-mnist", train=False)
    train = load_dataset("fashion-mnist", train=True)
    real = test.pixels()
    other_real, _ = balanced_subset(train.images, train.labels, args.per_class, seed=1)
    comparisons = [] if args.no_floor else [("real vs real (floor)", other_real)]
    comparisons.append((f"real vs real blurred (sigma {args.sigma:g})", blur(real, args.sigma)))
    for weights in args.weights:
        fake, _ = generate_dataset(load_generator(weights), per_class=args.per_class, progress=False)
        comparisons.append((f"real vs {weights}", fake))
        if args.stretched:
            comparisons.append((f"real vs {weights}, each image stretched to 0..255", stretched(fake)))
    print(f"| comparison | accuracy, seeds {' / '.join(map(str, args.seeds))} | mean | epochs | seconds |")
    print("|---|---|---|---|---|")
    for name, other in comparisons:
        started = time.perf_counter()
        runs = [two_sample_accuracy(real, other, seed=seed, max_epochs=args.max_epochs) for seed in args.seeds]
        accuracies = [r["accuracy"] for r in runs]
        print(f"| {name} | {' / '.join(f'{a:.3f}' for a in accuracies)} | {np.mean(accuracies):.3f} | "
              f"{' / '.join(str(r['epochs']) for r in runs)} | {time.perf_counter() - started:.0f} |", flush=True)


if __name__ == "__main__":
    main()
