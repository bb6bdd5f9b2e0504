"""Training-loop speed of two checkouts of this repo on the same network, side by side (no CPU regression).

    python bench/loop_ab.py OLD_CHECKOUT [NEW_CHECKOUT] [--steps 20] [--repeats 3] [--batch-size 32]

Each measurement runs in a fresh process that imports `cgan` from one checkout and times the training
loop's per-step work (Trainer.train_step and update_ema) for the network of the default preset
(plain BatchNorm, one D conv per resolution); the checkouts alternate, and medians are printed.
"""
import argparse
import statistics
import subprocess
import sys
from pathlib import Path

PROBE = r"""
import sys, time, tempfile, torch
sys.path.insert(0, sys.argv[1])
from cgan.config import TrainConfig, ModelConfig
from cgan.data import load_dataset
from cgan.training.distributed import Distributed
from cgan.training.ema import update_ema
from cgan.training.loop import Trainer
from cgan.training.schedules import ema_beta
steps, batch = int(sys.argv[2]), int(sys.argv[3])
extra = {"g_norm": "batch", "d_depth": 1, "lr_decay": "none"}
known = TrainConfig.__dataclass_fields__
with tempfile.TemporaryDirectory() as tmp:
    config = TrainConfig(out_dir=tmp + "/run", overwrite=True, batch_size=batch, device="cpu",
                         **{k: v for k, v in extra.items() if k in known})
    trainer = Trainer(config, torch.device("cpu"), Distributed(), dataset=load_dataset("fashion-mnist"))
    assert trainer.model_config.to_dict().get("d_depth", 1) == 1
    cache = {}
    def step(i):
        trainer.train_step(*trainer.batch(i, cache))
        update_ema(trainer.generator_ema, trainer.generator, 0.999)
    for i in range(3):
        step(i)
    start = time.perf_counter()
    for i in range(steps):
        step(3 + i)
    print(steps * batch / (time.perf_counter() - start))
"""


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("old")
    parser.add_argument("new", nargs="?", default=str(Path(__file__).resolve().parent.parent))
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=32)
    args = parser.parse_args()
    rates = {"old": [], "new": []}
    for _ in range(args.repeats):
        for name in ("old", "new"):
            out = subprocess.run([sys.executable, "-c", PROBE, getattr(args, name), str(args.steps), str(args.batch_size)],
                                 capture_output=True, text=True, check=True).stdout
            rates[name].append(float(out.strip().splitlines()[-1]))
    old, new = statistics.median(rates["old"]), statistics.median(rates["new"])
    print(f"old checkout {args.old}: {old:.1f} images/s (runs: {', '.join(f'{r:.1f}' for r in rates['old'])})")
    print(f"new checkout {args.new}: {new:.1f} images/s (runs: {', '.join(f'{r:.1f}' for r in rates['new'])})")
    print(f"new / old: {new / old:.3f}x (batch {args.batch_size}, {args.steps} steps, median of {args.repeats})")


if __name__ == "__main__":
    main()
