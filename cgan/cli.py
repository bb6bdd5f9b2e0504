"""Command-line flags generated from the TrainConfig dataclass, with types checked by argparse."""
from __future__ import annotations

import argparse
import dataclasses
import sys
from typing import Callable, Sequence

from .config import TrainConfig

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
    """Parse and validate flags; bad values exit with a one-line error (argparse's usual code 2)."""
    parser = build_parser(description)
    args = parser.parse_args(argv)
    config = TrainConfig(**vars(args))
    try:
        config.validate()
    except ValueError as e:
        parser.error(str(e))
    return config


def fail(message: str, code: int = 1) -> None:
    """Print a clear error (no traceback) and exit."""
    print(f"error: {message}", file=sys.stderr)
    raise SystemExit(code)
