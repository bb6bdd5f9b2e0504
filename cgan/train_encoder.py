"""Train the encoder for a generator (image + class -> z in one pass) and save it beside the generator's weights.

    python -m cgan.train_encoder --weights weights                    # 10 minutes on the CPU, then a measurement
    python -m cgan.train_encoder --weights runs/default/export --minutes 3 --measure 0

Projections (the app's Project tab and /project) then start from the encoder's answer and refine it for a few
steps instead of 150. It ends by measuring, on --measure real test images of their true class: the pixel MSE of
the encoder alone and of the encoder with the refinement, against the projection without it and the best of 1000
seeds of the class.
"""
from __future__ import annotations

import statistics
import sys
import time

import torch

from cgan.console import fail, generator_parser
from cgan.data import DataNotFoundError, load_dataset
from cgan.devices import pick_device
from cgan.evaluation.classifier import as_input, evaluator_for
from cgan.explorer.encoder import fit_encoder, load_encoder, save_encoder
from cgan.explorer.projection import Projector
from cgan.export import WeightsError, load_generator
from cgan.sampling import latents_for_seeds


SEEDS = 1000  # the baseline a projection must beat: the best of this many seeds of the image's class


def measure(generator, classifier, encoder, test, count: int) -> dict[str, float]:
    """On the first `count` test images, each of its true class: the pixel MSE (0-1 scale; mean and median) of
    the encoder alone, of the encoder with the refinement (as the app projects), of the projection without the
    encoder and of the best of SEEDS seeds; the share of images where each beats that best seed; seconds."""
    images, labels = test.images[:count, 0].numpy(), test.labels[:count].tolist()
    plain, hybrid = Projector(generator, classifier), Projector(generator, classifier, encoder)
    seeds = latents_for_seeds(range(SEEDS), generator.config.z_dim)
    with torch.no_grad():
        drawn = {c: hybrid.draw(seeds, c).cpu() for c in sorted(set(labels))}
    errors = {"encoder alone": [], "encoder + refinement": [], "without the encoder": [], "best of 1000 seeds": []}
    seconds = {"encoder + refinement": [], "without the encoder": []}
    for image, label in zip(images, labels):
        x = as_input(image[None])
        errors["best of 1000 seeds"].append(float(((drawn[label] - x) / 2).pow(2).flatten(1).mean(1).min()))
        with torch.no_grad():
            alone = hybrid.draw(encoder(x.to(hybrid.device), torch.tensor([label], device=hybrid.device)), label)
        errors["encoder alone"].append(float(((alone.cpu() - x) / 2).pow(2).mean()))
        for name, projector in (("encoder + refinement", hybrid), ("without the encoder", plain)):
            found = projector.project(image, label)
            errors[name].append(found.pixel_mse)
            seconds[name].append(found.seconds)
    summary = {}
    for name, values in errors.items():
        summary[f"{name}: mean pixel MSE"] = statistics.fmean(values)
        summary[f"{name}: median pixel MSE"] = statistics.median(values)
        if name != "best of 1000 seeds":
            summary[f"{name}: share better than the best of 1000 seeds"] = statistics.fmean(
                float(a < b) for a, b in zip(values, errors["best of 1000 seeds"]))
    summary.update({f"{name}: median seconds": statistics.median(v) for name, v in seconds.items()})
    return summary


def train_beside(generator, train, minutes: float, *, out=None, seed: int = 0) -> str:
    """Train the encoder for a loaded generator on its dataset `train` and save it beside the generator's weights
    (or into `out`); returns the folder."""
    if train.class_names != generator.config.class_names or train.images.shape[-1] != generator.config.native_size:
        raise ValueError("the dataset does not match the generator's classes and size; give --data-dir")
    classifier, _ = evaluator_for(generator.source_folder, generator.config.class_names)
    started = time.perf_counter()
    encoder = fit_encoder(generator, train.images, train.labels, classifier, minutes=minutes, seed=seed)
    out = out or generator.source_folder
    save_encoder(encoder, generator, out, train_seconds=round(time.perf_counter() - started, 1), seed=seed,
                 command=f"python -m cgan.train_encoder --minutes {minutes:g} --seed {seed}")
    return out


def main(argv=None) -> int:
    parser = generator_parser(__doc__)
    parser.add_argument("--minutes", type=float, default=10.0, help="training time")
    parser.add_argument("--out", default=None, help="folder for encoder.safetensors/.json (default: the --weights "
                                                    "folder)")
    parser.add_argument("--data-dir", default=None, help="where the generator's dataset lives")
    parser.add_argument("--measure", type=int, default=100, help="real test images to measure on (0: none)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    if not 0 < args.minutes <= 24 * 60:
        parser.error("--minutes must be more than 0 and at most a day")
    try:
        generator = load_generator(args.weights, revision=args.revision, device=pick_device(args.device))
        dataset = generator.metadata.get("training", {}).get("dataset", "fashion-mnist")
        train = load_dataset(dataset, data_dir=args.data_dir, train=True)
        test = load_dataset(dataset, data_dir=args.data_dir, train=False) if args.measure else None
        out = train_beside(generator, train, args.minutes, out=args.out, seed=args.seed)
    except (WeightsError, DataNotFoundError, ValueError) as e:
        fail(f"{e} (dataset {dataset!r})" if "dataset" in str(e) else str(e), code=2)
    print(f"saved to {out}")
    if args.measure:
        classifier, _ = evaluator_for(generator.source_folder, generator.config.class_names)
        encoder, _ = load_encoder(out, generator)
        for name, value in measure(generator, classifier, encoder, test, args.measure).items():
            print(f"{name}: {value:.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
