"""The shared start of the experiments that hook into one train.py run: its flags, its folder, its threads.

    config = run_config(out, args, threads=2, description="...")   # the run is OUT/run

`args` are train.py's flags after a `--`; the run continues with --resume when OUT/run has a checkpoint,
and otherwise starts with `fresh` (e.g. ["--overwrite"]). Torch and its thread settings are set here, before any
network is built.
"""
import os
from pathlib import Path


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
