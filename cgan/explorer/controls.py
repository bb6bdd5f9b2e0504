"""The Generate tab's controls, defined once: name, label, URL key, range, step and default of each.

The tab's components, the API endpoints' parameters (/generate, /nearest, /class_grid), the page URL's state and
the page scripts (which send the values as one JSON object keyed by name) are all built from CONTROLS. Adding a
latent direction slider is one line here. The values themselves are checked by cgan.values, whose ranges these are.
"""
from __future__ import annotations

import functools
import inspect
import json
from dataclasses import dataclass
from typing import Any

from cgan.values import MAX_GRID_SIDE, MAX_SEED, SLIDER_RANGE, TRUNCATION

REQUIRED = inspect.Parameter.empty


@dataclass(frozen=True)
class Control:
    name: str  # the API parameter, and the key the page scripts send its value under
    label: str
    kind: str  # class (a class name), seed, range, direction (a latent direction slider) or latent (a latent code)
    elem_id: str
    low: float = 0.0
    high: float = 0.0
    step: float = 1.0
    default: Any = REQUIRED  # the API's default (REQUIRED: the call must give it); also the tab's starting value
    url: str | None = None  # its key in a shared link (?class=Dress&seed=7&psi=0.8&s0=1.5&z=...)
    group: str = "main"  # where the tab shows it: main, mixing (an accordion) or directions
    always_in_url: bool = False  # written to the URL even at its default (directions and latent only when set)

    @property
    def annotation(self) -> str:
        return {"class": "str", "latent": "str", "seed": "int"}.get(self.kind, "float")


def _direction(i: int) -> Control:
    return Control(f"direction_{i}", f"Direction {i + 1}", "direction", f"slider-{i}", -SLIDER_RANGE, SLIDER_RANGE,
                   0.1, 0.0, url=f"s{i}", group="directions")


CONTROLS = (
    Control("class_name", "Class", "class", "class", url="class", always_in_url=True),
    Control("seed", "Seed", "seed", "seed", 0, MAX_SEED, 1, url="seed", always_in_url=True),
    Control("side", "Grid side (1 = single image)", "range", "side", 1, MAX_GRID_SIDE, 1, 1),
    Control("truncation", "Truncation ψ", "range", "psi", *TRUNCATION, 0.05, 1.0, url="psi", always_in_url=True),
    Control("mix_class", "Second class", "class", "mix-class", default="", group="mixing"),
    Control("mix_weight", "Mix weight (0 = first class only)", "range", "mix-weight", 0.0, 1.0, 0.05, 0.0,
            group="mixing"),
    _direction(0), _direction(1), _direction(2), _direction(3),
    _direction(4), _direction(5), _direction(6), _direction(7),
    Control("latent", "Projected latent (replaces the seed's; from the Project tab)", "latent", "latent", default="",
            url="z"),
)
BY_NAME = {control.name: control for control in CONTROLS}
DIRECTIONS = tuple(control for control in CONTROLS if control.kind == "direction")
DETAILS = tuple(control for control in CONTROLS if control.name != "side")  # strips and /nearest: one image
GRID = tuple(control for control in CONTROLS if control.name not in ("class_name", "side", "mix_class", "mix_weight"))
SHARED = tuple(control for control in CONTROLS if control.url)  # the controls a page URL carries


def sliders(values: dict[str, Any]) -> list:
    """The direction sliders' values, in order, from the controls' values by name."""
    return [values[control.name] for control in DIRECTIONS]


def generation(values: dict[str, Any]) -> dict[str, Any]:
    """Explorer.generate's keyword arguments from the Generate tab's values by name (all of them, or DETAILS)."""
    return {"class_name": values["class_name"], "seed": values["seed"], "side": values.get("side", 1),
            "truncation": values["truncation"], "sliders": sliders(values), "latent": values["latent"],
            "mix_class": values["mix_class"] or values["class_name"], "mix_weight": values["mix_weight"]}


def published(fn, controls: tuple[Control, ...]):
    """fn(values) as an API function whose parameters are these controls' names, in order, with their defaults:
    gradio names an endpoint's parameters from the signature and passes values positionally in that order."""
    parameters = [inspect.Parameter(control.name, inspect.Parameter.POSITIONAL_OR_KEYWORD, default=control.default,
                                    annotation=control.annotation) for control in controls]

    @functools.wraps(fn)
    def call(*args):
        return fn(dict(zip((control.name for control in controls), args)))
    call.__signature__ = inspect.Signature(parameters)
    call.__doc__ = f"{inspect.cleandoc(fn.__doc__ or '')}\n\nArgs:\n" + "\n".join(  # the API page's and MCP's words
        f"    {control.name}: {described(control)}" for control in controls)
    return call


def described(control: Control) -> str:
    """One parameter in words, with its range."""
    if control.kind == "class":
        return control.label + ("" if control.default is REQUIRED else " (empty: none)")
    if control.kind == "latent":
        return "a latent code from /project (z1....) that replaces the seed's latent; empty: the seed's"
    def plain(x):
        return str(int(x)) if float(x).is_integer() else f"{x:g}"
    return f"{control.label}, {plain(control.low)} to {plain(control.high)}" + (
        f" (default {plain(control.default)})" if control.default is not REQUIRED else "")


def page_table() -> str:
    """The controls as the page scripts read them (web/change.js, trigger.js, generate.js): JSON, in order."""
    return json.dumps([{"name": c.name, "kind": c.kind, "elem_id": c.elem_id, "url": c.url, "default": c.default
                        if c.default is not REQUIRED else None, "always_in_url": c.always_in_url} for c in CONTROLS])
