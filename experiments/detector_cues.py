"""What gives the samples away? Train the two-sample detector once, then read its held-out verdicts by class and
look at the images it is surest about.

    python experiments/detector_cues.py weights --out runs/cues_shipped

Prints, per class, the pixel statistics of all the real test images and all the samples, then how often the
detector calls the held-out real images real and the generated ones generated, and writes three grids to --out:
the generated images it is surest are generated, the generated images it takes for real, and the real images it
takes for generated (columns of --show images, one row per class).
"""
import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cgan.data import load_dataset  # noqa: E402
from cgan.evaluation.detector import MAX_EPOCHS, two_sample_accuracy  # noqa: E402
from cgan.export import load_generator  # noqa: E402
from cgan.sampling import generate_dataset, grid_image  # noqa: E402


def extremes(images: np.ndarray, labels: np.ndarray, score: np.ndarray, num_classes: int, count: int) -> np.ndarray:
    """For each class, the `count` images with the highest score, one class after another."""
    rows = []
    for c in range(num_classes):
        members = np.flatnonzero(labels == c)
        rows.append(images[members[np.argsort(-score[members], kind="stable")[:count]]])
    return np.concatenate(rows)


def pixel_statistics(real: np.ndarray, real_labels: np.ndarray, fake: np.ndarray, fake_labels: np.ndarray,
                     names: list[str]) -> None:
    """Per class, real / generated: the mean pixel, the share of pixels above 200, the foreground's (pixels above
    10) share and mean."""
    print("| class | mean pixel | share above 200 | foreground share | foreground mean |")
    print("|---|---|---|---|---|")
    for c, name in enumerate(names):
        r, f = real[real_labels == c].astype(np.float64), fake[fake_labels == c].astype(np.float64)
        pairs = [(r.mean(), f.mean()), ((r > 200).mean(), (f > 200).mean()), ((r > 10).mean(), (f > 10).mean()),
                 (r[r > 10].mean(), f[f > 10].mean())]
        print(f"| {name} | " + " | ".join(f"{a:.3g} / {b:.3g}" for a, b in pairs) + " |")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("weights", help="export folder")
    parser.add_argument("--out", required=True, help="folder for the three grids")
    parser.add_argument("--seed", type=int, default=0, help="detector seed")
    parser.add_argument("--per-class", type=int, default=1000, help="generated images per class")
    parser.add_argument("--max-epochs", type=int, default=MAX_EPOCHS, help="at most this many detector epochs")
    parser.add_argument("--show", type=int, default=12, help="images per class in each grid")
    args = parser.parse_args()
    test = load_dataset("fashion-mnist", train=False)
    generator = load_generator(args.weights)
    names = generator.config.class_names
    fake, fake_labels = generate_dataset(generator, per_class=args.per_class, progress=False)
    real, real_labels = test.pixels(), test.labels.numpy()
    fake_labels = np.asarray(fake_labels)
    pixel_statistics(real, real_labels, fake, fake_labels, names)
    result = two_sample_accuracy(real, fake, seed=args.seed, max_epochs=args.max_epochs, progress=True)
    real_index, fake_index = result["scored_real"], result["scored_other"]
    p_real, p_fake = np.split(result["p_generated"], [len(real_index)])  # P(generated) of each scored image
    real, real_labels = real[real_index], real_labels[real_index]
    fake, fake_labels = fake[fake_index], fake_labels[fake_index]

    print(f"{args.weights}: detector accuracy {result['accuracy']:.3f} (seed {args.seed}, best after "
          f"{result['epochs']} epochs, {result['test_images']} held-out images)")
    print("| class | real called real | generated called generated | both | mean P(generated), generated |")
    print("|---|---|---|---|---|")
    for c, name in enumerate(names):
        right_real, right_fake = p_real[real_labels == c] < 0.5, p_fake[fake_labels == c] > 0.5
        both = np.concatenate([right_real, right_fake]).mean()
        print(f"| {name} | {right_real.mean():.3f} | {right_fake.mean():.3f} | {both:.3f} | "
              f"{p_fake[fake_labels == c].mean():.3f} |")

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    grids = {"generated_surest": (fake, fake_labels, p_fake), "generated_taken_for_real": (fake, fake_labels, -p_fake),
             "real_taken_for_generated": (real, real_labels, p_real)}
    for name, (images, labels, score) in grids.items():
        chosen = extremes(images, labels, score, len(names), args.show)
        grid_image(chosen, columns=args.show, scale=2).save(out / f"{name}.png")
    print(f"wrote {', '.join(f'{name}.png' for name in grids)} to {out}")


if __name__ == "__main__":
    main()
