"""Several generator EMAs from one training run: which half-life and ramp-up give the best samples.

    python -m experiments.ema_sweep --out experiments/results/ema1 --ema 10000:0.1 --ema 20000:0.2 \\
        -- --max-steps 8344 --epochs 1000 --snapshot-every-images 44500

Trains once with the given train.py flags (the run folder is OUT/run), and keeps beside the run's own
EMA one more EMA of the generator per `--ema HALFLIFE_IMAGES:RAMPUP`, updated after every step by the
same rule as the run's (`cgan.training.ema_beta`). Wherever the run exports (snapshots and the end),
each extra EMA is exported beside it as FOLDER-ema-HALFLIFE-RAMPUP, BatchNorm recalibrated as train.py
does. Then every export of the last step is evaluated with `cgan.evaluate` (no GAN-train) and one table
printed. The extra EMAs are saved with each checkpoint, so an interrupted sweep continues with the same
command. Training and evaluation use --threads CPU threads.
"""
import argparse
import copy
import os
from pathlib import Path

from experiments.ablation import COLUMNS, evaluate


def train_flags(args: list[str]) -> list[str]:
    """train.py's flags from what follows the experiment's own: a leading `--` dropped."""
    return args[1:] if args[:1] == ["--"] else args


def run_config(out: str, args: list[str], *, threads: int, description: str, fresh: tuple[str, ...] = ()):
    """The run's TrainConfig (CPU, no model.onnx), resumed where OUT/run holds a checkpoint."""
    flags = train_flags(args)
    os.environ.update(OMP_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads))
    import torch

    from cgan.training.flags import parse_config
    torch.set_num_threads(threads)
    run = Path(out) / "run"
    checkpoints = run / "checkpoints"
    start = ["--resume"] if checkpoints.is_dir() and any(checkpoints.iterdir()) else list(fresh)
    return parse_config([*flags, "--out-dir", str(run), "--device", "cpu", "--no-onnx", *start], description)


def parse_ema(text: str) -> tuple[int, float]:
    halflife, _, rampup = text.partition(":")
    try:
        return int(halflife), float(rampup or 0.05)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--ema wants HALFLIFE_IMAGES:RAMPUP, e.g. 20000:0.2; got {text!r}")


def ema_name(halflife: int, rampup: float) -> str:
    return f"ema-{halflife}-{rampup:g}"


def make_trainer(config, emas: list[tuple[int, float]]):
    """A Trainer whose hooks also keep, checkpoint and export the extra EMAs."""
    import torch

    from cgan.export import save_export
    from cgan.training.run_export import run_summary
    from cgan.files import atomic_path
    from cgan.sampling import save_class_grid
    from cgan.training.distributed import Distributed
    from cgan.training.ema import recalibrate_batchnorm, update_ema
    from cgan.training.loop import GRID_SEEDS, Trainer
    from cgan.training.schedules import ema_beta

    trainer = Trainer(config, torch.device("cpu"), Distributed())
    extra = {ema_name(*e): (e, copy.deepcopy(trainer.generator_ema)) for e in emas}
    saved = trainer.out_dir / "extra_emas.pt"
    if trainer.resuming and saved.is_file():
        state = torch.load(saved, map_location=trainer.device, weights_only=True)
        if state["step"] != trainer.step:
            raise RuntimeError(f"{saved} is from step {state['step']}, the checkpoint from {trainer.step}")
        for name, (_, module) in extra.items():
            module.load_state_dict(state["emas"][name])

    def update(trainer):
        images_seen = trainer.step * trainer.global_batch
        for (halflife, rampup), module in extra.values():
            update_ema(module, trainer.generator, ema_beta(batch_images=trainer.global_batch, images_seen=images_seen,
                                                           halflife_images=halflife, rampup=rampup))

    def checkpoint(trainer):
        with atomic_path(saved) as tmp:
            torch.save({"step": trainer.step, "emas": {name: m.state_dict() for name, (_, m) in extra.items()}}, tmp)

    def export(trainer, folder):
        for name, (_, module) in extra.items():
            recalibrate_batchnorm(module, batches=trainer.config.bn_recalibration_batches,
                                  batch_size=trainer.batch_size, label_weights=trainer.label_weights,
                                  seed=trainer.config.seed)
            extra_folder = folder.parent / f"{folder.name}-{name}"
            save_export(module, extra_folder, training=run_summary(trainer))
            save_class_grid(module, extra_folder / "samples.png", seeds=GRID_SEEDS)

    trainer.on("step", update)
    trainer.on("checkpoint", checkpoint)
    trainer.on("export", export)
    return trainer


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--out", required=True, help="sweep folder; the run is OUT/run")
    parser.add_argument("--ema", type=parse_ema, action="append", required=True,
                        help="an extra EMA as HALFLIFE_IMAGES:RAMPUP (repeatable)")
    parser.add_argument("--per-class", type=int, default=1000, help="generated images per class for the evaluation")
    parser.add_argument("--threads", type=int, default=2, help="CPU threads for training and evaluation")
    parser.add_argument("train_flags", nargs=argparse.REMAINDER, help="-- then train.py flags")
    args = parser.parse_args()
    config = run_config(args.out, args.train_flags, threads=args.threads, description="ema sweep (train.py flags)",
                        fresh=("--overwrite",))
    run = Path(args.out) / "run"
    flags = train_flags(args.train_flags)
    if not (run / "export" / "model.safetensors").is_file():
        make_trainer(config, args.ema).fit()

    exports = [run / "export"] + [run / f"export-{ema_name(*e)}" for e in args.ema]
    own = f"run's own ({config.ema_halflife_images}:{config.ema_rampup:g})"
    print(f"\n{' '.join(flags)}; {args.per_class} generated per class\n")
    print("| EMA (half-life images : ramp-up) | " + " | ".join(COLUMNS) + " |")
    print("|---" * (len(COLUMNS) + 1) + "|")
    for export, label in zip(exports, [own] + [f"{h}:{r:g}" for h, r in args.ema]):
        result = evaluate(export, per_class=args.per_class)  # inherits the thread settings above
        print(f"| {label} | " + " | ".join(f"{result[c]:.3f}" for c in COLUMNS) + " |", flush=True)


if __name__ == "__main__":
    main()
