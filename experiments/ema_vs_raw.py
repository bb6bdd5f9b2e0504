"""Is the exported EMA generator at least as good as the raw one? Evaluate both from a run's last checkpoint.

    python experiments/ema_vs_raw.py runs/shipped [--per-class 1000]

raw: the trained generator with its own BatchNorm running statistics.
ema: the EMA generator with BatchNorm statistics recomputed for its weights (what train.py exports).
ema, no recalibration: the EMA weights with the raw generator's statistics, to show why recalibration matters.

    python experiments/ema_vs_raw.py runs/q20_relg0_spatial --export-raw runs/q20_relg0_spatial/export_raw

writes the raw generator, BatchNorm statistics recomputed as the export does, as an export folder instead, for
`python -m cgan.evaluate` (its detector and label-free figures) beside the run's own export.
"""
import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from cgan.training import checkpoints  # noqa: E402
from cgan.config import ModelConfig  # noqa: E402
from cgan.data import load_dataset  # noqa: E402
from cgan.evaluation.report import evaluate_generator  # noqa: E402
from cgan.export import save_export  # noqa: E402
from cgan.models import build_generator  # noqa: E402
from cgan.training.ema import recalibrate_batchnorm  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("run_dir")
    parser.add_argument("--per-class", type=int, default=1000)
    parser.add_argument("--gan-train", action="store_true", help="also the GAN-train accuracy (slow)")
    parser.add_argument("--export-raw", metavar="DIR", help="write the raw generator (BatchNorm recomputed) to DIR "
                        "as an export folder and stop")
    args = parser.parse_args()
    state = checkpoints.load_latest(args.run_dir)
    config = ModelConfig.from_dict(state["model_config"])
    resolved = json.loads((Path(args.run_dir) / "config.json").read_text())
    labels = load_dataset(resolved["train"]["dataset"]).labels
    weights = labels.bincount(minlength=config.num_classes).float()

    def generator(key, recalibrate):
        G = build_generator(config)
        G.load_state_dict(state[key])
        if recalibrate:
            recalibrate_batchnorm(G, batches=resolved["train"]["bn_recalibration_batches"],
                                  batch_size=resolved["optimizer"]["batch_size"], label_weights=weights,
                                  seed=resolved["train"]["seed"])
        return G.eval()

    if args.export_raw:
        raw = generator("generator", True)
        raw.config = config
        print(f"step {state['step']}: the raw generator written to {save_export(raw, args.export_raw)}")
        return
    ema_raw_stats = generator("generator_ema", False)
    ema_raw_stats.load_state_dict({k: v for k, v in state["generator"].items() if "running" in k or "num_batches" in k},
                                  strict=False)
    candidates = {"raw generator": generator("generator", False), "EMA, BN recalibrated (exported)": generator("generator_ema", True),
                  "EMA, raw BN statistics": ema_raw_stats.eval()}
    print(f"step {state['step']}, {args.per_class} images per class")
    print("| generator | class consistency | FID (floor) | intra-class FID | precision | recall |" +
          (" GAN-train |" if args.gan_train else ""))
    print("|---|---|---|---|---|---|" + ("---|" if args.gan_train else ""))
    for name, G in candidates.items():
        r = evaluate_generator(G, per_class=args.per_class, gan_train=args.gan_train, progress=False)
        print(f"| {name} | {r['class_consistency']:.4f} | {r['fid']:.2f} ({r['fid_floor']:.2f}) | {r['intra_fid']:.2f} | "
              f"{r['precision']:.3f} | {r['recall']:.3f} |" + (f" {r['gan_train_accuracy']:.4f} |" if args.gan_train else ""),
              flush=True)


if __name__ == "__main__":
    main()
