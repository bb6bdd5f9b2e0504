"""Batches from one in-memory tensor (what training does) vs a torch DataLoader over the same data.

    python -m bench.data_loading [--batch-size 32] [--batches 300]

Prints batches/s for both and the ratio, median of 3 runs each, measured side by side.
"""
import argparse
import statistics
import time

import torch
from torch.utils.data import DataLoader, TensorDataset

from cgan.data import load_dataset, to_float


def in_memory(images, labels, batch_size, batches):
    perm = torch.randperm(len(images))
    start = time.perf_counter()
    for i in range(batches):
        idx = perm[i * batch_size:(i + 1) * batch_size]
        to_float(images[idx], 28), labels[idx]  # the work a training step's batch costs
    return batches / (time.perf_counter() - start)


def data_loader(images, labels, batch_size, batches, workers):
    loader = DataLoader(TensorDataset(images, labels), batch_size=batch_size, shuffle=True, num_workers=workers,
                        drop_last=True)
    start = time.perf_counter()
    for i, (x, y) in enumerate(loader):
        x = to_float(x, 28)
        if i + 1 == batches:
            break
    return batches / (time.perf_counter() - start)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--batches", type=int, default=300)
    args = parser.parse_args()
    data = load_dataset("fashion-mnist")
    runs = {"in-memory tensor": [], "DataLoader (0 workers)": [], "DataLoader (2 workers)": []}
    for _ in range(3):
        runs["in-memory tensor"].append(in_memory(data.images, data.labels, args.batch_size, args.batches))
        runs["DataLoader (0 workers)"].append(data_loader(data.images, data.labels, args.batch_size, args.batches, 0))
        runs["DataLoader (2 workers)"].append(data_loader(data.images, data.labels, args.batch_size, args.batches, 2))
    base = statistics.median(runs["in-memory tensor"])
    for name, values in runs.items():
        median = statistics.median(values)
        print(f"{name:24s} {median:10.0f} batches/s   in-memory is {base / median:5.1f}x faster")


if __name__ == "__main__":
    main()
