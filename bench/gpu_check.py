"""Every GPU check of the project in one go, sized for a 10-minute slot on one GPU.

    python -m bench.gpu_check --out gpu-results [--data-dir DIR] [--minutes 3]
    python -m bench.gpu_check --out /tmp/check --device cpu --tiny        # rehearsal on a CPU

1. Speed: bench/train_speed.py on the device, every preset at its GPU batch, compiled and eager, and
   the straight reference copy; then the default preset at batch 32 (CUDA graphs territory).
2. Quality: `train.py` (default preset, fp32/TF32) for --minutes, then `cgan.evaluate` of its export
   (1000 images per class), beside the shipped weights' metrics.
3. bf16 against fp32: the same run with --precision bf16 for half the minutes, evaluated at 300 per
   class beside the fp32 run's snapshot at the same images seen.
Each step's output goes to OUT/*.txt and OUT/*.json; a failed step is reported and the next one runs.
"""
import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run(name: str, cmd: list[str], out: Path, timeout: float) -> bool:
    """Run one step, teeing its output into OUT/name.txt; True when it succeeded."""
    print(f"== {name}: {' '.join(cmd)}", flush=True)
    started = time.perf_counter()
    with open(out / f"{name}.txt", "w") as log:
        try:
            proc = subprocess.run(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                  timeout=timeout)
            text, ok = proc.stdout, proc.returncode == 0
        except subprocess.TimeoutExpired as e:
            text, ok = (e.stdout or b"").decode() if isinstance(e.stdout, bytes) else (e.stdout or ""), False
            text += f"\n(timed out after {timeout:.0f} s)"
        log.write(text)
    lines = [line for line in text.replace("\r", "\n").splitlines() if "step/s" not in line and "it/s" not in line]
    print("\n".join(lines[-25:]), flush=True)
    print(f"== {name}: {'ok' if ok else 'FAILED'} in {time.perf_counter() - started:.0f} s", flush=True)
    return ok


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", required=True, help="folder for the results")
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--data-dir", default=None, help="folder holding fashion-mnist/ (the .gz files)")
    parser.add_argument("--minutes", type=float, default=3.0, help="training time of the quality run")
    parser.add_argument("--tiny", action="store_true", help="rehearsal: a few steps of everything")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    py = sys.executable
    data = ["--data-dir", args.data_dir] if args.data_dir else []
    tiny_speed = ["--steps", "2", "--repeats", "1", "--batch-size", "16"] if args.tiny else ["--steps", "30", "--repeats", "3"]
    compile_modes = "off" if args.tiny else "both"  # compiling on a CPU takes minutes; the rehearsal skips it
    run("speed", [py, "bench/train_speed.py", "--device", args.device, "--compile", compile_modes,
                  "--tried-default", *tiny_speed], out, 300)
    run("speed-batch32", [py, "bench/train_speed.py", "--device", args.device, "--compile", compile_modes, "--arch", "fast",
                          "--batch-size", "32", "--no-reference-copy",
                          *(tiny_speed[:4] if args.tiny else ["--steps", "100", "--repeats", "3"])], out, 120)

    budget = ["--max-steps", "20", "--bn-recalibration-batches", "2"] if args.tiny else ["--max-minutes", str(args.minutes)]
    per_class = ["--per-class", "10" if args.tiny else "1000"]
    fp32, bf16 = out / "run-fp32", out / "run-bf16"
    snapshot = ["--snapshot-every-images", "5120" if args.tiny else "2000000"]
    if run("train-fp32", [py, "train.py", "--device", args.device, "--out-dir", str(fp32), "--overwrite",
                          "--epochs", "1000", "--precision", "fp32", *snapshot, *budget, *data], out, args.minutes * 60 + 150):
        run("evaluate-fp32", [py, "-m", "cgan.evaluate", "--weights", str(fp32 / "export"), *per_class, "--device",
                              args.device, "--out", str(out / "metrics-fp32.json"), *data], out, 150)
    half = ["--max-steps", "10", "--bn-recalibration-batches", "2"] if args.tiny else ["--max-minutes", str(args.minutes / 2)]
    if run("train-bf16", [py, "train.py", "--device", args.device, "--out-dir", str(bf16), "--overwrite",
                          "--epochs", "1000", "--precision", "bf16", *snapshot, *half, *data], out, args.minutes * 30 + 150):
        quick = ["--per-class", "10" if args.tiny else "300", "--no-gan-train", "--device", args.device, *data]
        run("evaluate-bf16", [py, "-m", "cgan.evaluate", "--weights", str(bf16 / "export"), *quick,
                              "--out", str(out / "metrics-bf16.json")], out, 90)
        snapshots = sorted((fp32 / "snapshots").glob("images-*"))
        bf16_images = json.loads((bf16 / "export" / "config.json").read_text())["training"]["images_seen"]
        nearest = min(snapshots, key=lambda p: abs(int(p.name.split("-")[1]) - bf16_images), default=None)
        if nearest is not None:
            run("evaluate-fp32-same-images", [py, "-m", "cgan.evaluate", "--weights", str(nearest), *quick,
                                              "--out", str(out / "metrics-fp32-same-images.json")], out, 90)
    print(f"results in {out}")


if __name__ == "__main__":
    main()
