"""Generate images from a trained generator into an .npz file or a folder of PNGs.

    python -m cgan.sample --weights weights --per-class 100 --out samples.npz
    python -m cgan.sample --weights USER/REPO --per-class 8 --out samples/   # PNGs named by class
"""
from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import numpy as np
from PIL import Image

from cgan import values
from cgan.console import fail, generator_parser
from cgan.devices import pick_device
from cgan.export import WeightsError, load_generator
from cgan.files import atomic_path, write_failure
from cgan.sampling import generate_dataset


def safe_name(class_name: str) -> str:
    """A class name usable as a file name ('T-shirt/top' -> 'T-shirt_top')."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", class_name).strip("_") or "class"


def write_samples(out: Path, images: np.ndarray, labels: np.ndarray, names: list[str], *, first_seed: int) -> None:
    """FILE.npz, or one PNG per image in a folder; each file appears whole or not at all."""
    if out.suffix == ".npz":
        out.parent.mkdir(parents=True, exist_ok=True)
        with atomic_path(out) as tmp:
            np.savez_compressed(tmp, images=images, labels=labels.astype(np.int64), class_names=np.array(names))
        print(f"wrote {len(images)} images to {out}")
        return
    out.mkdir(parents=True, exist_ok=True)
    for i, (image, label) in enumerate(zip(images, labels)):
        with atomic_path(out / f"{safe_name(names[label])}_{first_seed + i:06d}.png") as tmp:
            Image.fromarray(image).save(tmp, format="PNG")
    print(f"wrote {len(images)} PNGs to {out}/")


def main(argv=None) -> int:
    parser = generator_parser(__doc__)
    parser.add_argument("--per-class", type=int, default=10, help="images per class")
    parser.add_argument("--out", required=True, help="FILE.npz (arrays 'images' uint8 and 'labels' int64) or a FOLDER for PNGs")
    parser.add_argument("--seed", type=int, default=0, help="first latent seed; image i uses seed + i")
    parser.add_argument("--truncation", type=float, default=1.0, help="truncation psi (1 = none, smaller = cleaner, less varied)")
    args = parser.parse_args(argv)
    if args.per_class < 1:
        parser.error("--per-class must be at least 1")
    low, high = values.TRUNCATION  # the same rules as the app's controls
    if not low <= args.truncation <= high:
        parser.error(f"--truncation must be from {low:g} to {high:g}")
    try:
        values.seed(args.seed)
    except ValueError as e:
        parser.error(f"--{e}")
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
    if last_seed > values.MAX_SEED:
        parser.error(f"--seed {args.seed}: the images would use seeds up to {last_seed}, past {values.MAX_SEED}")
    images, labels = generate_dataset(generator, per_class=args.per_class, seed=args.seed,
                                      truncation=args.truncation, progress=args.per_class * generator.config.num_classes >= 2000)
    try:
        write_samples(out, images, labels, generator.config.class_names, first_seed=args.seed)
    except OSError as e:
        fail(f"{write_failure(e)}: could not write {e.filename or out}; no partial file is left", code=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
