"""The Generate tab's live image: its markup, its script (generate.js) and the JS-only event that feeds it.

A change of any control runs CHANGE_JS in the page (no Gradio request); generate.js then asks
the server for the image with one server-function call and swaps it in place.
"""
from __future__ import annotations

from cgan.explorer.assets import WEB

SCRIPT = WEB / "generate.js"

# The controls' values, in app.py's `controls` order, handed to generate.js (kept if it has not started yet).
_HAND_OVER = """
  const state = (window.cganGenerate = window.cganGenerate || {});
  state.latest = values;
  if (state.show) state.show(values);
"""
TRIGGER_JS = "(...values) => {" + _HAND_OVER + "  return [];\n}"

# The same on a change of a control, which also mirrors the shareable controls (class, seed, psi, directions)
# into the page URL without reloading, once the controls have been still for URL_DELAY_MS: each
# history.replaceState costs the browser ~25 ms of work, as much again as the slider step itself
# (bench/app_latency.py; README "Benchmarks"), so a drag must not pay it at every step.
URL_DELAY_MS = 300
CHANGE_JS = "(...values) => {" + _HAND_OVER + """
  const [cls, seed, , psi, , , ...sliders] = values;
  clearTimeout(state.urlTimer);
  state.urlTimer = setTimeout(() => {
    const p = new URLSearchParams();
    p.set("class", cls); p.set("seed", String(seed)); p.set("psi", String(psi));
    sliders.forEach((v, i) => { if (Number(v) !== 0) p.set("s" + i, String(v)); });
    window.history.replaceState(null, "", window.location.pathname + "?" + p.toString());
  }, """ + str(URL_DELAY_MS) + """);
  return [];
}"""


def markup(scale: int) -> str:
    """The image (hidden until the first answer), its download link, a status line and the label readout."""
    return f"""<div id="generate-view" data-scale="{int(scale)}">
<p class="view-status" role="status"></p>
<canvas hidden width="1" height="1" aria-label="generated image"></canvas>
<a class="image-download" hidden download="image.png" href="#">Download PNG</a>
<p class="readout-title">Evaluation network says (label fidelity)</p>
<ol class="readout" aria-label="the evaluation network's top classes"></ol>
</div>"""
