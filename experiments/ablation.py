"""Design ablations on a fixed images-seen budget: train each variant, evaluate it, print one table.

    python -m experiments.ablation --images 48000 --parallel 2 base "decay:--lr-decay linear" \
        "cbn:--lr-decay linear --g-norm conditional"

Each variant is NAME or NAME:FLAGS (flags for train.py on top of the default preset). Runs go to
OUT/NAME (default experiments/results/ablation); a finished run is not trained again, so the command can be
rerun to add variants or after an interruption (an unfinished run is resumed). `--parallel N` trains N
variants at once with one CPU thread each (two single-thread runs do more work on two cores than one
two-thread run; every run has the same step budget, so sharing changes only wall time). Evaluation:
`cgan.evaluate` with --per-class images per class, no GAN-train. `--common FLAGS` go to every variant
(before its own), and `--device cuda` trains and generates on a GPU, eager (`--compile off`: no compile time
per run; the preset's GPU batch applies unless the flags give --batch-size):

    python -m experiments.ablation --device cuda --parallel 8 --images 133504 --batch-size 16 \
        --common "--batch-size 16" base "aux03:--aux-weight 0.3"
"""
import argparse
import json
import os
import shlex
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from cgan import run_layout

ROOT = Path(__file__).resolve().parent.parent
COLUMNS = ("class_consistency", "fid", "intra_fid", "precision", "recall")


def parse_variant(text: str) -> tuple[str, list[str]]:
    name, _, flags = text.partition(":")
    return name, shlex.split(flags)


def train(name: str, flags: list[str], *, out: Path, steps: int, threads: int, device: str) -> Path:
    """Train one variant to `steps` (resuming if it was interrupted); returns its export folder."""
    run = out / name
    export = run / run_layout.EXPORT
    if (export / "model.safetensors").is_file():
        return export
    resume = ["--resume"] if (run / run_layout.CHECKPOINTS).is_dir() and any((run / run_layout.CHECKPOINTS).iterdir()) else ["--overwrite"]
    env = {**os.environ, "OMP_NUM_THREADS": str(threads), "MKL_NUM_THREADS": str(threads)}
    cmd = [sys.executable, str(ROOT / "train.py"), "--out-dir", str(run), "--max-steps", str(steps),
           "--epochs", "1000", "--device", device, "--compile", "off", *resume, *flags]
    with open(out / f"{name}.log", "a") as log:
        subprocess.run(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, check=True)
    return export


def evaluate(export: Path, *, per_class: int, device: str = "cpu") -> dict:
    result_path = export / "metrics.json"
    if not result_path.is_file():
        subprocess.run([sys.executable, "-m", "cgan.evaluate", "--weights", str(export), "--per-class", str(per_class),
                        "--no-gan-train", "--detector-seeds", "--device", device, "--out", str(result_path)],
                       cwd=ROOT, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return json.loads(result_path.read_text())


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("variants", nargs="+", help="NAME or NAME:FLAGS (train.py flags)")
    parser.add_argument("--images", type=int, default=48_000, help="images seen by every variant")
    parser.add_argument("--batch-size", type=int, default=32, help="to turn --images into steps (variants that "
                        "change --batch-size get the same number of images)")
    parser.add_argument("--per-class", type=int, default=300, help="generated images per class for the evaluation")
    parser.add_argument("--parallel", type=int, default=2, help="variants trained at once, one thread each")
    parser.add_argument("--threads", type=int, default=None, help="CPU threads per run (default: 1 when several "
                        "run at once, else 2); 1 leaves a core to other work, e.g. a long training run")
    parser.add_argument("--common", default="", help="train.py flags for every variant, before its own")
    parser.add_argument("--device", default="cpu", help="cpu or cuda, for training and generating")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "ablation"))
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    common = shlex.split(args.common)
    variants = [(name, common + flags) for name, flags in map(parse_variant, args.variants)]

    def run(variant):
        name, flags = variant
        given = [i for i, flag in enumerate(flags) if flag == "--batch-size"]  # the last one wins, as in train.py
        batch = int(flags[given[-1] + 1]) if given else args.batch_size
        started = time.perf_counter()
        export = train(name, flags, out=out, steps=args.images // batch, device=args.device,
                       threads=args.threads or (1 if args.parallel > 1 else 2))
        result = evaluate(export, per_class=args.per_class, device=args.device)
        log = [json.loads(line) for line in (out / name / run_layout.LOG).read_text().splitlines()]
        rate = sorted(r["images_per_s"] for r in log)[len(log) // 2]
        print(f"{name}: done in {time.perf_counter() - started:.0f} s: FID {result['fid']:.2f}, "
              f"recall {result['recall']:.3f}, consistency {result['class_consistency']:.3f}", file=sys.stderr, flush=True)
        return name, flags, result, rate

    with ThreadPoolExecutor(args.parallel) as pool:
        rows = list(pool.map(run, variants))
    print(f"\n{args.images:,} images per variant, {args.per_class} generated per class; "
          f"images/s is the run's median (shared CPU, {args.parallel} at once)\n")
    print("| variant | flags | class consistency | FID | intra-class FID | precision | recall | images/s |")
    print("|---|---|---|---|---|---|---|---|")
    summary = []
    for name, flags, result, rate in rows:
        print(f"| {name} | `{' '.join(flags)}` | " + " | ".join(f"{result[c]:.3f}" for c in COLUMNS) + f" | {rate:.0f} |")
        summary.append({"name": name, "flags": flags, "images_per_s": rate, **{c: result[c] for c in COLUMNS},
                        "fid_floor": result["fid_floor"]})
    (out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")


if __name__ == "__main__":
    main()
