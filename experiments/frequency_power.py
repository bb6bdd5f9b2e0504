"""How much fine detail do the samples carry? Their mean Fourier power in bands of spatial frequency, as a ratio
to the real test images' (1.0: as much as real; below: smoother than real).

    python experiments/frequency_power.py weights runs/q20_base/export --per-class 200

Each image's mean is removed first, so the ratios compare structure, not brightness. Grayscale exports only.
"""
import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cgan.data import load_dataset  # noqa: E402
from cgan.export import load_generator  # noqa: E402
from cgan.sampling import generate_dataset  # noqa: E402

BANDS = ((0, 4), (4, 8), (8, 11), (11, 20))  # radius in cycles per image; 14 is the Nyquist limit of 28 px


def mean_power(images: np.ndarray) -> np.ndarray:
    """N square grayscale uint8 images, any layout ((N, 1, H, W), (N, H, W) or flat) -> the mean centred Fourier
    power spectrum, (H, W)."""
    side = round((images.size / len(images)) ** 0.5)
    x = images.reshape(len(images), side, side).astype(np.float64) / 255
    x -= x.mean(axis=(1, 2), keepdims=True)
    return (np.abs(np.fft.fftshift(np.fft.fft2(x), axes=(1, 2))) ** 2).mean(0)


def band_ratios(power: np.ndarray, reference: np.ndarray) -> list[float]:
    height, width = power.shape
    yy, xx = np.mgrid[-(height // 2):height - height // 2, -(width // 2):width - width // 2]
    radius = np.hypot(yy, xx)
    return [power[(radius >= a) & (radius < b)].sum() / reference[(radius >= a) & (radius < b)].sum()
            for a, b in BANDS]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("weights", nargs="+", help="export folders")
    parser.add_argument("--per-class", type=int, default=200, help="generated images per class")
    parser.add_argument("--data-dir", default=None, help="Fashion-MNIST folder (default: the usual places)")
    args = parser.parse_args()
    real = load_dataset("fashion-mnist", data_dir=args.data_dir, train=False).images.numpy()
    reference = mean_power(real)
    print(f"Fourier power against {len(real)} real test images, bands of radius (cycles per image): {BANDS}")
    print("| weights | " + " | ".join(f"{a}–{b}" for a, b in BANDS) + " |")
    print("|---|" + "---|" * len(BANDS))
    for folder in args.weights:
        images, _ = generate_dataset(load_generator(folder), per_class=args.per_class, progress=False)
        print(f"| {folder} | " + " | ".join(f"{r:.3f}" for r in band_ratios(mean_power(images), reference)) + " |")


if __name__ == "__main__":
    main()
