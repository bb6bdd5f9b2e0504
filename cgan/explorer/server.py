"""The app's serving settings: result-file and session bounds, the theme, the GPU allocation on Spaces, and a
probe for a port already in use."""
from __future__ import annotations

import socket

import gradio as gr

CACHE_MINUTES = 15  # result files (Gradio's cache, interpolation GIFs) older than this are deleted
CACHE_MB = 200  # ... and the least recently used beyond this total
# Gradio's queue statistics (the API page's process-time percentiles): recomputed with pandas over the last
# events after every event by default, a cost that grows with the events kept; here over fewer, every 100 events.
QUEUE_STATISTICS = {"GRADIO_ANALYTICS_MAX_EVENTS": "1000", "GRADIO_ANALYTICS_CACHE_FREQUENCY": "100"}
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


def port_in_use(host: str, port: int) -> bool:
    """True when something already listens on host:port."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.settimeout(0.5)
        return probe.connect_ex(("127.0.0.1" if host in ("0.0.0.0", "") else host, port)) == 0
