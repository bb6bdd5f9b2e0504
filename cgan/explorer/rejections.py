"""What a bad request gets: a gr.Error with a message that says what is allowed, and one log line, no traceback."""
from __future__ import annotations

import inspect
import sys

import gradio as gr


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
