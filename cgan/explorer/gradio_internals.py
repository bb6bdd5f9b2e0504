"""Every place the app relies on Gradio beyond its public API, in one module.

- the queue of a Blocks (`blocks._queue`): which sessions and events it knows, so that forged queue ids get a 404
  (request_guard);
- `Blocks.fns` by fn_index, a function's `inputs`, `fn` and `api_visibility`, and the page config's server
  functions per component (request_guard, input_checks);
- `Blocks.validate_inputs(block_fn, inputs)`, which StrictBlocks extends (input_checks);
- Gradio naming an endpoint's API parameters from `inspect.signature` of its function (controls.published);
- `gradio.utils.get_upload_folder()`, where uploaded files live (input_checks).

`problems()` lists what the installed Gradio no longer has; tests/test_gradio_internals.py fails with that list
and the Gradio version, so an upgrade that moves one of these breaks loudly instead of silently.
"""
from __future__ import annotations

import inspect
from pathlib import Path
from typing import Any

import gradio as gr
from gradio import utils as gradio_utils

QUEUE_FIELDS = ("pending_messages_per_session", "event_ids_to_events", "pending_event_ids_session")
FUNCTION_FIELDS = ("fn", "inputs", "api_visibility", "api_name")


def session_known(blocks: gr.Blocks, session: str) -> bool:
    """Does the queue hold messages for this session hash?"""
    return session in blocks._queue.pending_messages_per_session


def event_known(blocks: gr.Blocks, event: str) -> bool:
    """Is this event id one the queue handed out?"""
    queue = blocks._queue
    return event in queue.event_ids_to_events or any(event in ids for ids in queue.pending_event_ids_session.values())


def function_at(blocks: gr.Blocks, index: Any):
    """The event function with this fn_index, or None."""
    return blocks.fns.get(index) if type(index) is int else None


def server_functions(blocks: gr.Blocks) -> dict[int, set[str]]:
    """The names of each component's server functions (gr.HTML(server_functions=...)), by component id."""
    return {c["id"]: set(c["props"]["server_fns"]) for c in blocks.config["components"]
            if c.get("props", {}).get("server_fns")}


def upload_folder() -> Path:
    """Where Gradio keeps uploaded files."""
    return Path(gradio_utils.get_upload_folder()).resolve()


def problems() -> list[str]:
    """What the installed Gradio lacks of the above (empty when everything is where this module expects it)."""
    found = []
    validate = getattr(gr.Blocks, "validate_inputs", None)
    if validate is None or list(inspect.signature(validate).parameters) != ["self", "block_fn", "inputs"]:
        found.append("Blocks.validate_inputs(self, block_fn, inputs)")
    if not callable(getattr(gradio_utils, "get_upload_folder", None)):
        found.append("gradio.utils.get_upload_folder()")

    def echo(text: str) -> str:
        return text
    echo.__signature__ = inspect.Signature([inspect.Parameter("renamed", inspect.Parameter.POSITIONAL_OR_KEYWORD)])
    with gr.Blocks() as blocks:
        box = gr.Textbox()
        gr.HTML("", server_functions=[echo])
        box.submit(echo, box, box, api_name="echo")
    queue = getattr(blocks, "_queue", None)
    found += [f"Blocks._queue.{name}" for name in QUEUE_FIELDS if not hasattr(queue, name)]
    block_fn = function_at(blocks, 0) if isinstance(getattr(blocks, "fns", None), dict) else None
    if block_fn is None:
        found.append("Blocks.fns[fn_index]")
    else:
        found += [f"BlockFunction.{name}" for name in FUNCTION_FIELDS if not hasattr(block_fn, name)]
    try:
        if not any("echo" in names for names in server_functions(blocks).values()):
            found.append("the page config's props.server_fns")
    except (KeyError, TypeError, AttributeError):
        found.append("the page config's components")
    parameters = blocks.get_api_info()["named_endpoints"].get("/echo", {}).get("parameters", [])
    if [p.get("parameter_name") for p in parameters] != ["renamed"]:
        found.append("API parameter names from inspect.signature(fn)")
    return found
