"""Training throughput of every preset beside a straight copy of the reference code, in one run.

    python bench/train_speed.py [--batch-size 64] [--steps 20] [--repeats 3]

Prints images/s (median of repeats) and the ratio to the reference copy. Each measurement
runs the real cgan training step (Trainer.train_step) on Fashion-MNIST batches.
"""
import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from cgan.config import ARCHS, TrainConfig  # noqa: E402
from cgan.data import load_dataset  # noqa: E402
from cgan.distributed import Distributed  # noqa: E402
from cgan.training import Trainer  # noqa: E402
import reference_copy  # noqa: E402


def images_per_second(step, batch_size, steps, warmup=3):
    for _ in range(warmup):
        step()
    start = time.perf_counter()
    for _ in range(steps):
        step()
    return steps * batch_size / (time.perf_counter() - start)


def cgan_step(arch, batch_size, dataset, out_dir):
    config = TrainConfig(arch=arch, batch_size=batch_size, out_dir=out_dir, overwrite=True)
    trainer = Trainer(config, torch.device("cpu"), Distributed(), dataset=dataset)
    cache, counter = {}, [0]

    def step():
        trainer.train_step(*trainer._batch(counter[0], cache))
        counter[0] += 1

    return step


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--steps", type=int, default=20, help="timed steps per measurement")
    parser.add_argument("--repeats", type=int, default=3, help="measurements per model (median is reported)")
    args = parser.parse_args()
    torch.manual_seed(0)
    dataset = load_dataset("fashion-mnist")
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, batch size {args.batch_size}")
    with tempfile.TemporaryDirectory() as tmp:
        steps = {"reference (straight copy)": reference_copy.make_step(args.batch_size)}
        for arch in ARCHS:
            steps[f"cgan --arch {arch}"] = cgan_step(arch, args.batch_size, dataset, f"{tmp}/{arch}")
        rates = {name: [] for name in steps}
        for _ in range(args.repeats):  # interleaved, so drift on a noisy machine hits every model alike
            for name, step in steps.items():
                rates[name].append(images_per_second(step, args.batch_size, args.steps))
    base = statistics.median(rates["reference (straight copy)"])
    print(f"{'model':28s} {'images/s (median)':>18s} {'min':>8s} {'max':>8s} {'vs reference':>13s}")
    for name, values in rates.items():
        median = statistics.median(values)
        print(f"{name:28s} {median:18.1f} {min(values):8.1f} {max(values):8.1f} {median / base:12.2f}x")


if __name__ == "__main__":
    main()
