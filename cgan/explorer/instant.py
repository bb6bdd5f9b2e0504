"""The instant tab's page parts: its controls as HTML, its configuration, and where its files are served from.

The JavaScript that runs the generator is cgan/explorer/web/instant.js; the runtime is vendored (fetch_runtime.py).
"""
from __future__ import annotations

import html
import json
from pathlib import Path

from cgan.explorer.inference import MAX_SEED, SLIDER_RANGE, Explorer
from cgan.sampling import latents_for_seeds
from cgan.explorer.assets import WEB
from cgan.explorer.fetch_runtime import VENDOR

SCRIPT = WEB / "instant.js"
PRELOAD = WEB / "preload.js"
RUNTIME_SCRIPT = VENDOR / "ort.wasm.min.js"


def file_url(path: Path) -> str:
    """Gradio's route for a static file (relative to the page, so it works under a proxy's path too)."""
    return f"gradio_api/file={Path(path).resolve()}"


def head(model_path: Path) -> str:
    """For the page's <head>: the runtime, then preload.js, which starts loading it and the model at once."""
    return (f'<script src="{file_url(RUNTIME_SCRIPT)}"></script>\n'
            f'<script src="{file_url(PRELOAD)}" data-model="{html.escape(file_url(model_path))}" '
            f'data-wasm="{html.escape(file_url(VENDOR))}/"></script>')


def config(explorer: Explorer, first_seed: int = 0) -> dict:
    """What instant.js needs: latent directions, classes, image size, and the first seed's latent."""
    generator = explorer.generator
    first = latents_for_seeds([first_seed], generator.config.z_dim)[0]
    return {"z_dim": generator.config.z_dim, "class_names": explorer.class_names,
            "directions": [[float(v) for v in row] for row in explorer.directions.tolist()],
            "latents": {str(first_seed): [float(v) for v in first.tolist()]},
            "size": generator.config.native_size, "channels": generator.config.channels, "max_seed": MAX_SEED}


def _range(role: str, label: str, low: float, high: float, step: float, value: float, extra: str = "") -> str:
    return (f'<label class="instant-control">{html.escape(label)} <output>{value:g}</output>'
            f'<input type="range" data-role="{role}" min="{low:g}" max="{high:g}" step="{step:g}" '
            f'value="{value:g}" {extra}></label>')


def markup(explorer: Explorer, model_path: Path | None, unavailable: str = "") -> str:
    """The tab's HTML: controls and a canvas, or a note saying why the instant mode is unavailable."""
    if model_path is None:
        return f'<p class="instant-status">The instant mode is unavailable: {html.escape(unavailable)}.</p>'
    options = "".join(f"<option>{html.escape(name)}</option>" for name in explorer.class_names)
    sliders = "".join(
        _range("direction", f"Direction {i + 1}: {text}", -SLIDER_RANGE, SLIDER_RANGE, 0.1, 0.0,
               f'data-index="{i}" aria-label="direction {i + 1}"')
        for i, text in enumerate(explorer.descriptions))
    data = html.escape(json.dumps(config(explorer)), quote=True)
    return f"""<div id="instant-app" data-config="{data}">
<p class="instant-status">Loading the generator into this page…</p>
<div class="instant-layout">
<canvas id="instant-canvas" width="{explorer.generator.config.native_size}" height="{explorer.generator.config.native_size}" aria-label="generated image"></canvas>
<div class="instant-controls">
<label class="instant-control">Class <select data-role="class">{options}</select></label>
<label class="instant-control">Seed <input type="number" data-role="seed" min="0" max="{MAX_SEED}" step="1" value="0"></label>
{_range("psi", "Truncation ψ", 0.0, 2.0, 0.05, 1.0)}
<label class="instant-control">Second class <select data-role="mix-class">{options}</select></label>
{_range("mix-weight", "Mix weight", 0.0, 1.0, 0.05, 0.0)}
{sliders}
<label class="instant-switch"><input type="checkbox" data-role="on-server"> Run on the server instead</label>
</div>
</div>
</div>"""
