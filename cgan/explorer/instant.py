"""The instant tab's page parts: its controls as HTML, its configuration, and where its files are served from.

The JavaScript that runs the generator is cgan/explorer/web/instant.js; the runtime is vendored (fetch_runtime.py).
"""
from __future__ import annotations

import html
import json
from pathlib import Path

from cgan.explorer.inference import Explorer
from cgan.values import MAX_SEED
from cgan.sampling import latents_for_seeds
from cgan.explorer import assets
from cgan.explorer.controls import BY_NAME, DIRECTIONS, Control
from cgan.explorer.fetch_runtime import VENDOR

SCRIPT = assets.WEB / "instant.js"
PRELOAD = assets.WEB / "preload.js"
SKETCH = assets.WEB / "sketch.js"  # the drawing canvas, uploads and examples as the model sees them
EXAMPLES = assets.EXAMPLES
USE_JS = assets.event_js("use_latent.js")  # the Project tab's "Open in Instant": the latent goes to instant.js
RUNTIME_SCRIPT = VENDOR / "ort.wasm.min.js"


def file_url(path: Path) -> str:
    """Gradio's route for a static file (relative to the page, so it works under a proxy's path too)."""
    return f"gradio_api/file={Path(path).resolve()}"


def static_paths(model_path: Path, encoder_path: Path | None) -> list[Path]:
    """The files the page loads from the server for the instant tab."""
    return [VENDOR, PRELOAD, model_path] + ([SKETCH, EXAMPLES, encoder_path] if encoder_path else [])


def examples() -> list[Path]:
    """The example garments (none where the folder is missing)."""
    return sorted(path for path in EXAMPLES.glob("*") if path.suffix in (".png", ".jpg"))


def head(model_path: Path, encoder_path: Path | None = None) -> str:
    """For the page's <head>: the runtime, then preload.js, which starts loading it and the model at once (and the
    encoder after the model), and the drawing's script when there is an encoder."""
    encoder = f' data-encoder="{html.escape(file_url(encoder_path))}"' if encoder_path else ""
    sketch = f'\n<script src="{file_url(SKETCH)}"></script>' if encoder_path else ""
    return (f'<script src="{file_url(RUNTIME_SCRIPT)}"></script>\n'
            f'<script src="{file_url(PRELOAD)}" data-model="{html.escape(file_url(model_path))}"{encoder} '
            f'data-wasm="{html.escape(file_url(VENDOR))}/"></script>' + sketch)


def config(explorer: Explorer, first_seed: int = 0) -> dict:
    """What instant.js needs: latent directions, classes, image size, and the first seed's latent."""
    generator = explorer.generator
    first = latents_for_seeds([first_seed], generator.config.z_dim)[0]
    return {"z_dim": generator.config.z_dim, "class_names": explorer.class_names,
            "directions": [[float(v) for v in row] for row in explorer.directions.tolist()],
            "latents": {str(first_seed): [float(v) for v in first.tolist()]},
            "size": generator.config.native_size, "channels": generator.config.channels, "max_seed": MAX_SEED}


def _range(role: str, label: str, control: Control, extra: str = "") -> str:
    """A range input with one control's range, step and default (controls.CONTROLS)."""
    return assets.fill("range.html", role=role, label=html.escape(label), low=f"{control.low:g}",
                       high=f"{control.high:g}", step=f"{control.step:g}", value=f"{control.default:g}", extra=extra)


def drawing() -> str:
    """The drawing panel: canvas, tools and the example garments."""
    buttons = "".join(f'<button type="button" data-role="example" data-src="{html.escape(file_url(path))}" '
                      f'title="{html.escape(path.stem)}"><img src="{html.escape(file_url(path))}" '
                      f'alt="example: {html.escape(path.stem)}"></button>' for path in examples())
    return assets.fill("drawing.html", examples=buttons)


def markup(explorer: Explorer, model_path: Path | None, unavailable: str = "", *, draw: bool = False) -> str:
    """The tab's HTML: controls and a canvas (and the drawing panel with `draw`, for a one-channel generator with
    an encoder), or a note saying why the instant mode is unavailable."""
    if model_path is None:
        return f'<p class="instant-status">The instant mode is unavailable: {html.escape(unavailable)}.</p>'
    sliders = "\n".join(
        _range("direction", f"Direction {i + 1}: {text}", control, f'data-index="{i}" aria-label="direction {i + 1}"')
        for i, (text, control) in enumerate(zip(explorer.descriptions, DIRECTIONS)))
    return assets.fill("instant.html", config=html.escape(json.dumps(config(explorer)), quote=True),
                       size=explorer.generator.config.native_size, max_seed=MAX_SEED,
                       options="".join(f"<option>{html.escape(name)}</option>" for name in explorer.class_names),
                       psi=_range("psi", "Truncation ψ", BY_NAME["truncation"]),
                       mix_weight=_range("mix-weight", "Mix weight", BY_NAME["mix_weight"]), sliders=sliders,
                       drawing=drawing() if draw and explorer.generator.config.channels == 1 else "")
