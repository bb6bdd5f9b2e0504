"""At what scale does the two-sample detector tell generated images from real ones?

The same detector (`cgan.evaluation.detector`, the same recipe and halves) on real test images against a
generator's samples, both seen through the same filter: whole; blurred by a Gaussian of σ pixels (the finest
detail gone, outlines kept); one random crop of k x k pixels from each image (only local detail, no outline).
Where accuracy holds under a blur, the cue is coarse; where it holds on small crops, it is local texture.

    python experiments/detector_scales.py weights --blur 1 2 --crop 8 14 --seeds 0
"""
import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cgan.data import load_dataset  # noqa: E402
from cgan.evaluation.detector import blur, two_sample_accuracy  # noqa: E402
from cgan.export import load_generator  # noqa: E402
from cgan.sampling import generate_dataset  # noqa: E402


def random_crops(images: np.ndarray, size: int, seed: int) -> np.ndarray:
    """One size x size crop of each uint8 image (N, H, W), at a uniformly random position."""
    rng = np.random.default_rng(seed)
    n, height, width = images.shape
    rows, cols = rng.integers(0, height - size + 1, n), rng.integers(0, width - size + 1, n)
    return np.stack([image[r:r + size, c:c + size] for image, r, c in zip(images, rows, cols)])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("weights", help="export folder whose samples are tested")
    parser.add_argument("--per-class", type=int, default=1000, help="generated images per class")
    parser.add_argument("--blur", type=float, nargs="*", default=[1.0, 2.0], help="blurs (σ, pixels) to test")
    parser.add_argument("--crop", type=int, nargs="*", default=[8, 14], help="crop sizes (pixels) to test")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0], help="detector seeds")
    args = parser.parse_args()
    real = load_dataset("fashion-mnist", train=False).pixels()
    fake, _ = generate_dataset(load_generator(args.weights), per_class=args.per_class, progress=False)
    views = [("whole images", lambda images: images)]
    views += [(f"both blurred, σ = {sigma:g}", lambda images, s=sigma: blur(images, s)) for sigma in args.blur]
    # Both sets hold 10,000 images and are cropped at the same random positions: the position carries no signal.
    views += [(f"one random {k}x{k} crop each", lambda images, k=k: random_crops(images, k, seed=len(images) + k))
              for k in args.crop]
    print(f"| real vs {args.weights}, seen as | accuracy, seeds {' / '.join(map(str, args.seeds))} | mean | epochs "
          "| seconds |")
    print("|---|---|---|---|---|")
    for name, view in views:
        started = time.perf_counter()
        runs = [two_sample_accuracy(view(real), view(fake), seed=seed) for seed in args.seeds]
        accuracies = [r["accuracy"] for r in runs]
        print(f"| {name} | {' / '.join(f'{a:.3f}' for a in accuracies)} | {np.mean(accuracies):.3f} | "
              f"{' / '.join(str(r['epochs']) for r in runs)} | {time.perf_counter() - started:.0f} |", flush=True)


if __name__ == "__main__":
    main()
