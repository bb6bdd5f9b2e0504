"""Generate images from a trained generator into an .npz file or a folder of PNGs.

    python -m cgan.sample --weights weights --per-class 100 --out samples.npz
    python -m cgan.sample --weights USER/REPO --per-class 8 --out samples/   # PNGs named by class
"""
from __future__ import annotations

import argparse
import os
import re
import sys
from pathlib import Path

import numpy as np
from PIL import Image

from cgan.training.flags import fail
from cgan.explorer.inference import MAX_SEED
from cgan.devices import pick_device
from cgan.evaluate import generate_dataset
from cgan.export.folder import WeightsError, load_generator


def safe_name(class_name: str) -> str:
    """A class name usable as a file name ('T-shirt/top' -> 'T-shirt_top')."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", class_name).strip("_") or "class"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--weights", default="weights", help="export folder or Hub repo id USER/REPO")
    parser.add_argument("--revision", default=None, help="Hub revision (branch, tag or commit)")
    parser.add_argument("--per-class", type=int, default=10, help="images per class")
    parser.add_argument("--out", required=True, help="FILE.npz (arrays 'images' uint8 and 'labels' int64) or a FOLDER for PNGs")
    parser.add_argument("--seed", type=int, default=0, help="first latent seed; image i uses seed + i")
    parser.add_argument("--truncation", type=float, default=1.0, help="truncation psi (1 = none, smaller = cleaner, less varied)")
    parser.add_argument("--device", default="auto", help="auto, cpu, cuda or mps")
    args = parser.parse_args(argv)
    if args.per_class < 1:
        parser.error("--per-class must be at least 1")
    if not 0 <= args.truncation <= 2:  # the same rule as the app's ψ slider
        parser.error("--truncation must be from 0 to 2")
    if not 0 <= args.seed <= MAX_SEED:
        parser.error(f"--seed must be a whole number from 0 to {MAX_SEED}, got {args.seed}")
    out = Path(args.out)
    target = out.parent if out.suffix == ".npz" else out
    existing = next((p for p in [target, *target.parents] if p.exists()), None)
    if existing is None or not existing.is_dir() or not os.access(existing, os.W_OK):
        parser.error(f"--out {args.out}: cannot write there ({existing} is not a writable folder)")
    try:
        generator = load_generator(args.weights, revision=args.revision, device=pick_device(args.device))
    except (WeightsError, ValueError) as e:
        fail(str(e), code=2)
    last_seed = args.seed + args.per_class * generator.config.num_classes - 1
    if last_seed > MAX_SEED:
        parser.error(f"--seed {args.seed}: the images would use seeds up to {last_seed}, past {MAX_SEED}")
    images, labels = generate_dataset(generator, per_class=args.per_class, seed=args.seed,
                                      truncation=args.truncation, progress=args.per_class * generator.config.num_classes >= 2000)
    if out.suffix == ".npz":
        out.parent.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(out, images=images, labels=labels.astype(np.int64),
                            class_names=np.array(generator.config.class_names))
        print(f"wrote {len(images)} images to {out}")
    else:
        out.mkdir(parents=True, exist_ok=True)
        names = generator.config.class_names
        for i, (image, label) in enumerate(zip(images, labels)):
            Image.fromarray(image).save(out / f"{safe_name(names[label])}_{args.seed + i:06d}.png")
        print(f"wrote {len(images)} PNGs to {out}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
