"""Command-line flags generated from the TrainConfig dataclass, with types checked by argparse."""
from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path
from typing import Callable, Sequence

from cgan import run_layout
from cgan.checked_weights import read_small_json
from cgan.config import ModelConfig, TrainConfig, without_retired

_TYPES = {"str": str, "int": int, "float": float}


def _base_type(annotation: str) -> Callable:
    name = annotation.removeprefix("Optional[").removesuffix("]")
    return _TYPES[name]


def build_parser(description: str) -> argparse.ArgumentParser:
    """One --flag per TrainConfig field; help text from the field's metadata, defaults shown."""
    parser = argparse.ArgumentParser(description=description, formatter_class=argparse.ArgumentDefaultsHelpFormatter,
                                     allow_abbrev=False)
    for f in dataclasses.fields(TrainConfig):
        flag = "--" + f.name.replace("_", "-")
        help_text = f.metadata.get("help", "")
        if f.type == "bool":
            parser.add_argument(flag, action="store_true", help=help_text)
        else:
            parser.add_argument(flag, type=_base_type(f.type), default=f.default, help=help_text,
                                metavar=f.name.upper())
    return parser


def parse_config(argv: Sequence[str] | None, description: str) -> TrainConfig:
    """Parse and validate flags; bad values exit with a one-line error (argparse's usual code 2).

    With --resume, flags not given again are taken from the run's saved config.json, so
    `train.py --resume --out-dir RUN` continues the run as it was started.
    """
    parser = build_parser(description)
    args = parser.parse_args(argv)
    config = TrainConfig(**vars(args))
    if config.resume:
        saved_path = Path(config.out_dir) / run_layout.RUN_CONFIG
        if saved_path.is_file():
            explicit = _explicit_flags(parser, argv)
            try:
                run = read_saved_run(saved_path)
            except ValueError as e:
                parser.error(f"--resume: {e}")
            for name, value in run.get("train", {}).items():
                if name in _RESUMABLE and name not in explicit:
                    setattr(config, name, value)
            _pin_resolved(config, run, explicit)
    try:
        config.validate()
    except ValueError as e:
        parser.error(str(e))
    return config


def read_saved_run(path: Path) -> dict:
    """A run's config.json, checked like flags typed by hand: a JSON object whose "train", "model" and "optimizer"
    sections hold known names with values of the flag's type (the value ranges are checked by validate())."""
    try:
        run = read_small_json(path)
    except OSError as e:
        raise ValueError(f"cannot read {path} ({e})") from None
    if not isinstance(run, dict):
        raise ValueError(f"{path} should hold a JSON object")
    for section in ("train", *_RESOLVED):
        values = run.get(section, {})
        if not isinstance(values, dict):
            raise ValueError(f"{path}: {section!r} should be an object, got {type(values).__name__}")
        values = run[section] = without_retired(values, f"{path}: {section}") if section in run else values
        types = _MODEL_TYPES if section == "model" else _FIELD_TYPES
        known = types if section == "train" else {name: types[name] for name in _RESOLVED[section]}
        for name, value in values.items():
            if section == "train" and name not in known:
                raise ValueError(f"{path}: unknown setting {section}.{name}; remove it or start a new run")
            if name in known and not _has_type(value, known[name]):
                raise ValueError(f"{path}: {section}.{name} should be {known[name]}, got {value!r}")
    return run


def _has_type(value, annotation: str) -> bool:
    """Is a JSON value acceptable for a field typed `annotation` ("int", "Optional[float]", "bool", ...)?"""
    if value is None:
        return annotation.startswith("Optional[")
    kind = annotation.removeprefix("Optional[").removesuffix("]")
    if kind == "bool":
        return isinstance(value, bool)
    if isinstance(value, bool):
        return False
    return isinstance(value, {"int": int, "float": (int, float), "str": str}[kind])


_FIELD_TYPES = {f.name: f.type for f in dataclasses.fields(TrainConfig)}
_MODEL_TYPES = {f.name: f.type for f in dataclasses.fields(ModelConfig)}
_RESUMABLE = {f.name for f in dataclasses.fields(TrainConfig)} - {"resume", "overwrite", "out_dir", "device"}
# Choices a run left to its preset, taken from what the preset resolved to when the run started: a preset
# changed since (e.g. a new default batch size) must not change a run that is being continued.
_RESOLVED = {"model": ("z_dim", "g_dim", "d_dim", "d_conditioning", "d_depth", "g_norm", "g_upsample", "g_output",
                       "d_norm", "d_head"),
             "optimizer": ("loss", "aux_weight", "aux_g_weight", "lr", "lr_d", "lr_decay", "lr_decay_start", "batch_size", "batch_ramp", "epochs", "beta1")}


# What a run saved before a setting existed trained with.
_BEFORE_IT_EXISTED = {"aux_weight": 0.0, "d_norm": "spectral", "d_head": "pooled", "g_output": "tanh", "batch_ramp": 1}
# Settings that, before they existed, always equalled another one.
_FOLLOWED_BEFORE_IT_EXISTED = {"aux_g_weight": "aux_weight"}


def _pin_resolved(config: TrainConfig, run: dict, explicit: set[str]) -> None:
    """Fill the flags still unset (None) from the saved run's resolved model and optimiser settings."""
    for section, names in _RESOLVED.items():
        saved = run.get(section, {})
        for name in names:
            if {"lr_d": "lr", "aux_g_weight": "aux_weight", "lr_decay": "lr_decay_start", "epochs": "max_images"}.get(name) in explicit:
                continue  # a new --lr (--aux-weight) without --lr-d (--aux-g-weight) keeps the preset's relation;
                # a new --lr-decay-start without --lr-decay means a linear decay
            if getattr(config, name) is None and name not in explicit:
                if name in saved:
                    setattr(config, name, saved[name])
                elif name in _BEFORE_IT_EXISTED and section in run:
                    setattr(config, name, _BEFORE_IT_EXISTED[name])
                elif name in _FOLLOWED_BEFORE_IT_EXISTED and section in run:
                    setattr(config, name, getattr(config, _FOLLOWED_BEFORE_IT_EXISTED[name]))


def _explicit_flags(parser: argparse.ArgumentParser, argv: Sequence[str] | None) -> set[str]:
    """Names of the options the user actually typed."""
    probe = argparse.ArgumentParser(add_help=False, argument_default=argparse.SUPPRESS, allow_abbrev=False)
    for action in parser._actions:
        if action.option_strings and action.dest != "help":
            kwargs = {"action": "store_true"} if isinstance(action, argparse._StoreTrueAction) else {"type": action.type}
            probe.add_argument(*action.option_strings, dest=action.dest, **kwargs)
    return set(vars(probe.parse_known_args(argv)[0]))
