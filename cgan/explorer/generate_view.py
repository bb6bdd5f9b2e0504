"""The Generate tab's live image: its markup, its script (web/generate.js) and the JS-only events that feed it.

A change of any control runs web/change.js in the page (no Gradio request); generate.js then asks
the server for the image with one server-function call and swaps it in place. The three scripts read the
controls' names, kinds, elements and URL keys from controls.CONTROLS, filled in where they say __CONTROLS__.
"""
from __future__ import annotations

from cgan.explorer import assets
from cgan.explorer.controls import page_table


def _with_controls(script: str) -> str:
    return script.replace("__CONTROLS__", page_table())


SCRIPT = _with_controls(assets.read("generate.js"))  # the js_on_load of the live image
CHANGE_JS = _with_controls(assets.event_js("change.js"))  # a control changed: show it, mirror the URL
TRIGGER_JS = _with_controls(assets.event_js("trigger.js"))  # the page loaded: show the controls' values


def markup(scale: int) -> str:
    """The image (hidden until the first answer), its download link, a status line and the label readout."""
    return assets.fill("generate_view.html", scale=int(scale))
