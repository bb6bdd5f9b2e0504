"""What a run starts from: its own checkpoints (tensors and plain data only, written atomically, loaded with
weights_only=True), or a trained generator, with its discriminator where the export has one, that a new run
fine-tunes (--init-from)."""
from __future__ import annotations

import dataclasses
import json
import os
import re
from pathlib import Path
from typing import Any

import torch
from torch import nn

from cgan import run_layout
from cgan.checked_weights import expected_shapes, load_checked
from cgan.config import ModelConfig, TrainConfig
from cgan.export import load_generator
from cgan.export.model_card import MAX_LINEAGE
from cgan.export.names import DISCRIMINATOR_NAME
from cgan.files import atomic_path
from cgan.models import build_discriminator, plain_discriminator_weights

PATTERN = re.compile(r"^step-(\d+)\.pt$")
KEEP = 2  # newest checkpoints kept; older ones are deleted once a newer one is safely on disk


def checkpoint_dir(out_dir: str | os.PathLike) -> Path:
    return Path(out_dir) / run_layout.CHECKPOINTS


def save_checkpoint(out_dir: str | os.PathLike, step: int, state: dict[str, Any]) -> Path:
    """Write step-XXXXXXXX.pt via a temporary file and rename, so a kill never leaves a half file."""
    folder = checkpoint_dir(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"step-{step:08d}.pt"
    with atomic_path(path, durable=True) as tmp:
        torch.save(state, tmp)
    for old in list_checkpoints(out_dir)[:-KEEP]:
        old.unlink(missing_ok=True)
    return path


def list_checkpoints(out_dir: str | os.PathLike) -> list[Path]:
    """Complete checkpoints, oldest first (temporary files are ignored)."""
    folder = checkpoint_dir(out_dir)
    if not folder.is_dir():
        return []
    found = [(int(m.group(1)), p) for p in folder.iterdir() if (m := PATTERN.match(p.name))]
    return [p for _, p in sorted(found)]


def load_latest(out_dir: str | os.PathLike, map_location: str | torch.device = "cpu") -> dict[str, Any] | None:
    """The newest checkpoint that loads, or None when the run has none. A newer one that does not load (cut short
    by a full disk, or damaged) is skipped with a note naming it and the one used; ValueError when none loads."""
    paths = list_checkpoints(out_dir)
    if not paths:
        return None
    skipped = []
    for path in reversed(paths):
        try:
            state = torch.load(path, map_location=map_location, weights_only=True)
        except Exception as e:  # a truncated zip, a pickle cut short, an empty file: all unusable alike
            skipped.append(f"{path.name} ({type(e).__name__})")
            continue
        if isinstance(state, dict) and isinstance(state.get("step"), int):
            if skipped:
                print(f"--resume: skipped {', '.join(skipped)}, which did not load (kept as *.unreadable); "
                      f"continuing from {path.name}", flush=True)
                for bad in paths[paths.index(path) + 1:]:  # out of the way of pruning and of the next resume
                    bad.rename(bad.with_name(bad.name + ".unreadable"))
            return state
        skipped.append(f"{path.name} (not a checkpoint)")
    raise ValueError(f"--resume: no checkpoint in {checkpoint_dir(out_dir)} loads ({', '.join(skipped)}); "
                     f"start the run again with --overwrite")


GENERATOR_FIELDS = ("arch", "z_dim", "class_names", "channels", "image_size", "native_size", "g_dim", "g_norm",
                    "g_upsample")  # what decides the generator's weights
DISCRIMINATOR_FIELDS = ("d_dim", "d_conditioning", "d_depth", "d_norm", "d_head", "d_classifier")  # and D's, beside


MAX_TEXT = 200  # characters of a text field kept from a starting generator's record
MAX_RECORD_BYTES = 100_000  # the inherited records, as JSON: an export's config.json must stay loadable


def _small(value: Any) -> bool:
    return value is None or isinstance(value, (bool, int, float)) or (isinstance(value, str) and len(value) <= MAX_TEXT)


def _kept(record: dict[str, Any], generations: int) -> dict[str, Any]:
    """A record's short fields, and those of its dicts (the optimiser's), then, for up to `generations` more
    generators, the record it started from in turn."""
    kept = {}
    for key, value in record.items():
        if not isinstance(key, str) or len(key) > MAX_TEXT:
            continue
        if _small(value):
            kept[key] = value
        elif isinstance(value, dict) and key != "started_from":
            kept[key] = {k: v for k, v in value.items() if isinstance(k, str) and len(k) <= MAX_TEXT and _small(v)}
    parent = record.get("started_from")
    if isinstance(parent, dict) and generations > 0:
        kept["started_from"] = _kept(parent, generations - 1)
    return kept


def inherited_record(generator: nn.Module) -> dict[str, Any]:
    """How a loaded generator was trained: its config.json's training record, with the record of the generator it
    started from in turn, as many generators back as fit MAX_RECORD_BYTES ({} when it has none). A Hub export's
    config.json is untrusted, and what is kept travels into every run started from it."""
    training = generator.metadata.get("training", {})
    for generations in range(MAX_LINEAGE, -1, -1):
        record = _kept(training, generations)
        if len(json.dumps(record)) <= MAX_RECORD_BYTES:
            return record
    return {}


def training_record(weights: str) -> dict[str, Any]:
    """inherited_record of a trained generator (export folder or Hub repo)."""
    return inherited_record(load_generator(weights))


def started_from(state: dict[str, Any], init_from: str | None) -> dict[str, Any]:
    """The training record a resumed run's export carries: the checkpoint's, or, in a checkpoint written before
    checkpoints kept it, the one read again where the run started (none when that is gone or out of reach)."""
    if "started_from" in state:
        return state["started_from"]
    if not init_from:
        return {}
    try:
        return training_record(init_from)
    except (OSError, ValueError) as e:  # the run goes on; its export just cannot say more
        print(f"note: the training record of {init_from} is not at hand ({e}); the export will not say how the "
              "generator it started from was trained", flush=True)
        return {}


def choices_to_start_from(model_config: ModelConfig, config: TrainConfig, resuming: bool) -> ModelConfig:
    """A new --init-from run keeps the output step (g_output, which has no weights) of the generator it starts
    from unless --g-output names one, as the preset's would quietly change how the trained weights draw."""
    if not config.init_from or resuming or config.g_output is not None:
        return model_config
    return dataclasses.replace(model_config, g_output=load_generator(config.init_from).config.g_output)


def networks_to_start_from(weights: str, model_config: ModelConfig,
                           device: torch.device) -> tuple[dict[str, Any], dict[str, Any] | None, dict[str, Any]]:
    """The weights of a trained generator (export folder or Hub repo) for a new run's G, and of the discriminator
    it was trained against for D when the export has one of this run's design (else None: D starts afresh), and
    how it was trained (inherited_record). A spectral-norm discriminator also starts a run with d_norm="none": its
    weights become the plain ones that compute the same logits, which the gradient penalties alone then keep in
    check. ValueError when the generator's design or classes differ from the run's."""
    theirs, ours = load_generator(weights, device=device), model_config.to_dict()
    differ = [f"{name} {getattr(theirs.config, name)!r} there, {ours[name]!r} here" for name in GENERATOR_FIELDS
              if getattr(theirs.config, name) != ours[name]]
    if differ:
        raise ValueError(f"--init-from {weights}: that generator differs from this run's ({'; '.join(differ)}); "
                         "give the model flags it was trained with")
    record = inherited_record(theirs)
    g_state = theirs.state_dict()
    d_file = theirs.source_folder / DISCRIMINATOR_NAME
    unnormed = theirs.config.d_norm == "spectral" and ours["d_norm"] == "none"
    d_config = dataclasses.replace(model_config, d_norm="spectral") if unnormed else model_config
    if not d_file.is_file() or any(getattr(theirs.config, name) != getattr(d_config, name)
                                   for name in DISCRIMINATOR_FIELDS):
        return g_state, None, record
    try:
        d_state = load_checked(d_file, expected_shapes(lambda: build_discriminator(d_config)))
    except ValueError as e:
        raise ValueError(f"--init-from {weights}: {DISCRIMINATOR_NAME}: {e}") from None
    if unnormed:
        d_state = plain_discriminator_weights(d_state, model_config)
    return g_state, {name: tensor.to(device) for name, tensor in d_state.items()}, record
