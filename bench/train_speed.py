"""Training throughput of every preset beside a straight copy of the reference code, in one run.

    python -m bench.train_speed [--batch-size 64] [--steps 20] [--repeats 3]      # CPU, batch 64 for all
    python -m bench.train_speed --device cuda [--compile on|off|both]             # each preset's GPU batch
    python -m bench.train_speed --device cuda --batch-size 32 --arch fast         # small batches on a GPU

Prints images/s (median of interleaved repeats) and the ratio to the reference copy. Each measurement
runs the real cgan training step (Trainer.train_step plus the EMA update) on Fashion-MNIST batches;
on CUDA the timed region is bracketed by torch.cuda.synchronize(). Compilation happens in the
warm-up steps and is not timed (its duration is printed). The cgan models train as train.py does, with
--precision auto (bf16 autocast on CPUs with bf16 in hardware); the reference copy is always fp32:

    python -m bench.train_speed --arch fast --batch-size 16 --variant fp32:precision=fp32   # bf16 against fp32
"""
import argparse
import statistics
import tempfile
import time

import torch

from cgan.config import ARCHS, PRESETS, TrainConfig
from cgan.data import load_dataset
from cgan.devices import describe, pick_device
from cgan.training.distributed import Distributed
from cgan.training.ema import update_ema
from cgan.training.loop import Trainer
from cgan.training.schedules import ema_beta
from bench import reference_copy


def synchronize(device):
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def images_per_second(step, batch_size, steps, device, warmup=3):
    for _ in range(warmup):
        step()
    synchronize(device)
    start = time.perf_counter()
    for _ in range(steps):
        step()
    synchronize(device)
    return steps * batch_size / (time.perf_counter() - start)


def parse_variant(text: str) -> tuple[str, dict]:
    """"g48:g_dim=48,d_depth=2" -> ("g48", {"g_dim": 48, "d_depth": 2}) (numbers as int or float, else str)."""
    label, _, fields = text.partition(":")
    overrides = {}
    for item in filter(None, fields.split(",")):
        key, _, value = item.partition("=")
        for cast in (int, float, str):
            try:
                overrides[key.strip()] = cast(value)
                break
            except ValueError:
                continue
    return label, overrides


def cgan_step(arch, batch_size, dataset, out_dir, device, compile_mode, **overrides):
    """One training step of the preset as train.py runs it (D and G updates, EMA), and its batch size."""
    config = TrainConfig(arch=arch, batch_size=batch_size, out_dir=out_dir, overwrite=True, device=device.type,
                         compile=compile_mode, **overrides)
    trainer = Trainer(config, device, Distributed(), dataset=dataset)
    cache, counter = {}, [0]
    beta = ema_beta(batch_images=trainer.batch_size, images_seen=10**9, halflife_images=20_000, rampup=0.0)
    started = time.perf_counter()
    trainer.first_step(*trainer.batch(0, cache))  # compiles when compiling
    synchronize(device)
    if trainer.compiled:
        print(f"  {arch}: compiled in {time.perf_counter() - started:.1f} s", flush=True)

    def step():
        counter[0] += 1
        trainer.step = counter[0]  # as the loop counts, so step-periodic work (lazy penalties) keeps its rate
        trainer.train_step(*trainer.batch(counter[0], cache))
        update_ema(trainer.generator_ema, trainer.generator, beta)

    return step, trainer.batch_size, trainer.compiled


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--device", default="cpu", help="cpu, cuda, mps or auto")
    parser.add_argument("--batch-size", type=int, default=None,
                        help="one batch size for every model (default: 64 on CPU; each preset's GPU batch on CUDA)")
    parser.add_argument("--steps", type=int, default=20, help="timed steps per measurement")
    parser.add_argument("--repeats", type=int, default=3, help="measurements per model (median is reported)")
    parser.add_argument("--compile", default="off", choices=["on", "off", "both"],
                        help="measure the presets compiled, eager, or both side by side")
    parser.add_argument("--arch", action="append", choices=ARCHS, help="presets to measure (default: all)")
    parser.add_argument("--no-reference-copy", action="store_true", help="skip the straight reference copy")
    parser.add_argument("--variant", action="append", default=[], metavar="NAME:FIELD=VALUE,...",
                        help="also measure the default preset with TrainConfig fields changed, e.g. g48:g_dim=48 "
                             "(batch_size=N gives the variant its own batch)")
    args = parser.parse_args()
    device = pick_device(args.device)
    torch.manual_seed(0)
    dataset = load_dataset("fashion-mnist")
    cpu_batch = 64

    def batch_for(arch):
        if args.batch_size:
            return args.batch_size
        if device.type == "cuda":
            return {**PRESETS[arch], **PRESETS[arch].get("gpu", {})}["batch_size"]
        return cpu_batch

    print(f"torch {torch.__version__}, {describe(device)}")
    modes = ["on", "off"] if args.compile == "both" else [args.compile]
    steps, batches = {}, {}
    with tempfile.TemporaryDirectory() as tmp:
        if not args.no_reference_copy:
            batch = args.batch_size or (batch_for("reference") if device.type == "cuda" else cpu_batch)
            steps["reference (straight copy)"] = reference_copy.make_step(batch, device)
            batches["reference (straight copy)"] = batch
        for arch in args.arch or ARCHS:
            for mode in modes:
                step, batch, compiled = cgan_step(arch, batch_for(arch), dataset, f"{tmp}/{arch}-{mode}", device, mode)
                name = f"cgan --arch {arch}" + (f" (compile {mode}{'' if compiled == (mode == 'on') else ': failed'})"
                                                if len(modes) > 1 or mode == "on" else "")
                steps[name], batches[name] = step, batch
        for variant in args.variant:
            label, overrides = parse_variant(variant)
            name = f"cgan --arch fast ({label})"
            batch = overrides.pop("batch_size", batch_for("fast"))  # a variant may set its own batch
            steps[name], batches[name], _ = cgan_step("fast", batch, dataset, f"{tmp}/{label}", device,
                                                      modes[-1], **overrides)
        rates = {name: [] for name in steps}
        for _ in range(args.repeats):  # interleaved, so drift on a noisy machine hits every model alike
            for name, step in steps.items():
                rates[name].append(images_per_second(step, batches[name], args.steps, device))
    base_name = "reference (straight copy)" if "reference (straight copy)" in rates else next(iter(rates))
    base = statistics.median(rates[base_name])
    print(f"{'model':40s} {'batch':>6s} {'images/s (median)':>18s} {'min':>9s} {'max':>9s} {'vs ' + base_name.split()[0]:>14s}")
    for name, values in rates.items():
        median = statistics.median(values)
        print(f"{name:40s} {batches[name]:6d} {median:18.1f} {min(values):9.1f} {max(values):9.1f} {median / base:13.2f}x")


if __name__ == "__main__":
    main()
