"""The Hub model card (README.md) of an export: YAML metadata that ModelCard parses, then prose."""
from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import yaml

from cgan.export.folder import read_config
from cgan.export.names import CONFIG_NAME, METRICS_NAME, SAMPLES_NAME
from cgan.hub_datasets import is_hub_dataset, parse_spec
from cgan.text import json_text, markdown_text, one_line

MAX_LINEAGE = 64  # training records followed back through --init-from (a config.json from the Hub is untrusted)
DATASET_IDS = {"fashion-mnist": "fashion_mnist", "mnist": "mnist", "cifar10": "cifar10"}
ARCH_TEXT = {
    "fast": "the CPU-sized default: a DCGAN-style generator ([z, one-hot] -> ConvTranspose+BatchNorm+ReLU -> Tanh) "
            "and a spectral-norm projection discriminator",
    "reference": "the reference design: a 4-layer ConvTranspose+BatchNorm+ReLU generator at 32x32 and a nine-layer "
                 "spectral-norm discriminator that sees the label as extra channels",
    "paper": "Mirza & Osindero's (2014) MLP generator and maxout discriminator",
}


def _design_text(config, optimizer: dict[str, Any]) -> str:
    """What the config and the optimiser settings change from the family's plain design, in words."""
    notes = []
    if config.g_norm == "conditional":
        notes.append("class-conditional BatchNorm in the generator")
    if config.g_upsample == "nearest":
        notes.append("nearest-neighbour upsampling with 3x3 convolutions")
    if config.g_output == "full-range":
        notes.append("each image's output stretched to span black to white")
    elif config.g_output == "full-range-clipped":
        notes.append("each image's output stretched a little past black and white and clipped")
    if config.arch == "fast" and config.d_depth > 1:
        notes.append(f"{config.d_depth} discriminator convolutions at each lower resolution")
    if config.arch == "fast" and config.d_head == "spatial":
        notes.append("a discriminator head with a weight per position")
    if config.d_norm == "none":
        notes.append("a discriminator without spectral norm")
    if config.d_classifier and optimizer.get("aux_g_weight") == 0:
        notes.append("a discriminator that also learns the classes (an auxiliary classifier head) without pushing "
                     "the generator towards them")
    elif config.d_classifier:
        notes.append("trained against a discriminator with an auxiliary classifier head (AC-GAN loss)")
    return f" ({'; '.join(notes)})" if notes else ""


def _penalty_text(optimizer: dict[str, Any]) -> str:
    """The gradient penalties in words, or nothing when the run had none."""
    if not optimizer.get("gamma"):
        return ""
    return f" with R1 + R2 penalties (γ = {optimizer['gamma']:g}, every {optimizer.get('penalty_every', 1)} steps)"


def _amount(record: dict[str, Any], key: str) -> float:
    """A record's number, 0 where it is missing or not a finite number."""
    value = record.get(key)
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value) \
        else 0.0


def _history_text(training: dict[str, Any]) -> list[str]:
    """For a run that started from a trained generator (--init-from): that generator's training, and the whole
    lineage's images and hours; nothing for a run trained from scratch."""
    records, record = [], training
    while isinstance(record, dict) and len(records) < MAX_LINEAGE:
        records.append(record)
        record = record.get("started_from")
    if len(records) < 2:
        return []
    before = records[1:]
    images = sum(_amount(r, "images_seen") for r in before)
    hours = sum(_amount(r, "train_seconds") for r in before) / 3600
    return [f"- started from `{training.get('init_from', 'n/a')}` (`--init-from`), a generator trained for "
            f"{images:.0f} images ({hours:.2f} h) in {len(before)} run(s) before; in all: "
            f"{images + _amount(training, 'images_seen'):.0f} images, "
            f"{hours + _amount(training, 'train_seconds') / 3600:.2f} h of training"]


def _metrics_rows(metrics: dict[str, Any]) -> str:
    rows = [("class-consistency accuracy", "class_consistency", "real_test_accuracy"),
            ("FID (evaluation-network features)", "fid", "fid_floor"),
            ("intra-class FID", "intra_fid", "intra_fid_floor"),
            ("precision", "precision", "real_precision"), ("recall", "recall", "real_recall"),
            ("GAN-train accuracy", "gan_train_accuracy", "real_train_accuracy"),
            ("FID (label-free autoencoder features)", "ae_fid", "ae_fid_floor"),
            ("recall (autoencoder features)", "ae_recall", "ae_real_recall"),
            ("two-sample detector accuracy (0.5: indistinguishable)", "detector", "detector_floor")]
    lines = ["| metric | this model | real data |", "|---|---|---|"]
    lines += [f"| {name} | {metrics[a]:.4f} | {metrics[b]:.4f} |" for name, a, b in rows if a in metrics and b in metrics]
    return "\n".join(lines)


def hub_dataset_id(dataset: str) -> str | None:
    """The Hub id of an "hf:NAME[:CONFIG]" dataset; None for local folders and files."""
    if not is_hub_dataset(dataset):
        return None
    name, _ = parse_spec(dataset)
    return None if Path(name).exists() or name.startswith((".", "/")) else name


def card_text(export_dir: str | Path, repo_id: str) -> str:
    """The filled model card for the export in export_dir, to be published as repo_id."""
    folder = Path(export_dir)
    config, metadata = read_config(folder / CONFIG_NAME)
    training = metadata.get("training", {})
    optimizer = training.get("optimizer", {})
    metrics_path = folder / METRICS_NAME
    metrics = json.loads(metrics_path.read_text()) if metrics_path.is_file() else None
    dataset = training.get("dataset", "fashion-mnist")
    front = {"license": "mit", "library_name": "pytorch", "tags": ["gan", "conditional-image-generation", "pytorch", "cgan"]}
    dataset_id = DATASET_IDS.get(dataset) or hub_dataset_id(dataset)
    if dataset_id:
        front["datasets"] = [one_line(dataset_id, 200)]
    front_matter = "---\n" + yaml.safe_dump(front, sort_keys=False, allow_unicode=True) + "---"
    dataset = markdown_text(dataset, 200)
    classes = ", ".join(f"`{i}` {markdown_text(name)}" for i, name in enumerate(config.class_names))
    hours = training.get("train_seconds", 0) / 3600
    body = [
        f"# {markdown_text(repo_id.split('/')[-1])}: a class-conditional GAN",
        "",
        f"A conditional GAN (Mirza & Osindero, 2014) trained on **{dataset}** with cgan: {ARCH_TEXT[config.arch]}{_design_text(config, optimizer)}. "
        f"The generator takes a {config.z_dim}-dimensional noise vector and a one-hot class and returns a "
        f"{config.native_size}x{config.native_size} image with {config.channels} channel(s). These weights are the "
        f"exponential moving average of the generator, with BatchNorm statistics recomputed for them.",
        "",
        f"**Classes** ({config.num_classes}): {classes}",
        "",
        f"![samples: one row per class]({SAMPLES_NAME})",
        "",
        "## Use",
        "",
        "```python",
        "# pip install torch safetensors huggingface-hub, and the cgan package (this project's repository)",
        "from cgan.export import load_generator",
        "from cgan.sampling import generate, to_uint8",
        "",
        f'generator = load_generator("{repo_id}")',
        f"images = to_uint8(generate(generator, labels=[0, 1, 2], seeds=[0, 1, 2]))  # uint8 (3, {config.native_size}, {config.native_size})",
        "```",
        "",
        "## Training",
        "",
        f"- steps: {training.get('steps', 'n/a')}, images seen: {training.get('images_seen', 'n/a')} "
        f"({training.get('epochs', 'n/a')} epochs), wall time: {hours:.2f} h",
        *_history_text(training),
        f"- hardware: {training.get('hardware', 'n/a')}; arithmetic: {training.get('precision', 'fp32')}",
        f"- loss: {training.get('loss', 'n/a')}{_penalty_text(optimizer)}, batch size {training.get('batch_size', 'n/a')} "
        f"(effective {training.get('effective_batch_size', 'n/a')}), EMA half-life "
        f"{training.get('ema_halflife_images', 'n/a')} images",
        "",
        "Model configuration (`config.json`):",
        "",
        "```json",
        json_text(config.to_dict()),
        "```",
        "",
        "Training configuration:",
        "",
        "```json",
        json_text(training),
        "```",
        "",
        "## Evaluation",
        "",
    ]
    if metrics:
        body += [f"Measured with `python -m cgan.evaluate` ({metrics.get('per_class', '?')} images per class) in the "
                 "feature space of a Fashion-MNIST classifier (not Inception), in a label-free autoencoder's features, and by a "
                 "detector trained to tell generated from real images (0.5 when it cannot):", "", _metrics_rows(metrics)]
    else:
        body += ["Not evaluated yet: run `python -m cgan.evaluate --weights THIS_REPO`."]
    body.append("")
    return front_matter + "\n\n" + "\n".join(body)

