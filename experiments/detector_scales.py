"""At what scale does the two-sample detector tell generated images from real ones?

The same detector (`cgan.evaluation.detector`, the same recipe and halves) on real test images against a
generator's samples, both seen through the same filter: whole; blurred by a Gaussian of σ pixels (the finest
detail gone, outlines kept); one random crop of k x k pixels from each image (only local detail, no outline);
each image moved by a random 0 or 1 pixel down and right (--shift: detail locked to the even/odd pixel grid, as
a stride-2 transposed convolution leaves it, loses its phase); every pixel brighter than a level set to it
(--clip: the highlights flat in both sets, so how many pixels reach pure white, and the texture above the level,
no longer differ). --sharpened adds the samples through an unsharp mask and a clip to 0..255, the real images
untouched (can an output that cuts outlines to black hide them?). --spectrum-matched adds the samples filtered so
that their mean Fourier power spectrum is the training set's, the real images untouched. Where accuracy holds
under a blur, the cue is coarse; where it holds on small crops, it is local texture; where a shift removes it,
it is grid-locked; where clipping removes it, it lies in the brightest pixels; where spectrum matching removes
it, it is the mean power at some frequencies.

    python experiments/detector_scales.py weights --blur 1 2 --crop 8 14 --shift --clip 230 --spectrum-matched --seeds 0
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


def random_shifts(images: np.ndarray, seed: int) -> np.ndarray:
    """Each uint8 image (N, H, W) moved by 0 or 1 pixel down and 0 or 1 right, at random; zeros fill in."""
    rng = np.random.default_rng(seed)
    out = np.zeros_like(images)
    for i, (dy, dx) in enumerate(rng.integers(0, 2, (len(images), 2))):
        out[i, dy:, dx:] = images[i, :images.shape[1] - dy, :images.shape[2] - dx]
    return out


def mean_power(images: np.ndarray) -> np.ndarray:
    """Mean 2-D Fourier power of uint8 images (N, H, W), each image's mean removed."""
    x = images.astype(np.float64)
    return (np.abs(np.fft.fft2(x - x.mean(axis=(1, 2), keepdims=True))) ** 2).mean(0)


def spectrum_matched(images: np.ndarray, target: np.ndarray) -> np.ndarray:
    """uint8 images filtered by one gain per frequency so that their mean power spectrum becomes `target`'s."""
    gain = np.sqrt(mean_power(target) / np.maximum(mean_power(images), 1e-12))
    gain[0, 0] = 1.0  # each image's mean stays
    filtered = np.fft.ifft2(np.fft.fft2(images.astype(np.float64)) * gain).real
    return np.clip(np.round(filtered), 0, 255).astype(np.uint8)


def sharpened(images: np.ndarray, amount: float, sigma: float = 1.0) -> np.ndarray:
    """uint8 images sharpened by an unsharp mask (x + amount * (x - blur(x, sigma))), then rounded and clipped to
    0..255: overshoot below black becomes 0, as in an image sharpened before it was stored in 8 bits."""
    x = images.astype(np.float64)
    return np.clip(np.round(x + amount * (x - blur(images, sigma))), 0, 255).astype(np.uint8)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("weights", help="export folder whose samples are tested")
    parser.add_argument("--per-class", type=int, default=1000, help="generated images per class")
    parser.add_argument("--blur", type=float, nargs="*", default=[1.0, 2.0], help="blurs (σ, pixels) to test")
    parser.add_argument("--crop", type=int, nargs="*", default=[8, 14], help="crop sizes (pixels) to test")
    parser.add_argument("--clip", type=int, nargs="*", default=[],
                        help="grey levels (0-255) to clip both sets' highlights at, one view each")
    parser.add_argument("--shift", action="store_true", help="also test random one-pixel shifts")
    parser.add_argument("--spectrum-matched", action="store_true",
                        help="also test the samples with their mean power spectrum matched to 20,000 training images'")
    parser.add_argument("--sharpened", type=float, nargs="*", default=[],
                        help="unsharp-mask amounts (σ = 1 pixel, then clipped to 0..255) to test the samples with, "
                        "the real images as they are, one view each")
    parser.add_argument("--whole", action=argparse.BooleanOptionalAction, default=True,
                        help="test the whole images too (the reference row)")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0], help="detector seeds")
    args = parser.parse_args()
    if any(not 0 <= level <= 255 for level in args.clip):
        parser.error(f"--clip takes grey levels from 0 to 255, not {args.clip}")
    real = load_dataset("fashion-mnist", train=False).pixels()
    fake, _ = generate_dataset(load_generator(args.weights), per_class=args.per_class, progress=False)
    views = [("whole images", lambda images: images)] if args.whole else []
    views += [(f"both blurred, σ = {sigma:g}", lambda images, s=sigma: blur(images, s)) for sigma in args.blur]
    # Both sets hold 10,000 images and are cropped at the same random positions: the position carries no signal.
    views += [(f"one random {k}x{k} crop each", lambda images, k=k: random_crops(images, k, seed=len(images) + k))
              for k in args.crop]
    views += [(f"both clipped at {level}", lambda images, v=level: np.minimum(images, v)) for level in args.clip]
    views += [(f"samples sharpened by {amount:g} and clipped, real images as they are",
               lambda images, a=amount: sharpened(images, a) if images is fake else images) for amount in args.sharpened]
    if args.shift:
        views.append(("each moved 0 or 1 pixel down and right at random", lambda images: random_shifts(images, 7)))
    if args.spectrum_matched:
        train = load_dataset("fashion-mnist", train=True).pixels()[:20000]
        matched = spectrum_matched(fake, train)
        ratio = mean_power(fake) / mean_power(train)
        ratio[0, 0] = 1.0
        most, least = (tuple(int(i) for i in np.unravel_index(f(ratio), ratio.shape)) for f in (np.argmax, np.argmin))
        print(f"samples' power / training images': {ratio.min():.3f} (frequency {least}) to {ratio.max():.3f} "
              f"(frequency {most}); spectrum matching moves a pixel by {np.abs(matched - fake.astype(int)).mean():.2f} "
              "grey levels on average")
        views.append(("samples spectrum-matched, real images as they are", lambda images: matched
                      if images is fake else images))
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
