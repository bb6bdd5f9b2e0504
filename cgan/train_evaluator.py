"""Train the evaluation network on a dataset's training split and save it with its real-test accuracy.

    python -m cgan.train_evaluator --dataset fashion-mnist --out weights
"""
from __future__ import annotations

import argparse
import sys
import time

import torch

from cgan.evaluation.classifier import accuracy, fit_classifier, save_classifier
from cgan.console import fail
from cgan.data import DataNotFoundError, load_dataset


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--dataset", default="fashion-mnist", help="fashion-mnist, mnist or cifar10")
    parser.add_argument("--data-dir", default=None, help="where the dataset lives (default: ./data, then /usr/share/datasets)")
    parser.add_argument("--out", default="weights", help="folder for evaluator.safetensors and evaluator.json")
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
    model = fit_classifier(train.images, train.labels, num_classes=len(train.class_names), epochs=args.epochs,
                           seed=args.seed, progress=True)
    seconds = time.perf_counter() - started
    test_accuracy = accuracy(model, test.images, test.labels)
    save_classifier(model, args.out, {
        "dataset": args.dataset, "class_names": train.class_names, "test_accuracy": round(test_accuracy, 4),
        "epochs": args.epochs, "seed": args.seed, "train_seconds": round(seconds, 1),
        "torch_threads": torch.get_num_threads(),
        "command": f"python -m cgan.train_evaluator --dataset {args.dataset} --epochs {args.epochs} --seed {args.seed}"})
    print(f"test accuracy {test_accuracy:.4f} after {seconds:.0f}s; saved to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
