"""Quality against images seen: evaluate every snapshot of a run (train.py --snapshot-every-images N) and its export.

    python experiments/quality_curve.py runs/shipped [--per-class 300] [--every 2]

Prints a Markdown table (images seen, training minutes, class consistency, FID and its floor,
precision, recall) and writes RUN/quality_curve.json.
"""
import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from cgan.evaluation.report import evaluate_generator  # noqa: E402
from cgan.export import load_export  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("run_dir")
    parser.add_argument("--per-class", type=int, default=300)
    parser.add_argument("--every", type=int, default=1, help="evaluate every k-th snapshot (the last always)")
    args = parser.parse_args()
    snapshots = sorted((Path(args.run_dir) / "snapshots").glob("images-*"))
    chosen = snapshots[args.every - 1::args.every]
    if snapshots and snapshots[-1] not in chosen:
        chosen.append(snapshots[-1])
    if (Path(args.run_dir) / "export" / "model.safetensors").is_file():
        chosen.append(Path(args.run_dir) / "export")  # the end of the run
    rows = []
    print("| images seen | training min | class consistency | FID (floor) | precision | recall |")
    print("|---|---|---|---|---|---|")
    for folder in chosen:
        generator = load_export(folder)
        training = generator.metadata["training"]
        result = evaluate_generator(generator, per_class=args.per_class, gan_train=False, progress=False)
        row = {"images_seen": training["images_seen"], "train_minutes": round(training["train_seconds"] / 60, 2),
               **{k: result[k] for k in ("class_consistency", "fid", "fid_floor", "intra_fid", "precision", "recall")}}
        rows.append(row)
        print(f"| {row['images_seen']:,} | {row['train_minutes']:.1f} | {row['class_consistency']:.3f} | "
              f"{row['fid']:.2f} ({row['fid_floor']:.2f}) | {row['precision']:.3f} | {row['recall']:.3f} |", flush=True)
    (Path(args.run_dir) / "quality_curve.json").write_text(json.dumps(rows, indent=2) + "\n")


if __name__ == "__main__":
    main()
