"""The Generate tab's live image: its markup, its script (web/generate.js) and the JS-only events that feed it.

A change of any control runs web/change.js in the page (no Gradio request); generate.js then asks
the server for the image with one server-function call and swaps it in place.
"""
from __future__ import annotations

from cgan.explorer import assets

SCRIPT = assets.WEB / "generate.js"
CHANGE_JS = assets.event_js("change.js")  # a control changed: show it, and mirror the controls into the URL
TRIGGER_JS = assets.event_js("trigger.js")  # the page loaded: show the controls' values


def markup(scale: int) -> str:
    """The image (hidden until the first answer), its download link, a status line and the label readout."""
    return assets.fill("generate_view.html", scale=int(scale))
