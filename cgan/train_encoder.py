"""Train the encoder for a generator (image + class -> z in one pass) and save it beside the generator's weights.

    python -m cgan.train_encoder --weights weights                    # 10 minutes on the CPU, then a measurement
    python -m cgan.train_encoder --weights runs/default/export --minutes 3 --measure 0

Projections (the app's Project tab and /project) then start from the encoder's answer and refine it for a few
steps instead of 150. It ends by measuring, on --measure real test images of their true class: the pixel MSE of
the encoder alone and of the encoder with the refinement, against the projection without it.
"""
from __future__ import annotations

import statistics
import sys
import time


from cgan.console import fail, generator_parser
from cgan.data import DataNotFoundError, load_dataset
from cgan.devices import pick_device
from cgan.evaluation.classifier import evaluator_for
from cgan.explorer.encoder import fit_encoder, load_encoder, save_encoder
from cgan.explorer.projection import Projector
from cgan.export import WeightsError, load_generator


def measure(generator, classifier, encoder, test, count: int) -> dict[str, float]:
    """Median pixel MSE (0-1 scale) and seconds on the first `count` test images, each of its true class."""
    images, labels = test.images[:count, 0].numpy(), test.labels[:count].tolist()
    plain, hybrid = Projector(generator, classifier), Projector(generator, classifier, encoder)
    results = {"encoder alone": [], "encoder + refinement": [], "without the encoder": []}
    seconds = {"encoder + refinement": [], "without the encoder": []}
    for image, label in zip(images, labels):
        results["encoder alone"].append(hybrid.project(image, label, steps=1, time_limit=1e-9).pixel_mse)
        for name, projector in (("encoder + refinement", hybrid), ("without the encoder", plain)):
            found = projector.project(image, label)
            results[name].append(found.pixel_mse)
            seconds[name].append(found.seconds)
    summary = {f"{name}: median pixel MSE": statistics.median(v) for name, v in results.items()}
    summary.update({f"{name}: median seconds": statistics.median(v) for name, v in seconds.items()})
    return summary


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
    except (WeightsError, DataNotFoundError, ValueError) as e:
        fail(str(e), code=2)
    if train.class_names != generator.config.class_names or train.images.shape[-1] != generator.config.native_size:
        fail(f"the dataset {dataset!r} does not match the generator's classes and size; give --data-dir", code=2)
    classifier, _ = evaluator_for(generator.source_folder, generator.config.class_names)
    started = time.perf_counter()
    encoder = fit_encoder(generator, train.images, train.labels, classifier, minutes=args.minutes, seed=args.seed)
    out = args.out or generator.source_folder
    save_encoder(encoder, generator, out, train_seconds=round(time.perf_counter() - started, 1), seed=args.seed,
                 command=f"python -m cgan.train_encoder --minutes {args.minutes:g} --seed {args.seed}")
    print(f"saved to {out}")
    if args.measure:
        encoder, _ = load_encoder(out, generator)
        for name, value in measure(generator, classifier, encoder, test, args.measure).items():
            print(f"{name}: {value:.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
