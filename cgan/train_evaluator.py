"""Train an evaluation network on a dataset's training split and save it with how it does on the real test set.

    python -m cgan.train_evaluator --dataset fashion-mnist --out weights                 # the classifier
    python -m cgan.train_evaluator --network autoencoder --epochs 5 --out weights        # the label-free features
"""
from __future__ import annotations

import argparse
import sys
import time

import torch

from cgan.evaluation.autoencoder import fit_autoencoder, reconstruction_error, save_autoencoder
from cgan.evaluation.classifier import accuracy, fit_classifier, save_classifier
from cgan.console import fail
from cgan.data import DataNotFoundError, load_dataset


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--dataset", default="fashion-mnist", help="fashion-mnist, mnist or cifar10")
    parser.add_argument("--data-dir", default=None, help="where the dataset lives (default: ./data, then /usr/share/datasets)")
    parser.add_argument("--network", choices=["classifier", "autoencoder"], default="classifier",
                        help="classifier: the evaluation network (class consistency, FID features); autoencoder: "
                             "the label-free feature space, trained without labels")
    parser.add_argument("--out", default="weights", help="folder for the network's .safetensors and .json")
    parser.add_argument("--epochs", type=int, default=3, help="passes over the training set")
    parser.add_argument("--seed", type=int, default=0, help="random seed (weights and data order)")
    args = parser.parse_args(argv)
    if args.epochs < 1:
        parser.error("--epochs must be at least 1")
    try:
        train = load_dataset(args.dataset, data_dir=args.data_dir, train=True)
        test = load_dataset(args.dataset, data_dir=args.data_dir, train=False)
    except DataNotFoundError as e:
        fail(str(e), code=2)
    started = time.perf_counter()
    command = (f"python -m cgan.train_evaluator --network {args.network} --dataset {args.dataset} "
               f"--epochs {args.epochs} --seed {args.seed}")
    info = {"dataset": args.dataset, "class_names": train.class_names, "epochs": args.epochs, "seed": args.seed,
            "torch_threads": torch.get_num_threads(), "command": command}
    if args.network == "autoencoder":
        model = fit_autoencoder(train.images, epochs=args.epochs, seed=args.seed, progress=True)
        info.update(train_seconds=round(time.perf_counter() - started, 1),
                    test_reconstruction_mse=round(reconstruction_error(model, test.images), 5))
        save_autoencoder(model, args.out, info)
        print(f"test reconstruction MSE {info['test_reconstruction_mse']} after {info['train_seconds']:.0f}s; "
              f"saved to {args.out}")
        return 0
    model = fit_classifier(train.images, train.labels, num_classes=len(train.class_names), epochs=args.epochs,
                           seed=args.seed, progress=True)
    seconds = time.perf_counter() - started
    test_accuracy = accuracy(model, test.images, test.labels)
    save_classifier(model, args.out, {**info, "test_accuracy": round(test_accuracy, 4), "train_seconds": round(seconds, 1)})
    print(f"test accuracy {test_accuracy:.4f} after {seconds:.0f}s; saved to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
