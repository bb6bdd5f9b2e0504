"""The rules for values that users send (app controls, API requests, CLI flags): type, finiteness, range.

Strict on purpose: `true` is not the number 1, `"7"` is not the seed 7, 3.5 is not a whole number,
and `"false"` is not a checkbox value. Each check raises ValueError with a message that says what is
allowed and quotes the input shortened, so a 1 MB request is not echoed back whole.
"""
from __future__ import annotations

import math
from typing import Any, Sequence

# The ranges users may ask for, shared by the app's controls, its API, the page's scripts and the CLI.
MAX_SEED = 2**32 - 1  # seeds are 0 ... MAX_SEED (a CPU torch.Generator seed per image)
TRUNCATION = (0.0, 2.0)  # truncation psi: 1 = none, smaller = cleaner and less varied
SLIDER_RANGE = 3.0  # latent direction sliders go from -SLIDER_RANGE to +SLIDER_RANGE (standard deviations)
MAX_GRID_SIDE = 8  # the Generate tab's grid is at most MAX_GRID_SIDE x MAX_GRID_SIDE images
FRAMES = (2, 64)  # interpolation frames



def shown(value: Any, limit: int = 60) -> str:
    """repr() of user input for an error message, shortened."""
    text = repr(value)
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text)} characters)"


def number(value: Any, what: str, low: float, high: float, *, whole: bool = False) -> float | int:
    """A finite JSON number (not a boolean, not a string) in [low, high]; an int when `whole`."""
    kind = "a whole number" if whole else "a number"
    ok = (isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
          and low <= value <= high and (not whole or float(value).is_integer()))
    if not ok:
        raise ValueError(f"{what} must be {kind} from {_plain(low)} to {_plain(high)}, got {shown(value)}")
    return int(value) if whole else float(value)


def _plain(bound: float) -> str:
    """3.0 -> "3", 4294967295 -> "4294967295" (not 4.29497e+09), 0.5 -> "0.5"."""
    return str(int(bound)) if float(bound).is_integer() else f"{bound:g}"


LISTED = 12  # choices an error message names at most


def choice(value: Any, what: str, choices: Sequence[str]) -> str:
    """One of the allowed strings."""
    if not isinstance(value, str) or value not in choices:
        listed = ", ".join(shown(c, 40)[1:-1] if isinstance(c, str) else str(c) for c in list(choices)[:LISTED])
        more = f" and {len(choices) - LISTED} more" if len(choices) > LISTED else ""
        raise ValueError(f"unknown {what} {shown(value)}; choose one of: {listed}{more}")
    return value


def flag(value: Any, what: str) -> bool:
    """A JSON boolean: true or false (not 0/1, not the string "false")."""
    if not isinstance(value, bool):
        raise ValueError(f"{what} must be true or false, got {shown(value)}")
    return value


def seed(value: Any, what: str = "seed") -> int:
    """A whole number from 0 to MAX_SEED."""
    return number(value, what, 0, MAX_SEED, whole=True)


def truncation(value: Any) -> float:
    """A truncation psi within TRUNCATION."""
    return number(value, "truncation", *TRUNCATION)
