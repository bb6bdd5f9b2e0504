"""Evaluate a generator in the evaluation network's feature space and write metrics.json.

    python -m cgan.evaluate --weights weights            # 1000 images per class
    python -m cgan.evaluate --weights USER/REPO --per-class 200 --no-gan-train
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

from cgan.console import fail, generator_parser
from cgan.data import DataNotFoundError
from cgan.devices import pick_device
from cgan.evaluation.classifier import SHIPPED_EVALUATOR
from cgan.evaluation.report import evaluate_generator, format_table
from cgan.export import WeightsError, load_generator
from cgan.export.names import EVALUATOR_WEIGHTS_NAME, METRICS_NAME


def main(argv=None) -> int:
    parser = generator_parser(__doc__)
    parser.add_argument("--per-class", type=int, default=1000, help="generated images per class")
    parser.add_argument("--evaluator", default=None, help="folder with evaluator.safetensors/.json (default: the "
                        "generator's own folder when it holds one, else the repository's weights/)")
    parser.add_argument("--seed", type=int, default=0, help="first latent seed: the images use seeds SEED, SEED+1, ... (one per image), so "
                        "another draw that shares none of them starts at least PER_CLASS x classes away (10000 for "
                        "Fashion-MNIST at 1000 per class); also picks the real training subset of the floors")
    parser.add_argument("--truncation", type=float, default=1.0, help="truncation psi for the generated images")
    parser.add_argument("--no-gan-train", action="store_true", help="skip the GAN-train accuracy")
    parser.add_argument("--detector-seeds", type=int, nargs="*", default=[0, 1],
                        help="seeds of the two-sample detector runs (each trains a detector for real vs generated, "
                             "10-20 minutes on 2 CPU cores, and the first time one for real vs real, whose result "
                             "the cache keeps); none given: skip the test")
    parser.add_argument("--data-dir", default=None, help="where the dataset lives")
    parser.add_argument("--out", default=None, help="metrics.json path (default: inside a local --weights folder, "
                                                    "else ./metrics.json)")
    args = parser.parse_args(argv)
    if args.per_class < 10:
        parser.error("--per-class must be at least 10 (k-NN manifolds need neighbours)")
    try:
        generator = load_generator(args.weights, revision=args.revision, device=pick_device(args.device))
        own = generator.source_folder
        evaluator = args.evaluator or (own if (own / EVALUATOR_WEIGHTS_NAME).is_file() else SHIPPED_EVALUATOR)
        result = evaluate_generator(generator, evaluator_dir=evaluator, per_class=args.per_class, seed=args.seed,
                                    truncation=args.truncation, gan_train=not args.no_gan_train,
                                    data_dir=args.data_dir, detector_seeds=args.detector_seeds)
    except (WeightsError, DataNotFoundError, FileNotFoundError, ValueError) as e:
        fail(str(e), code=2)
    result["weights"] = args.weights
    print(format_table(result, generator.config.class_names))
    print("targets met: " + ", ".join(f"{k}={'yes' if v else 'NO'}" for k, v in result["targets"].items()))
    out = Path(args.out) if args.out else (Path(args.weights) / METRICS_NAME if Path(args.weights).is_dir()
                                           else Path(METRICS_NAME))
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
