"""The Generate tab's live image: its markup, its script (generate.js) and the JS-only event that feeds it.

A change of any control runs GENERATE_TRIGGER_JS in the page (no Gradio request); generate.js then asks
the server for the image with one server-function call and swaps it in place.
"""
from __future__ import annotations

from pathlib import Path

SCRIPT = Path(__file__).resolve().parent / "generate.js"

# The controls' values, in app.py's `controls` order, handed to generate.js (kept if it has not started yet).
TRIGGER_JS = """
(...values) => {
  const state = (window.cganGenerate = window.cganGenerate || {});
  state.latest = values;
  if (state.show) state.show(values);
  return [];
}
"""


def markup(scale: int) -> str:
    """The image (hidden until the first answer), its download link, a status line and the label readout."""
    return f"""<div id="generate-view" data-scale="{int(scale)}">
<p class="view-status" role="status"></p>
<canvas hidden width="1" height="1" aria-label="generated image"></canvas>
<a class="image-download" hidden download="image.png" href="#">Download PNG</a>
<p class="readout-title">Evaluation network says (label fidelity)</p>
<ol class="readout" aria-label="the evaluation network's top classes"></ol>
</div>"""
