"""The app's server plumbing: loading what it serves, strict API checks, one log line per rejected request,
the memorisation index built in the background, and the GPU allocation on Spaces."""
from __future__ import annotations

import functools
import inspect
import math
import socket
import sys
import threading
from pathlib import Path

import gradio as gr
from gradio import utils as gradio_utils

from cgan import values
from cgan.evaluation.classifier import evaluator_for
from cgan.evaluation.nearest import index_for_evaluator
from cgan.explorer.inference import Explorer
from cgan.export import load_generator

FILE_INPUTS = (gr.Image, gr.ImageEditor, gr.File)  # the components whose values are uploaded files (objects)
EDITOR_KEYS = {"background", "layers", "composite", "id"}  # what the sketchpad sends
SLIDERS = 8  # latent direction sliders in the app and its API (direction_0 ... direction_{SLIDERS - 1})
CACHE_MINUTES = 15  # result files (Gradio's cache, interpolation GIFs) older than this are deleted
CACHE_MB = 200  # ... and the least recently used beyond this total
SESSIONS = 32  # per-visitor state Gradio keeps in memory (a copy of the page config per visitor, and each REST call
# is one): the oldest go first. The app keeps no state of its own, so an evicted visitor just gets a fresh one.
# A theme with system fonts only: a blocked web-font request can stall the page offline.
THEME = gr.themes.Base(font=["system-ui", "Segoe UI", "Helvetica", "Arial", "sans-serif"],
                       font_mono=["ui-monospace", "Menlo", "Consolas", "monospace"])

try:  # ZeroGPU on Spaces: run inference inside a GPU allocation when the package is there
    import spaces

    gpu = spaces.GPU
except ImportError:
    def gpu(fn):
        return fn


def rejected(name: str, message: str) -> gr.Error:
    """The error a bad request gets, logged as one line."""
    print(f"rejected {name}: {message}", file=sys.stderr, flush=True)
    return gr.Error(message, print_exception=False)


def user_error(fn):
    """Turn ValueError and TypeError from the explorer into gr.Error, so the user sees what is allowed.

    One log line per rejected request, no traceback."""
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except (ValueError, TypeError) as e:
            raise rejected(fn.__name__, str(e)) from None
    wrapper.__name__, wrapper.__doc__ = fn.__name__, fn.__doc__
    wrapper.__signature__ = inspect.signature(fn)  # gradio names API parameters from it
    return wrapper


def with_sliders(fn):
    """Publish fn(..., *sliders, **options) with named parameters direction_0 ... direction_{SLIDERS - 1} (each 0 by
    default) and then its keyword-only options, all positional as gradio calls them: it names an endpoint's API
    parameters from the signature and passes values in that order."""
    signature = inspect.signature(fn)
    params = signature.parameters.values()
    fixed = [p for p in params if p.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD]
    options = [p.replace(kind=inspect.Parameter.POSITIONAL_OR_KEYWORD) for p in params
               if p.kind is inspect.Parameter.KEYWORD_ONLY]
    sliders = [inspect.Parameter(f"direction_{i}", inspect.Parameter.POSITIONAL_OR_KEYWORD, default=0.0,
                                 annotation="float") for i in range(SLIDERS)]

    @functools.wraps(fn)
    def call(*args, **kwargs):
        named = dict(zip((p.name for p in options), args[len(fixed) + SLIDERS:]))
        return fn(*args[:len(fixed) + SLIDERS], **named, **kwargs)
    call.__signature__ = signature.replace(parameters=fixed + sliders + options)
    return call


def file_problem(component, value) -> str | None:
    """Does `value` fit a file input: None, or Gradio's data of a file uploaded to this app (the sketchpad: an
    object of such files)? Checked before Gradio reads it, which would log a traceback for anything else."""
    if value is None:
        return None
    label = getattr(component, "label", None) or type(component).__name__
    files = [value]
    if isinstance(component, gr.ImageEditor):
        if not (isinstance(value, dict) and set(value) <= EDITOR_KEYS and isinstance(value.get("layers", []), list)):
            return f"{label} takes the sketchpad's images ({', '.join(sorted(EDITOR_KEYS))}), got {values.shown(value)}"
        files = [value.get("background"), value.get("composite"), *value.get("layers", [])]
    uploads = Path(gradio_utils.get_upload_folder()).resolve()
    for file in files:
        path = file.get("path") if isinstance(file, dict) else None
        if file is not None and not (isinstance(path, str) and uploads in Path(path).resolve().parents):
            return f"{label} takes a file uploaded to this app (gradio_client: handle_file(path)), got {values.shown(file)}"
    return None


def value_problem(component, value) -> str | None:
    """Does `value` fit the component it is meant for (a checkbox, number, slider, dropdown, radio, text box or
    file input)?"""
    label = getattr(component, "label", None) or type(component).__name__
    if isinstance(component, FILE_INPUTS):
        return file_problem(component, value)
    try:
        if isinstance(component, gr.Checkbox):
            values.flag(value, label)
        elif isinstance(component, (gr.Slider, gr.Number)):
            low, high = component.minimum, component.maximum
            values.number(value, label, -math.inf if low is None else low, math.inf if high is None else high)
    except ValueError as e:
        return str(e)
    if isinstance(component, (gr.Dropdown, gr.Radio)):
        choices = [c[1] if isinstance(c, (tuple, list)) else c for c in component.choices]
        custom = getattr(component, "allow_custom_value", False)
        if not isinstance(value, str) or (not custom and value not in choices):
            return f"{label} takes one of its choices, got {values.shown(value)}"
    if isinstance(component, gr.Textbox) and not isinstance(value, str):
        return f"{label} takes text, got {values.shown(value)}"
    return None


def input_problem(block_fn, inputs: list) -> str | None:
    """The page's own events (private functions, also reachable by fn_index): exactly one value per input
    component, each fitting its component. Public endpoints are checked by StrictBlocks and their functions."""
    if block_fn.api_visibility == "public":
        return None
    if block_fn.fn is None:
        return "this event runs in the page only; there is nothing to call on the server"
    if len(inputs) != len(block_fn.inputs):
        return f"this event takes {len(block_fn.inputs)} values, got {len(inputs)}"
    for component, value in zip(block_fn.inputs, inputs):
        if problem := value_problem(component, value):
            return problem
    return None


class StrictBlocks(gr.Blocks):
    """Blocks whose public API endpoints take their documented parameters and nothing else.

    Gradio ignores extra values and fails on missing ones with a message about JavaScript; here extra
    values are an error that names the parameters, and missing trailing ones take their documented
    defaults (over raw REST as through gradio_client)."""

    def validate_inputs(self, block_fn, inputs: list) -> None:
        if block_fn.api_visibility == "public" and block_fn.fn is not None:
            params = list(inspect.signature(block_fn.fn).parameters.values())
            names = ", ".join(p.name for p in params)
            if len(inputs) > len(params):
                raise rejected(block_fn.api_name, f"/{block_fn.api_name} takes at most {len(params)} values "
                                                  f"({names}), got {len(inputs)}")
            missing = params[len(inputs):]
            required = [p.name for p in missing if p.default is inspect.Parameter.empty]
            if required:
                raise rejected(block_fn.api_name, f"/{block_fn.api_name} needs {', '.join(required)} "
                                                  f"(parameters: {names}); got {len(inputs)} values")
            inputs.extend(p.default for p in missing)
            for param, value, component in zip(params, inputs, block_fn.inputs):
                if isinstance(component, FILE_INPUTS):
                    if problem := file_problem(component, value):
                        raise rejected(block_fn.api_name, problem)
                elif isinstance(value, dict):  # Gradio would read it as a file
                    raise rejected(block_fn.api_name, f"{param.name} takes a plain value, not a JSON object: "
                                                      f"{values.shown(value)}")
        elif problem := input_problem(block_fn, inputs):
            raise rejected(block_fn.api_name or "event", problem)
        super().validate_inputs(block_fn, inputs)


class LazyIndex:
    """The memorisation index, built in a background thread at start-up (features of the whole training set)."""

    def __init__(self, build):
        self.index, self.error = None, None
        self._thread = threading.Thread(target=self._run, args=(build,), daemon=True)
        self._thread.start()

    def _run(self, build):
        try:
            self.index = build()
        except Exception as e:  # reported in the panel; the rest of the app works without it
            self.error = str(e) or type(e).__name__

    def get(self, timeout: float = 180.0):
        """The index, waiting for it to be built; None (with .error set) when it cannot be had."""
        self._thread.join(timeout)
        if self.index is None and self.error is None:
            self.error = "the training-set index is still being built; try again in a minute"
        return self.index


def load_explorer(weights: str, device) -> Explorer:
    """The generator (folder or Hub repo) and, when one fits, the evaluation network beside it or the shipped one."""
    generator = load_generator(weights, device=device)
    classifier, _ = evaluator_for(generator.source_folder, generator.config.class_names)
    return Explorer.create(generator, sliders=SLIDERS, classifier=classifier)


def start_nearest_index(folder: Path, class_names: list[str]) -> LazyIndex | None:
    """The memorisation check's index over the evaluation network's training set, built in the background;
    None when no evaluation network in the generator's folder (or the shipped one) fits these classes."""
    _, evaluator_folder = evaluator_for(folder, class_names)
    return LazyIndex(lambda: index_for_evaluator(evaluator_folder)) if evaluator_folder is not None else None


def port_in_use(host: str, port: int) -> bool:
    """True when something already listens on host:port."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.settimeout(0.5)
        return probe.connect_ex(("127.0.0.1" if host in ("0.0.0.0", "") else host, port)) == 0
