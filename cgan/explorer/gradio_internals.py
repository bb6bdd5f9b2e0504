"""Every place the app relies on Gradio beyond its public API, in one module.

- the queue of a Blocks (`blocks._queue`): which sessions and events it knows, so that forged queue ids get a 404
  (request_guard), the files its waiting events will read, which pruning spares (result_files), and how many
  projections wait (their refinement shares its time);
- `Blocks.fns` by fn_index, a function's `inputs`, `fn` and `api_visibility`, and the page config's server
  functions per component (request_guard, input_checks);
- `Blocks.validate_inputs(block_fn, inputs)`, which StrictBlocks extends (input_checks);
- Gradio naming an endpoint's API parameters from `inspect.signature` of its function (controls.published);
- `gradio.utils.get_upload_folder()`, where uploaded files live (input_checks);
- `BlocksConfig.config_for_block(_id, rendered_ids, block, renderable)`, which every new session calls for every
  block (cache_session_configs builds each block's answer once);
- `GradioMCPServer._execute_tool_without_progress(job)`, whose results unwrap_mcp_results corrects (app.py --mcp).

`problems()` lists what the installed Gradio no longer has; tests/test_gradio_internals.py fails with that list
and the Gradio version, so an upgrade that moves one of these breaks loudly instead of silently.
"""
from __future__ import annotations

import inspect
import weakref
from pathlib import Path
from typing import Any

import gradio as gr
from gradio import utils as gradio_utils
from gradio.blocks import BlocksConfig
from gradio.state_holder import SessionState

QUEUE_FIELDS = ("pending_messages_per_session", "event_ids_to_events", "pending_event_ids_session",
                "event_queue_per_concurrency_id")
FUNCTION_FIELDS = ("fn", "inputs", "api_visibility", "api_name")


def waiting_events(blocks: gr.Blocks, concurrency_id: str) -> int:
    """How many events of this concurrency id wait in the queue for their turn (not those running)."""
    queue = blocks._queue.event_queue_per_concurrency_id.get(concurrency_id)
    return len(queue.queue) if queue is not None else 0


def session_known(blocks: gr.Blocks, session: str) -> bool:
    """Does the queue hold messages for this Gradio session hash (one visitor's page or API client)?"""
    return session in blocks._queue.pending_messages_per_session


def event_known(blocks: gr.Blocks, event: str) -> bool:
    """Is this event id one the queue handed out?"""
    queue = blocks._queue
    return event in queue.event_ids_to_events or any(event in ids for ids in queue.pending_event_ids_session.values())


def queued_files(blocks: gr.Blocks) -> set[str]:
    """The paths of uploaded files that events still waiting in the queue will read (an upload waiting its turn for
    a projection): a file input's value, or the sketchpad's files."""
    paths: set[str] = set()

    def collect(value, depth=0):
        if isinstance(value, dict) and depth < 3:
            if isinstance(value.get("path"), str):
                paths.add(str(Path(value["path"]).resolve()))
            for inner in value.values():
                collect(inner, depth + 1)
        elif isinstance(value, list) and depth < 3:
            for inner in value:
                collect(inner, depth + 1)
    for event_queue in list(blocks._queue.event_queue_per_concurrency_id.values()):
        for event in list(event_queue.queue):
            collect(getattr(event.data, "data", None) or [])
    return paths


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


def cache_session_configs() -> None:
    """Build each component's session config once. Gradio gives every new session its own copy of the page config,
    built from scratch (each component's get_config, which inspects its constructor): ≈ 9 ms for this app on a
    2-core CPU, and every call through the API's call route is a new session. A component's config does not change
    while the app serves it, so it is built once per component object, and each session gets its own copy of the
    parts a session writes to (the config and its props). Idempotent."""
    original = BlocksConfig.__dict__["config_for_block"].__func__
    if getattr(original, "built_once", False):
        return
    built: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # component -> (its id, its config)

    def config_for_block(_id, rendered_ids, block, renderable=None):
        if rendered_ids or renderable is not None:  # the page config's own pass: as Gradio does it
            return original(_id, rendered_ids, block, renderable)
        found = built.get(block)
        if found is None or found[0] != _id:
            found = built[block] = (_id, original(_id, rendered_ids, block, renderable))
        config = dict(found[1])
        if isinstance(config.get("props"), dict):
            config["props"] = dict(config["props"])
        return config
    config_for_block.built_once, config_for_block.original = True, original
    BlocksConfig.config_for_block = staticmethod(config_for_block)


def unwrap_mcp_results() -> None:
    """Gradio's MCP server, answering a tool call without a progress token, wraps the outputs of an endpoint in one
    more list, so an endpoint with several outputs (/generate: an image and its label) comes back as one text
    instead of an image and a text. Unwrap them (an endpoint with one output is left as it is). Idempotent."""
    from gradio.mcp import GradioMCPServer

    original = GradioMCPServer._execute_tool_without_progress
    if getattr(original, "unwrapped", False):
        return

    async def without_progress(self, job):
        result = await original(self, job)
        return list(result[0]) if len(result) == 1 and isinstance(result[0], tuple) else result
    without_progress.unwrapped = True
    GradioMCPServer._execute_tool_without_progress = without_progress


def problems() -> list[str]:
    """What the installed Gradio lacks of the above (empty when everything is where this module expects it)."""
    found = []
    config_for_block = BlocksConfig.__dict__.get("config_for_block")
    if not isinstance(config_for_block, staticmethod) or list(inspect.signature(config_for_block.__func__).parameters) \
            != ["_id", "rendered_ids", "block", "renderable"]:
        found.append("BlocksConfig.config_for_block(_id, rendered_ids, block, renderable), a staticmethod")
    if "self.blocks_config.config_for_block(k, [], v)" not in inspect.getsource(SessionState.__init__):
        found.append("SessionState.__init__ building config_values with config_for_block(k, [], v)")
    from gradio.mcp import GradioMCPServer
    if not inspect.iscoroutinefunction(getattr(GradioMCPServer, "_execute_tool_without_progress", None)):
        found.append("GradioMCPServer._execute_tool_without_progress(job), a coroutine")
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
    if not isinstance(getattr(queue, "event_queue_per_concurrency_id", None), dict):
        found.append("Blocks._queue.event_queue_per_concurrency_id")
    from gradio.queueing import Event, EventQueue
    if "queue" not in inspect.getsource(EventQueue.__init__) or "self.data" not in inspect.getsource(Event.__init__):
        found.append("EventQueue.queue of Events with .data")
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
