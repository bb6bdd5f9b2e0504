"""The values every way into the server must fit: a public endpoint takes its documented parameters and nothing
else (StrictBlocks), and the page's own events one value per input component, each fitting its component
(input_problem, also applied to calls by fn_index in request_guard)."""
from __future__ import annotations

import inspect
import math
from pathlib import Path

import gradio as gr

from cgan import values
from cgan.explorer import assets, gradio_internals
from cgan.explorer.rejections import rejected

FILE_INPUTS = (gr.Image, gr.ImageEditor, gr.File)  # the components whose values are uploaded files (objects)
EDITOR_KEYS = {"background", "layers", "composite", "id"}  # what the sketchpad sends


def file_problem(component, value) -> str | None:
    """Does `value` fit a file input: None, or Gradio's data of a file uploaded to this app or one of its example
    garments (the sketchpad: an object of such files)? Checked before Gradio reads it, which would log a traceback
    for anything else."""
    if value is None:
        return None
    label = getattr(component, "label", None) or type(component).__name__
    files = [value]
    if isinstance(component, gr.ImageEditor):
        if not (isinstance(value, dict) and set(value) <= EDITOR_KEYS and isinstance(value.get("layers", []), list)):
            return f"{label} takes the sketchpad's images ({', '.join(sorted(EDITOR_KEYS))}), got {values.shown(value)}"
        files = [value.get("background"), value.get("composite"), *value.get("layers", [])]
    uploads = gradio_internals.upload_folder()
    for file in files:
        path = file.get("path") if isinstance(file, dict) else None
        if file is not None and not (isinstance(path, str) and (uploads in Path(path).resolve().parents or
                                                                Path(path).resolve().parent == assets.EXAMPLES)):
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
