"""Average the weights of generators trained on from one pair, and export the average for `cgan.evaluate`.

    python experiments/weight_average.py weights runs/b512/export --out runs/avg/export
    python experiments/weight_average.py weights runs/b512/export --weights 1 3 --out runs/avg13/export
    python experiments/weight_average.py weights runs/b512/export --weights -1 2 --out runs/ext2/export

Generators that share a starting point (phases from the same export) sit in one basin, where the average of
their weights can draw better samples than either (Wortsman et al. 2022, "Model soups"). Every parameter is
averaged with the given weights (equal by default; a negative one extrapolates past the others: `--weights -1 2`
steps as far again beyond the second folder as it lies from the first); BatchNorm statistics are then recomputed
for the averaged weights, as train.py does for its EMA generator. The folder gets config.json, model.safetensors
and samples.png; the first folder's discriminator is copied beside it, so `train.py --init-from` can go on from
the average.
"""
import argparse
import copy
import shutil
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from cgan.export import save_export  # noqa: E402
from cgan.export.load import load_generator  # noqa: E402
from cgan.sampling import save_class_grid  # noqa: E402
from cgan.training.ema import recalibrate_batchnorm  # noqa: E402


def average_generators(generators, weights):
    """A copy of the first generator whose parameters are the weighted mean of all of theirs."""
    configs = {repr(g.config.to_dict()) for g in generators}
    if len(configs) != 1:
        raise SystemExit("weight_average.py: the generators have different designs (config.json differs)")
    total = float(sum(weights))
    states = [g.state_dict() for g in generators]
    average = {}
    for name, value in states[0].items():
        if value.is_floating_point():
            average[name] = sum(w / total * s[name] for w, s in zip(weights, states))
        else:
            average[name] = value
    result = copy.deepcopy(generators[0])
    result.load_state_dict(average)
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    parser.add_argument("folders", nargs="+", help="export folders of generators with the same config.json")
    parser.add_argument("--weights", nargs="+", type=float,
                        help="one weight per folder (default: equal); the sum must be positive")
    parser.add_argument("--out", required=True, help="export folder to write")
    parser.add_argument("--bn-batches", type=int, default=100, help="batches for the BatchNorm statistics")
    parser.add_argument("--bn-batch-size", type=int, default=256)
    args = parser.parse_args()
    weights = args.weights or [1.0] * len(args.folders)
    if len(weights) != len(args.folders) or sum(weights) <= 0:
        raise SystemExit("weight_average.py: give one weight per folder, with a positive sum")
    generators = [load_generator(folder) for folder in args.folders]
    average = average_generators(generators, weights)
    recalibrate_batchnorm(average, batches=args.bn_batches, batch_size=args.bn_batch_size)
    training = {"weight_average": {"folders": args.folders, "weights": weights},
                "started_from": generators[0].metadata.get("training", {})}
    out = save_export(average, args.out, training=training)
    discriminator = Path(args.folders[0]) / "discriminator.safetensors"
    if discriminator.is_file():
        shutil.copyfile(discriminator, out / discriminator.name)
    with torch.no_grad():
        save_class_grid(average, out / "samples.png")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
