"""Does one number per image give the samples away? Per-image statistics as two-sample tests.

The detector needs BatchNorm to see the samples' cue, and a per-image norm in its place blinds it (docs/quality.md),
so the cue may be an amount that differs from image to image: how much fine detail, contrast or ink each image
has. For each statistic below this fits the best threshold (per class, in either direction) on one half of the
real test images and of a generator's samples, and scores it on the other half, as the detector's halves are
split; then a logistic regression on all of them together with the class.

    python experiments/image_statistics.py weights [--per-class 1000] [--seed 0] [--stretched] [--sharpened A]
                                                   [--clipped M] [--bands]

--stretched tests the samples with each one's range stretched to 0..255 (experiments/detector_power.py), as every
real Fashion-MNIST image spans it; --sharpened A through an unsharp mask of amount A and a clip to 0..255
(experiments/detector_scales.py), as the dataset's outlines were sharpened before they were stored in 8 bits;
--clipped M with each sample's grey levels spread (1 + M) times around the middle grey and clipped to 0..255, what
g_output="full-range-clipped" does inside the generator (M = 0.05), laid over samples afterwards.

0.5 is indistinguishable; the CNN detector reads 0.69-0.74 on the shipped weights (docs/quality.md).
"""
import argparse
import sys
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "experiments"))

from cgan.data import load_dataset  # noqa: E402
from cgan.evaluation.detector import split_halves  # noqa: E402
from cgan.export import load_generator  # noqa: E402
from cgan.sampling import generate_dataset  # noqa: E402
from detector_power import stretched  # noqa: E402
from detector_scales import sharpened  # noqa: E402


def clipped(images: np.ndarray, margin: float) -> np.ndarray:
    """uint8 images with their grey levels spread (1 + margin) times around the middle grey, clipped to 0..255."""
    x = images.astype(np.float64) / 127.5 - 1
    return np.clip(np.round((x * (1 + margin) + 1) * 127.5), 0, 255).astype(np.uint8)


def laplacian(x: np.ndarray) -> np.ndarray:
    """The 4-neighbour Laplacian inside the border, (N, H-2, W-2)."""
    return (4 * x[:, 1:-1, 1:-1] - x[:, :-2, 1:-1] - x[:, 2:, 1:-1] - x[:, 1:-1, :-2] - x[:, 1:-1, 2:])


def high_band_share(x: np.ndarray, radius: float = 11.0) -> np.ndarray:
    """Each image's share of Fourier power (its mean removed) at radius >= `radius` cycles."""
    centred = x - x.mean(axis=(1, 2), keepdims=True)
    power = np.abs(np.fft.fft2(centred)) ** 2
    fy, fx = np.meshgrid(np.fft.fftfreq(x.shape[1]) * x.shape[1], np.fft.fftfreq(x.shape[2]) * x.shape[2],
                         indexing="ij")
    high = np.hypot(fy, fx) >= radius
    return power[:, high].sum(1) / np.maximum(power.sum(axis=(1, 2)), 1e-12)


def hard_edges(images: np.ndarray, bright: int = 50) -> np.ndarray:
    """Each image's share of neighbouring pixel pairs (across and down) where one is black (0) and the other above
    `bright`: an outline with no ramp between background and garment."""
    x = images.astype(np.int64)
    pairs = []
    for a, b in ((x[:, :, :-1], x[:, :, 1:]), (x[:, :-1, :], x[:, 1:, :])):
        pairs.append((((a == 0) & (b > bright)) | ((b == 0) & (a > bright))).reshape(len(x), -1))
    return np.concatenate(pairs, axis=1).mean(axis=1)


def grown(mask: np.ndarray) -> np.ndarray:
    """A boolean mask (N, H, W) grown by one pixel across and down (4-neighbour dilation)."""
    out = mask.copy()
    out[:, 1:] |= mask[:, :-1]
    out[:, :-1] |= mask[:, 1:]
    out[:, :, 1:] |= mask[:, :, :-1]
    out[:, :, :-1] |= mask[:, :, 1:]
    return out


def steps_from(mask: np.ndarray, most: int) -> np.ndarray:
    """Each pixel's distance in 4-neighbour steps from the nearest True pixel of mask (N, H, W), capped at `most`."""
    distance, near = np.full(mask.shape, most), mask
    distance[mask] = 0
    for d in range(1, most):
        grown_once = grown(near)
        distance[grown_once & ~near] = d
        near = grown_once
    return distance


def faint_halo(images: np.ndarray, bright: int = 50, faint: int = 8) -> np.ndarray:
    """Each image's share of pixels at grey levels 1..`faint` two or three pixels (4-neighbour steps) from the
    nearest pixel above `bright`: real Fashion-MNIST images have a faint halo there, outside the black cut of an
    outline, where a ramp from black to the garment would sit one pixel out."""
    distance = steps_from(images > bright, 4)
    band = (distance == 2) | (distance == 3)
    return (band & (images > 0) & (images <= faint)).mean(axis=(1, 2))


BANDS = ((0, 0), (1, 6), (7, 15), (16, 30), (31, 50))  # grey levels at the dark end


def band_table(sets: dict[str, np.ndarray], bright: int = 50, steps: int = 4) -> list[str]:
    """Markdown rows: for each set of uint8 images (N, H, W) and each band of BANDS, its share of all pixels and
    how far its pixels lie from the nearest pixel above `bright`, in 4-neighbour steps (1 .. `steps` or more)."""
    heads = " | ".join(f"{d} {'step' if d == 1 else 'steps'}" for d in range(1, steps))
    rows = [f"| images | grey levels | share of pixels | {heads} | {steps} or more |", "|---|---|---|" + "---|" * steps]
    for name, images in sets.items():
        distance = steps_from(images > bright, steps)
        for low, high in BANDS:
            band = (images >= low) & (images <= high)
            share = np.bincount(distance[band] - 1, minlength=steps) / max(band.sum(), 1)
            rows.append(f"| {name} | {low}–{high} | {band.mean():.2%} | {' | '.join(f'{v:.2f}' for v in share)} |")
    return rows


def statistics(images: np.ndarray) -> dict[str, np.ndarray]:
    """Per-image numbers, each (N,), from uint8 images (N, H, W)."""
    x = images.astype(np.float64) / 255.0
    lap = laplacian(x)
    foreground = x > 10 / 255
    std = x.std(axis=(1, 2))
    return {
        "mean pixel": x.mean(axis=(1, 2)),
        "pixel std (contrast)": std,
        "foreground share (> 10)": foreground.mean(axis=(1, 2)),
        "foreground mean": (x * foreground).sum(axis=(1, 2)) / np.maximum(foreground.sum(axis=(1, 2)), 1),
        "brightest pixel": x.max(axis=(1, 2)),
        "fine detail (mean squared Laplacian)": (lap ** 2).mean(axis=(1, 2)),
        "fine detail / contrast²": (lap ** 2).mean(axis=(1, 2)) / np.maximum(std ** 2, 1e-12),
        "high-band power share (>= 11 cycles)": high_band_share(x),
        "total variation": np.abs(np.diff(x, axis=1)).mean(axis=(1, 2)) + np.abs(np.diff(x, axis=2)).mean(axis=(1, 2)),
        "faint pixels (1..30)": ((images > 0) & (images <= 30)).mean(axis=(1, 2)),
        "hard edges (0 beside > 50)": hard_edges(images),
        "faint halo (1..8, 2-3 pixels from > 50)": faint_halo(images),
    }


def threshold_accuracy(value: np.ndarray, y: np.ndarray, classes: np.ndarray, fit: np.ndarray,
                       score: np.ndarray) -> float:
    """Accuracy on `score` of the per-class threshold and direction that is best on `fit` (y: 1 real, 0 not)."""
    right = 0
    for c in np.unique(classes):
        f, s = fit[classes[fit] == c], score[classes[score] == c]
        cuts = np.unique(value[f])
        above = value[f][None, :] > cuts[:, None]  # (cuts, images)
        hits = (above == (y[f][None, :] == 1)).mean(1)
        best = int(np.argmax(np.maximum(hits, 1 - hits)))
        real_above = hits[best] >= 1 - hits[best]
        right += ((value[s] > cuts[best]) == (y[s] == 1) if real_above else (value[s] > cuts[best]) == (y[s] == 0)).sum()
    return right / len(score)


def logistic_accuracy(features: np.ndarray, y: np.ndarray, fit: np.ndarray, score: np.ndarray) -> float:
    """A logistic regression fitted on `fit` (standardised features, L-BFGS), its accuracy on `score`."""
    mean, std = features[fit].mean(0), features[fit].std(0) + 1e-12
    x = torch.as_tensor((features - mean) / std, dtype=torch.float64)
    target = torch.as_tensor(y, dtype=torch.float64)
    weights = torch.zeros(x.shape[1] + 1, dtype=torch.float64, requires_grad=True)
    optimizer = torch.optim.LBFGS([weights], max_iter=500, line_search_fn="strong_wolfe")
    fit_t, score_t = torch.as_tensor(fit), torch.as_tensor(score)

    def closure():
        optimizer.zero_grad()
        logits = x[fit_t] @ weights[:-1] + weights[-1]
        loss = torch.nn.functional.binary_cross_entropy_with_logits(logits, target[fit_t]) + 1e-4 * weights.square().sum()
        loss.backward()
        return loss

    optimizer.step(closure)
    with torch.no_grad():
        predicted = (x[score_t] @ weights[:-1] + weights[-1]) > 0
    return (predicted.long() == target[score_t].long()).double().mean().item()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("weights", help="export folder of the generator")
    parser.add_argument("--per-class", type=int, default=1000, help="generated images per class")
    parser.add_argument("--seed", type=int, default=0, help="split seed (the detector's halves for this seed)")
    parser.add_argument("--stretched", action="store_true", help="stretch each sample's range to 0..255 first")
    parser.add_argument("--sharpened", type=float, default=0.0,
                        help="sharpen the samples by this unsharp-mask amount (σ = 1 pixel), clipped to 0..255")
    parser.add_argument("--clipped", type=float, default=0.0,
                        help="spread the samples' grey levels (1 + M) times around the middle grey, clipped to 0..255")
    parser.add_argument("--bands", action="store_true",
                        help="also print each band of dark grey levels' share of pixels and its distance from the garment")
    args = parser.parse_args()
    generator = load_generator(args.weights)
    test = load_dataset("fashion-mnist", train=False)
    real, real_labels = test.pixels(), test.labels.numpy()
    fake, fake_labels = generate_dataset(generator, per_class=args.per_class, progress=False)
    fake = stretched(fake) if args.stretched else fake
    fake = sharpened(fake, args.sharpened) if args.sharpened else fake
    fake = clipped(fake, args.clipped) if args.clipped else fake
    real_order, fake_order, train, held, scored = split_halves(len(real), len(fake), args.seed)
    images = np.concatenate([real[real_order], fake[fake_order]]).reshape(-1, real.shape[-2], real.shape[-1])
    classes = np.concatenate([real_labels[real_order], fake_labels[fake_order]])
    y = np.concatenate([np.ones(len(real_order), int), np.zeros(len(fake_order), int)])
    fit, score = torch.cat([train, held]).numpy(), scored.numpy()
    stats = statistics(images)
    samples = (f"{args.weights}{', stretched' if args.stretched else ''}"
               f"{f', sharpened by {args.sharpened:g}' if args.sharpened else ''}"
               f"{f', spread by {1 + args.clipped:g} and clipped' if args.clipped else ''}")
    print(f"| one number per image (real test images vs {samples}, seed {args.seed}) | real: median | "
          "generated: median | held-out accuracy, a threshold per class |")
    print("|---|---|---|---|")
    for name, value in stats.items():
        accuracy = threshold_accuracy(value, y, classes, fit, score)
        print(f"| {name} | {np.median(value[y == 1]):.4g} | {np.median(value[y == 0]):.4g} | {accuracy:.3f} |")
    one_hot = np.eye(int(classes.max()) + 1)[classes]
    features = np.column_stack([*stats.values(), one_hot,
                                *(v[:, None] * one_hot for v in stats.values())])  # each number per class too
    print(f"| all of them, a logistic regression with the class | | | {logistic_accuracy(features, y, fit, score):.3f} |")
    if args.bands:
        print()
        print("\n".join(band_table({"real test images": images[y == 1], samples: images[y == 0]})))


if __name__ == "__main__":
    main()
