"""Projection against the best of many random seeds, on real test images the generator never saw.

    python -m bench.projection [--weights weights] [--per-class 20] [--seeds 1000] [--no-encoder]

For --per-class Fashion-MNIST test images of every class, projects each (the app's defaults: cgan/explorer/
projection.py) with its true class, and compares the reconstruction with the best of --seeds random seeds of the
same class, picked separately by each measure (the strongest such baseline for it): pixel MSE (pixels in [0, 1])
and the Euclidean distance of evaluation-network features. Prints means, the ratio projection / best seed, the
share of images where projection wins, and the median and p95 time per projection. With an encoder beside the
weights (encoder.safetensors) the projection starts from it, as the app's does, and the encoder alone (its one
pass, no refinement) is measured too; --no-encoder leaves it out. Time it with nothing else running.
"""
import argparse
import statistics
import time
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parent.parent
from cgan.data import load_dataset
from cgan.evaluation.classifier import as_input, evaluator_for
from cgan.explorer.encoder import load_encoder
from cgan.explorer.projection import Projector
from cgan.export import load_generator
from cgan.sampling import latents_for_seeds


def best_of_seeds(projector: Projector, targets: np.ndarray, class_index: int, seeds: int) -> tuple[np.ndarray, np.ndarray]:
    """For each target: the lowest pixel MSE and the lowest feature distance among `seeds` random latents."""
    z = latents_for_seeds(range(10_000_000, 10_000_000 + seeds), projector.config.z_dim)  # not the projector's starts
    with torch.no_grad():
        images = torch.cat([projector.draw(chunk, class_index) for chunk in z.split(250)])
        x = as_input(targets)
        mse = ((images[None] - x[:, None]) / 2).pow(2).flatten(2).mean(2)  # (targets, seeds)
        distance = torch.cdist(projector.features(x), projector.features(images))
    return mse.min(1).values.numpy(), distance.min(1).values.numpy()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--weights", default=str(ROOT / "weights"))
    parser.add_argument("--per-class", type=int, default=20)
    parser.add_argument("--seeds", type=int, default=1000)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--no-encoder", action="store_true", help="project without the encoder beside the weights")
    parser.add_argument("--time-limit", type=float, default=None, help="seconds per projection (default: the app's)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    generator = load_generator(args.weights).eval()
    classifier, _ = evaluator_for(args.weights, generator.config.class_names)
    if classifier is None:
        raise SystemExit("no evaluation network fits these weights")
    encoder, why = (None, "--no-encoder") if args.no_encoder else load_encoder(args.weights, generator)
    print(f"projection {'from the encoder' if encoder is not None else f'without an encoder ({why})'}")
    projector = Projector(generator, classifier, encoder)
    test = load_dataset(generator.metadata.get("training", {}).get("dataset", "fashion-mnist"), train=False)
    pixels, labels = test.pixels(), np.asarray(test.labels)
    projector.project(pixels[0], int(labels[0]))  # warm-up, not counted
    rows, times, alone = [], [], []
    for class_index, name in enumerate(generator.config.class_names):
        picks = np.nonzero(labels == class_index)[0][:args.per_class]
        seed_mse, seed_distance = best_of_seeds(projector, pixels[picks], class_index, args.seeds)
        for i, pick in enumerate(picks):
            started = time.perf_counter()
            found = projector.project(pixels[pick], class_index, time_limit=args.time_limit)
            times.append(time.perf_counter() - started)
            rows.append((found.pixel_mse, seed_mse[i], found.feature_distance, seed_distance[i], found.steps))
            if encoder is not None:
                x = as_input(pixels[pick][None])
                with torch.no_grad():
                    alone.append(float(((projector.draw(encoder(x, torch.tensor([class_index])), class_index) - x)
                                        / 2).pow(2).mean()))
        print(f"  {name:12s} done", flush=True)
    p_mse, s_mse, p_dist, s_dist, steps = map(np.array, zip(*rows))
    times.sort()
    print(f"{len(rows)} test images, {args.per_class} per class; best of {args.seeds} seeds of the true class")
    print(f"pixel MSE            projection {p_mse.mean():.4f}   best seed {s_mse.mean():.4f}   "
          f"ratio {p_mse.mean() / s_mse.mean():.2f}   projection lower on {np.mean(p_mse < s_mse):.0%}")
    if alone:
        alone = np.array(alone)
        print(f"pixel MSE            encoder alone {alone.mean():.4f}   ratio to the best seed "
              f"{alone.mean() / s_mse.mean():.2f}   encoder alone lower on {np.mean(alone < s_mse):.0%}")
    print(f"feature distance     projection {p_dist.mean():.2f}     best seed {s_dist.mean():.2f}     "
          f"ratio {p_dist.mean() / s_dist.mean():.2f}   projection lower on {np.mean(p_dist < s_dist):.0%}")
    print(f"time per projection  median {statistics.median(times):.2f} s   p95 {times[int(0.95 * (len(times) - 1))]:.2f} s"
          f"   Adam steps: median {int(np.median(steps))}, {args.threads} threads")


if __name__ == "__main__":
    main()
