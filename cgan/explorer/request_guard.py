"""An ASGI middleware in front of Gradio's routes: every way in gets the same checks, and a bad call gets a 4xx with
its message and one log line, never a traceback.

- Request bodies are read with a timeout per chunk and a size cap, larger for uploads (a client trickling a body
  is cut off).
- The page's server functions (/gradio_api/component_server) must name a component that has them, a function it
  has, and nothing else; what they raise for bad values becomes a 400.
- Queue calls by fn_index (/gradio_api/queue/join) must name an existing function, and their values pass the
  rules of the components they feed (input_checks.input_problem), the same rules for the page's events and the API.
- Forged queue ids (/gradio_api/queue/data, /gradio_api/call/NAME/ID) get a 404 before a stream starts.
- Anything else that fails before the response starts is a 500 with one log line.
"""
from __future__ import annotations

import asyncio
import json
import re
import sys
from typing import Any
from urllib.parse import parse_qs

from gradio.exceptions import Error as GradioError

from cgan.explorer import gradio_internals
from cgan.explorer.input_checks import input_problem
from cgan.explorer.uploads import MAX_BYTES

BODY_TIMEOUT = 10.0  # seconds to wait for each chunk of a request body
MAX_BODY = 2_000_000  # bytes, for everything but uploads
MAX_UPLOAD_BODY = MAX_BYTES + 100_000  # an upload's file and its multipart framing
CALL_EVENT = re.compile(r"/gradio_api/call/[^/]+/(?P<event>[^/]+)$")


class Rejected(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status, self.message = status, message


class RequestGuard:
    """Wraps Gradio's app; `blocks` is the app's gr.Blocks (its functions, components and queue)."""

    def __init__(self, app, blocks):
        self.app, self.blocks = app, blocks
        self._server_fns: dict[int, set[str]] | None = None

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        started = False

        async def tracked_send(message):
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        path, method = scope["path"], scope["method"]
        try:
            if method in ("POST", "PUT", "PATCH"):
                upload = path.rstrip("/").endswith("/gradio_api/upload")
                body = await read_body(receive, MAX_UPLOAD_BODY if upload else MAX_BODY)
                self.check_body(path, body)
                receive = replay(body, receive)
            elif method == "GET":
                self.check_stream(path, scope.get("query_string", b"").decode())
            return await self.app(scope, receive, tracked_send)
        except Rejected as e:
            log(f"rejected {method} {path}: {e.message}")
            status, message = e.status, e.message
        except GradioError as e:  # a server function's rejected(): already logged
            status, message = 400, e.message
        except Exception as e:  # noqa: BLE001 - one line instead of Starlette's traceback
            log(f"error in {method} {path}: {type(e).__name__}: {str(e)[:200]}")
            status, message = 500, "internal error"
        if not started:
            await respond(send, status, message)

    # ------------------------------------------------------------ checks

    def check_body(self, path: str, body: bytes) -> None:
        if path.rstrip("/").endswith("/gradio_api/component_server"):
            self.check_server_function(parse_object(body))
        elif path.rstrip("/").endswith("/gradio_api/queue/join"):
            self.check_queue_call(parse_object(body))

    def server_functions(self) -> dict[int, set[str]]:
        if self._server_fns is None:
            self._server_fns = gradio_internals.server_functions(self.blocks)
        return self._server_fns

    def check_server_function(self, request: dict[str, Any]) -> None:
        expected = {"data", "component_id", "fn_name", "session_hash"}
        if set(request) != expected:
            raise Rejected(400, f"a server-function call takes {', '.join(sorted(expected))}, got "
                                f"{', '.join(sorted(map(str, request)))}")
        functions = self.server_functions().get(request["component_id"]) if type(request["component_id"]) is int else None
        if functions is None or request["fn_name"] not in functions:
            raise Rejected(404, "no such server function")
        if not isinstance(request["session_hash"], str):
            raise Rejected(400, "session_hash must be a string")

    def check_queue_call(self, request: dict[str, Any]) -> None:
        index = request.get("fn_index")
        if index is None:
            return  # named calls are matched by Gradio, then checked by StrictBlocks
        block_fn = gradio_internals.function_at(self.blocks, index)
        if block_fn is None:
            raise Rejected(404, f"no function with fn_index {str(index)[:20]}")
        data = request.get("data")
        if not isinstance(data, list):
            raise Rejected(400, "data must be a list of values")
        if problem := input_problem(block_fn, data):
            raise Rejected(400, problem)

    def check_stream(self, path: str, query: str) -> None:
        if path.rstrip("/").endswith("/gradio_api/queue/data"):
            if not gradio_internals.session_known(self.blocks, parse_qs(query).get("session_hash", [""])[0]):
                raise Rejected(404, "no such session in the queue")
        elif (m := CALL_EVENT.search(path)) and not gradio_internals.event_known(self.blocks, m["event"]):
            raise Rejected(404, "no such event")


def parse_object(body: bytes) -> dict[str, Any]:
    try:
        request = json.loads(body or b"null")
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError):
        raise Rejected(400, "the request body is not valid JSON") from None
    if not isinstance(request, dict):
        raise Rejected(400, "the request body must be a JSON object")
    return request


async def read_body(receive, limit: int) -> bytes:
    chunks, size = [], 0
    while True:
        try:
            message = await asyncio.wait_for(receive(), BODY_TIMEOUT)
        except asyncio.TimeoutError:
            raise Rejected(408, f"the request body did not arrive within {BODY_TIMEOUT:g} s") from None
        if message["type"] == "http.disconnect":
            raise Rejected(400, "the client went away")
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise Rejected(413, f"the request body is larger than {limit:,} bytes")
        chunks.append(chunk)
        if not message.get("more_body"):
            return b"".join(chunks)


def replay(body: bytes, original):
    """A receive() that hands over the body already read, then passes on what the client does (a disconnect)."""
    sent = False

    async def receive():
        nonlocal sent
        if sent:
            return await original()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}
    return receive


async def respond(send, status: int, message: str) -> None:
    data = json.dumps({"detail": message}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode())]})
    await send({"type": "http.response.body", "body": data})


def log(line: str) -> None:
    print(line, file=sys.stderr, flush=True)
