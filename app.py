"""cgan explorer: a Gradio app that puts a trained conditional GAN in your hands, live on GPU or CPU.

    python app.py                               # the shipped weights/
    python app.py --weights USER/REPO --port 7860
    CGAN_WEIGHTS=USER/REPO python app.py        # as on Hugging Face Spaces
"""
from __future__ import annotations

import argparse
import base64
import hashlib
import html
import io
import inspect
import math
import os
import sys
import threading
from pathlib import Path

import gradio as gr

from cgan.evaluation.classifier import load_classifier
from cgan import values
from cgan.devices import describe, pick_device
from cgan.explorer.inference import (MAX_FRAMES, MAX_GRID_SIDE, MAX_SEED, MIN_FRAMES, SLIDER_RANGE, STRIP_VALUES, Explorer,
                           gif_bytes, labelled_rows)
from cgan.sampling import grid_image
from cgan.export.folder import WeightsError, load_generator
from cgan.evaluation.nearest import describe_distance, index_for_evaluator
from cgan.export.browser_model import ensure_onnx
from cgan.explorer.result_files import Pruner, private_folder
from cgan.sampling import latents_for_seeds
from cgan.explorer import generate_view, instant

ROOT = Path(__file__).resolve().parent
SLIDERS = 8
URL_KEYS = ["class", "seed", "psi"] + [f"s{i}" for i in range(SLIDERS)]

try:  # ZeroGPU on Spaces: run inference inside a GPU allocation when the package is there
    import spaces

    gpu = spaces.GPU
except ImportError:
    def gpu(fn):
        return fn

# A theme with system fonts only: a blocked web-font request can stall the page offline.
THEME = gr.themes.Base(font=["system-ui", "Segoe UI", "Helvetica", "Arial", "sans-serif"],
                       font_mono=["ui-monospace", "Menlo", "Consolas", "monospace"])
CSS = """
.pixelated img { image-rendering: pixelated; image-rendering: crisp-edges; }
#device-note { opacity: 0.8; }
#image { text-align: center; }
#image canvas { width: 100%; max-width: 400px; image-rendering: pixelated; display: block; margin: 0 auto; }
.image-download { display: inline-block; margin-top: 0.4em; font-size: 0.9em; }
#generate-view [hidden] { display: none !important; }
#generate-view .view-status:empty { display: none; }
.readout-title { margin: 0.8em 0 0.2em; font-size: 0.9em; opacity: 0.8; }
.readout { list-style: none; padding: 0; margin: 0; font-size: 0.9em; }
.readout li { display: grid; grid-template-columns: minmax(6em, 1fr) 2fr 4.5em; gap: 0.5em; align-items: center; }
.readout meter { width: 100%; }
.readout .share { text-align: right; font-variant-numeric: tabular-nums; }
#strips img { display: block; margin: 0 auto; width: 440px; max-width: 100%; image-rendering: pixelated; }
.class-grid { border-collapse: collapse; margin: 0 auto; width: auto !important; }
.class-grid th, .class-grid td { border: none !important; padding: 1px 0.5em !important; background: none !important; }
.class-grid th { text-align: right; font-weight: 500; white-space: nowrap; }
.class-grid img { display: block; height: 58px; width: auto; max-width: 100%; image-rendering: pixelated; }
.grid-download { display: block; text-align: center; margin-top: 0.5em; }
@media (max-width: 500px) { .class-grid img { height: auto; } .class-grid th { font-size: 0.8em; } }
#animation img { width: 224px; max-width: 100%; image-rendering: pixelated; }
.instant-layout { display: flex; flex-wrap: wrap; gap: 1.5em; align-items: flex-start; }
.instant-controls { flex: 1 1 280px; display: flex; flex-direction: column; gap: 0.35em; min-width: 0; }
.instant-control { display: flex; flex-direction: column; font-size: 0.9em; }
.instant-control input, .instant-control select { width: 100%; box-sizing: border-box; }
.instant-control select, .instant-control input[type=number] { background: var(--input-background-fill);
  color: var(--body-text-color); border: 1px solid var(--border-color-primary); border-radius: 4px; padding: 0.3em; }
.instant-control output { float: right; font-variant-numeric: tabular-nums; opacity: 0.8; }
#instant-canvas { flex: 0 1 400px; width: 400px; max-width: 100%; aspect-ratio: 1; image-rendering: pixelated; }
"""
GRID_COLUMNS = 6
CACHE_MINUTES = 15  # result files (Gradio's cache, interpolation GIFs) older than this are deleted
SESSIONS = 256  # per-visitor state Gradio keeps in memory (each REST call is a session); the oldest go first


def user_error(fn):
    """Turn ValueError from the explorer into gr.Error, so the user sees what is allowed.

    One log line per rejected request, no traceback."""
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except (ValueError, TypeError) as e:
            raise rejected(fn.__name__, str(e)) from None
    wrapper.__name__, wrapper.__doc__ = fn.__name__, fn.__doc__
    wrapper.__signature__ = inspect.signature(fn)  # gradio names API parameters from it
    return wrapper


def rejected(name: str, message: str) -> gr.Error:
    """The error a bad request gets, logged as one line."""
    print(f"rejected {name}: {message}", file=sys.stderr, flush=True)
    return gr.Error(message, print_exception=False)


class StrictBlocks(gr.Blocks):
    """Blocks whose public API endpoints take their documented parameters and nothing else.

    Gradio ignores extra values and fails on missing ones with a message about JavaScript; here extra
    values are an error that names the parameters, and missing trailing ones take their documented
    defaults (over raw REST as through gradio_client)."""

    def validate_inputs(self, block_fn, inputs: list) -> None:
        if block_fn.api_visibility == "public" and block_fn.fn is not None:
            params = list(inspect.signature(block_fn.fn).parameters.values())
            names = ", ".join(p.name for p in params)
            if len(inputs) > len(params):
                raise rejected(block_fn.api_name, f"/{block_fn.api_name} takes at most {len(params)} values "
                                                  f"({names}), got {len(inputs)}")
            missing = params[len(inputs):]
            required = [p.name for p in missing if p.default is inspect.Parameter.empty]
            if required:
                raise rejected(block_fn.api_name, f"/{block_fn.api_name} needs {', '.join(required)} "
                                                  f"(parameters: {names}); got {len(inputs)} values")
            inputs.extend(p.default for p in missing)
            for param, value in zip(params, inputs):
                if isinstance(value, dict):  # no parameter takes an object; Gradio would treat it as a file
                    raise rejected(block_fn.api_name, f"{param.name} takes a plain value, not a JSON object: "
                                                      f"{values.shown(value)}")
        super().validate_inputs(block_fn, inputs)


class LazyIndex:
    """The memorisation index, built in a background thread at start-up (features of the whole training set)."""

    def __init__(self, build):
        self.index, self.error = None, None
        self._thread = threading.Thread(target=self._run, args=(build,), daemon=True)
        self._thread.start()

    def _run(self, build):
        try:
            self.index = build()
        except Exception as e:  # reported in the panel; the rest of the app works without it
            self.error = str(e) or type(e).__name__

    def get(self, timeout: float = 180.0):
        """The index, waiting for it to be built; None (with .error set) when it cannot be had."""
        self._thread.join(timeout)
        if self.index is None and self.error is None:
            self.error = "the training-set index is still being built; try again in a minute"
        return self.index


def png_data_uri(image) -> str:
    """A PIL image inlined as a data: URI (no temp file, no second request)."""
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def build_app(explorer: Explorer, device_text: str, nearest: LazyIndex | None = None,
              cache_minutes: float = CACHE_MINUTES, onnx_model: tuple[Path | None, str] = (None, "no model.onnx")
              ) -> gr.Blocks:
    """The Blocks UI; every event calls a plain Explorer method. Result files live `cache_minutes`.

    onnx_model: (model.onnx, "") for the instant tab, or (None, why it is unavailable)."""
    cache_seconds = max(1, round(cache_minutes * 60))
    model_path, instant_unavailable = onnx_model
    if model_path is not None:
        gr.set_static_paths([instant.VENDOR, instant.PRELOAD, model_path])
    names = explorer.class_names
    gif_dir = private_folder("cgan-gifs-")
    direction_labels = [f"Direction {i + 1}: {text}" for i, text in enumerate(explorer.descriptions)]

    @gpu
    def generate(class_name: str, seed: int, side: int = 1, truncation: float = 1.0, mix_class: str | None = None,
                 mix_weight: float = 0.0, *sliders: float):
        """Generate side x side images of a class (optionally mixed with a second class)."""
        pixels = explorer.generate(class_name, seed, side=side, truncation=truncation, sliders=sliders,
                                   mix_class=mix_class or class_name, mix_weight=mix_weight)
        return explorer.enlarge(pixels, columns=int(side)), explorer.predict(pixels[0])

    # Named parameters for the API (/generate): gradio reads them from the signature.
    def generate_api(class_name: str, seed: int, side: int = 1, truncation: float = 1.0, mix_class: str = "",
                     mix_weight: float = 0.0, direction_0: float = 0.0, direction_1: float = 0.0,
                     direction_2: float = 0.0, direction_3: float = 0.0, direction_4: float = 0.0,
                     direction_5: float = 0.0, direction_6: float = 0.0, direction_7: float = 0.0):
        check_mix_class(mix_class)
        return generate(class_name, seed, side, truncation, mix_class, mix_weight, direction_0, direction_1,
                        direction_2, direction_3, direction_4, direction_5, direction_6, direction_7)

    @gpu
    def class_grid(seed: int, truncation: float = 1.0, direction_0: float = 0.0, direction_1: float = 0.0,
                   direction_2: float = 0.0, direction_3: float = 0.0, direction_4: float = 0.0,
                   direction_5: float = 0.0, direction_6: float = 0.0, direction_7: float = 0.0):
        """Every class in a row (labelled), the same latents in each column."""
        sliders = (direction_0, direction_1, direction_2, direction_3, direction_4, direction_5, direction_6,
                   direction_7)
        pixels = explorer.class_grid(seed, columns=GRID_COLUMNS, truncation=truncation, sliders=sliders)
        return labelled_rows(pixels, names, columns=GRID_COLUMNS, scale=2)

    @gpu
    def class_grid_html(seed: int, truncation: float = 1.0, *sliders: float):
        """The class grid as a table: class names as text, one image strip per row, and a PNG download link."""
        pixels = explorer.class_grid(seed, columns=GRID_COLUMNS, truncation=truncation, sliders=sliders)
        rows = "".join(f'<tr><th scope="row">{html.escape(name)}</th><td><img alt="{html.escape(name)}" '
                       f'src="{png_data_uri(grid_image(pixels[i * GRID_COLUMNS:(i + 1) * GRID_COLUMNS], columns=GRID_COLUMNS, padding=1))}">'
                       f'</td></tr>' for i, name in enumerate(names))
        download = png_data_uri(labelled_rows(pixels, names, columns=GRID_COLUMNS, scale=4))
        return (f'<table class="class-grid">{rows}</table>'
                f'<a class="grid-download" download="class-grid-seed-{int(seed)}.png" href="{download}">'
                f'Download the grid as PNG</a>')

    @gpu
    def strips(class_name: str, seed: int, truncation: float = 1.0, mix_class: str | None = None,
               mix_weight: float = 0.0, *sliders: float):
        """What each slider does: the current image with one slider at -3 ... +3, a row per direction."""
        pixels = explorer.direction_strips(class_name, seed, truncation=truncation, sliders=sliders,
                                           mix_class=mix_class or class_name, mix_weight=mix_weight)
        strip = labelled_rows(pixels, [str(i + 1) for i in range(len(explorer.directions))],
                              columns=len(STRIP_VALUES), scale=2)
        return f'<img alt="each direction from -3 to +3" src="{png_data_uri(strip)}">'


    def nearest_images(class_name: str, seed: int, truncation: float = 1.0, mix_class: str = "",
                       mix_weight: float = 0.0, direction_0: float = 0.0, direction_1: float = 0.0,
                       direction_2: float = 0.0, direction_3: float = 0.0, direction_4: float = 0.0,
                       direction_5: float = 0.0, direction_6: float = 0.0, direction_7: float = 0.0):
        """The generated image's 3 nearest training images (evaluation-network features), with distances."""
        sliders = (direction_0, direction_1, direction_2, direction_3, direction_4, direction_5, direction_6,
                   direction_7)
        check_mix_class(mix_class)
        pixels = explorer.generate(class_name, seed, truncation=truncation, sliders=sliders,
                                   mix_class=mix_class or class_name, mix_weight=mix_weight)
        index = nearest.get() if nearest is not None else None
        if index is None:
            reason = nearest.error if nearest is not None else "no evaluation network is loaded"
            return [], f"The memorisation check is unavailable: {reason}."
        found = index.query(pixels[0])
        gallery = [(explorer.enlarge(n["image"][None], columns=1),
                    f"#{n['index']} · {n['distance']:.2f}") for n in found]
        text = describe_distance(found[0]["distance"], index.share_of_test_closer(found[0]["distance"]))
        return gallery, text

    @gpu
    def interpolate(start_class: str, start_seed: int, end_class: str, end_seed: int, steps: int = 16,
                    mode: str = "spherical", ping_pong: bool = False):
        """Frames between two (class, seed) endpoints: the GIF file first, then the strip."""
        values.flag(ping_pong, "ping_pong")
        gif, strip, _ = interpolate_all(start_class, start_seed, end_class, end_seed, steps, mode, ping_pong)
        return gif, strip

    def interpolate_all(start_class, start_seed, end_class, end_seed, steps=16, mode="spherical", ping_pong=False):
        """The GIF file (download), the frame strip, and the animation playing in the page."""
        frames = explorer.interpolate(start_class, start_seed, end_class, end_seed, steps=steps, mode=mode)
        data = gif_bytes(frames, ping_pong=ping_pong)
        # Named by content: identical requests share one file instead of adding a copy each.
        folder = gif_dir / hashlib.sha256(data).hexdigest()[:20]
        folder.mkdir(exist_ok=True)
        path = folder / f"interpolation-{int(steps)}-frames.gif"
        if not path.is_file():
            tmp = folder / f".{os.getpid()}-{threading.get_ident()}.tmp"
            tmp.write_bytes(data)
            os.replace(tmp, path)  # atomic: a concurrent request never serves half a file
        else:
            path.touch()  # in use again: not old enough to prune
        small = base64.b64encode(gif_bytes(frames, scale=1, ping_pong=ping_pong)).decode()
        animation = (f'<img alt="interpolation animation" id="animation-gif" '
                     f'src="data:image/gif;base64,{small}">')
        strip = explorer.enlarge(frames, columns=min(int(steps), 16))
        return str(path), strip, animation

    def check_mix_class(mix_class) -> None:
        if not isinstance(mix_class, str):  # "" is no second class; a name is checked by the explorer
            raise ValueError(f'mix_class must be a class name or "" (none), got {values.shown(mix_class)}')

    def latent(seed):
        """The instant tab's one server call per new seed: that seed's z (as the server draws it)."""
        try:
            return latents_for_seeds([explorer.check_seed(seed)], explorer.generator.config.z_dim)[0].tolist()
        except ValueError as e:
            raise rejected("latent", str(e)) from None

    def read_request(name: str, request, keys: tuple[str, ...]) -> dict:
        """A server function's one argument: an object with exactly `keys`, its sliders a list."""
        if not isinstance(request, dict) or set(request) != set(keys) or not isinstance(request["sliders"], list):
            raise ValueError(f"{name} takes {{{', '.join(keys)}}} with sliders a list, got {values.shown(request)}")
        return request

    def pixels(request: dict):
        """The instant tab's "run on the server" switch: the image's uint8 values as (C, H, W), flattened.

        request: class_name, seed, truncation, mix_class, mix_weight, sliders (a server function takes one value)."""
        try:
            r = read_request("pixels", request, ("class_name", "seed", "truncation", "mix_class", "mix_weight", "sliders"))
            image = explorer.generate(r["class_name"], r["seed"], truncation=r["truncation"], sliders=r["sliders"],
                                      mix_class=r["mix_class"], mix_weight=r["mix_weight"])[0]
        except (ValueError, TypeError) as e:
            raise rejected("pixels", str(e)) from None
        return (image[None] if image.ndim == 2 else image.transpose(2, 0, 1)).reshape(-1).tolist()

    @gpu
    def view(request: dict):
        """The Generate tab's live path (generate.js): the image or grid at its own size as base64 RGBA bytes
        (the browser draws and enlarges it) and the evaluation network's top 3 classes; {"error": why} for bad values."""
        try:
            r = read_request("view", request, ("class_name", "seed", "side", "truncation", "mix_class", "mix_weight",
                                               "sliders"))
            check_mix_class(r["mix_class"])
            pixels = explorer.generate(r["class_name"], r["seed"], side=r["side"], truncation=r["truncation"],
                                       sliders=r["sliders"], mix_class=r["mix_class"] or r["class_name"],
                                       mix_weight=r["mix_weight"])
        except (ValueError, TypeError) as e:
            return {"error": rejected("view", str(e)).message}
        side, seed = int(r["side"]), int(r["seed"])  # both checked by explorer.generate
        top = sorted(explorer.predict(pixels[0]).items(), key=lambda item: -item[1])[:3]
        rgba = grid_image(pixels, columns=side, padding=0 if side == 1 else 1).convert("RGBA")
        return {"rgba": base64.b64encode(rgba.tobytes()).decode(), "width": rgba.width, "height": rgba.height,
                "alt": f"generated {r['class_name']}, seed {seed}" + (f", {side}x{side} grid" if side > 1 else ""),
                "name": f"{r['class_name']}-seed-{seed}".replace("/", "-").replace(" ", "-"),
                "top": [[name, round(p, 4)] for name, p in top]}

    def random_seed():
        import secrets

        return secrets.randbelow(MAX_SEED + 1)

    def restore(request: gr.Request):
        """Controls from the page URL (?class=Dress&seed=7&psi=0.8&s0=1.5), falling back to defaults."""
        params = dict(request.query_params) if request is not None else {}
        cls = params.get("class") if params.get("class") in names else names[0]
        def number(key, default, low, high, cast=float):
            try:
                value = cast(float(params.get(key, default)))
            except ValueError:
                return default
            return value if low <= value <= high else default
        values = [cls, number("seed", 0, 0, MAX_SEED, int), number("psi", 1.0, 0.0, 2.0)]
        values += [number(f"s{i}", 0.0, -SLIDER_RANGE, SLIDER_RANGE) for i in range(SLIDERS)]
        shared = any(key in params for key in URL_KEYS)
        return values + [gr.Tabs(selected="generate") if shared else gr.Tabs()]

    with StrictBlocks(title="cgan explorer") as demo:
        gr.Markdown(f"# cgan explorer\nA class-conditional GAN trained on "
                    f"{explorer.generator.metadata.get('training', {}).get('dataset', 'its dataset')}. "
                    f"Pick a class, move the sliders: the image follows.")
        gr.Markdown(f"Running on **{device_text}**", elem_id="device-note")
        # The instant tab comes first where the browser can run the generator; a shared link (URL with
        # controls) opens the Generate tab, whose controls it sets.
        with gr.Tabs(selected="instant" if model_path else "generate") as tabs:
            with gr.Tab("Instant", id="instant", elem_id="instant-tab"):
                gr.Markdown("The generator runs **in your browser** (WebAssembly): every control redraws at once, with "
                            "no request to the server except one per new seed. The Generate tab runs it on the server, "
                            "with the label readout, the direction strips and the memorisation check.")
                # The runtime and the model start loading with the page (launch's head: instant.head).
                gr.HTML(instant.markup(explorer, model_path, instant_unavailable), elem_id="instant",
                        js_on_load=instant.SCRIPT.read_text() if model_path else None,
                        server_functions=[latent, pixels] if model_path else None)
            with gr.Tab("Generate", id="generate"):
                with gr.Row():
                    with gr.Column(scale=1):
                        class_name = gr.Dropdown(names, allow_custom_value=True, value=names[0], label="Class", elem_id="class")
                        with gr.Row():
                            seed = gr.Number(0, label="Seed", precision=None, step=1, minimum=0, maximum=MAX_SEED, elem_id="seed")
                            randomize = gr.Button("Random seed", elem_id="random-seed", scale=0)
                        side = gr.Slider(1, MAX_GRID_SIDE, value=1, step=1, label="Grid side (1 = single image)", elem_id="side")
                        truncation = gr.Slider(0.0, 2.0, value=1.0, step=0.05, label="Truncation ψ", elem_id="psi")
                        with gr.Accordion("Class mixing", open=False):
                            mix_class = gr.Dropdown(names, allow_custom_value=True, value=names[0], label="Second class", elem_id="mix-class")
                            mix_weight = gr.Slider(0.0, 1.0, value=0.0, step=0.05, label="Mix weight (0 = first class only)",
                                                   elem_id="mix-weight")
                        sliders = [gr.Slider(-SLIDER_RANGE, SLIDER_RANGE, value=0.0, step=0.1,
                                             label=direction_labels[i] if i < len(direction_labels) else f"Direction {i + 1}",
                                             elem_id=f"slider-{i}") for i in range(SLIDERS)]
                        reset = gr.Button("Reset sliders", elem_id="reset")
                    with gr.Column(scale=1):
                        # The live image and readout (generate.js asks `view` on every change of a control).
                        gr.HTML(generate_view.markup(explorer.scale), elem_id="image", label="Generated",
                                js_on_load=generate_view.SCRIPT.read_text(), server_functions=[view])
                        image = gr.Image(type="pil", format="png", image_mode=None, visible=False)  # /generate's output
                        fidelity = gr.Label(num_top_classes=3, visible=False)  # /generate's output
                        gr.Markdown("**What each slider does:** the image above with one slider at −3 … +3, "
                                    "a row per direction")
                        strip_image = gr.HTML(elem_id="strips")
                        with gr.Accordion("Is this a copy? Nearest training images", open=True, elem_id="nearest-panel"):
                            nearest_gallery = gr.Gallery(label="3 nearest training images (training-set index · feature distance)",
                                                         columns=3, height=200, elem_id="nearest", elem_classes="pixelated",
                                                         object_fit="contain")
                            nearest_text = gr.Markdown(elem_id="nearest-text")
            with gr.Tab("Class grid"):
                grid_button = gr.Button("Show every class with these latents", elem_id="grid-button", visible=False)
                gr.Markdown("One row per class, the same latents in each column: the seed, ψ and sliders of the "
                            "Generate tab.")
                grid_table = gr.HTML(elem_id="grid-table")
                grid = gr.Image(type="pil", format="png", image_mode=None, visible=False)  # the /class_grid API's output
            with gr.Tab("Interpolate"):
                with gr.Row():
                    start_class = gr.Dropdown(names, allow_custom_value=True, value=names[0], label="Start class", elem_id="start-class")
                    start_seed = gr.Number(0, label="Start seed", precision=None, step=1, minimum=0, maximum=MAX_SEED, elem_id="start-seed")
                    end_class = gr.Dropdown(names, allow_custom_value=True, value=names[-1], label="End class", elem_id="end-class")
                    end_seed = gr.Number(1, label="End seed", precision=None, step=1, minimum=0, maximum=MAX_SEED, elem_id="end-seed")
                with gr.Row():
                    steps = gr.Slider(MIN_FRAMES, MAX_FRAMES, value=16, step=1, label="Frames", elem_id="steps")
                    mode = gr.Radio(["spherical", "linear"], value="spherical", label="Interpolation", elem_id="mode")
                    ping_pong = gr.Checkbox(False, label="Ping-pong", elem_id="ping-pong")
                run = gr.Button("Interpolate", variant="primary", elem_id="interpolate")
                with gr.Row():
                    animation = gr.HTML(label="Animation", elem_id="animation")
                    gif = gr.File(label="Animated GIF (download)", elem_id="gif")
                strip = gr.Image(label="Frames", type="pil", format="png", image_mode=None, buttons=["download"],
                                 elem_classes="pixelated", elem_id="strip")

        controls = [class_name, seed, side, truncation, mix_class, mix_weight, *sliders]
        # The stable API endpoints with named parameters, registered first so they own their names.
        api_generate = gr.Button(visible=False)
        # The API's own checks (cgan.values) see the request's values as sent: preprocess=False.
        api_generate.click(user_error(generate_api), controls, [image, fidelity], api_name="generate",
                           preprocess=False)
        for control in controls:
            # In the page: generate.js makes one server-function request (no queue, no result file), and the
            # URL follows the controls.
            control.change(None, controls, None, js=generate_view.CHANGE_JS, api_visibility="private",
                           show_progress="hidden")
        interpolation_inputs = [start_class, start_seed, end_class, end_seed, steps, mode, ping_pong]
        run.click(user_error(interpolate), interpolation_inputs, [gif, strip], api_name="interpolate",
                  preprocess=False)
        grid_button.click(user_error(class_grid), [seed, truncation, *sliders], grid, api_name="class_grid",
                          preprocess=False)
        details_inputs = [class_name, seed, truncation, mix_class, mix_weight, *sliders]
        api_nearest = gr.Button(visible=False)
        api_nearest.click(user_error(nearest_images), details_inputs, [nearest_gallery, nearest_text],
                          api_name="nearest", preprocess=False)

        def refresh_details(trigger):
            """Strips, nearest images and class grid: after a change settles (a slider's release, not every step)."""
            kwargs = dict(trigger_mode="always_last", show_progress="hidden", api_visibility="private")
            trigger(user_error(strips), details_inputs, strip_image, **kwargs)
            trigger(user_error(nearest_images), details_inputs, [nearest_gallery, nearest_text], **kwargs)
            trigger(user_error(class_grid_html), [seed, truncation, *sliders], grid_table, **kwargs)

        for control in (class_name, seed, truncation, mix_class, mix_weight):
            refresh_details(control.change)
        for slider in sliders:
            refresh_details(slider.release)
        for control in interpolation_inputs:
            control.change(user_error(interpolate_all), interpolation_inputs, [gif, strip, animation],
                           trigger_mode="always_last", show_progress="hidden", api_visibility="private")
        randomize.click(random_seed, None, seed, api_visibility="private")
        reset_event = reset.click(lambda: [0.0] * SLIDERS, None, sliders, api_visibility="private")
        refresh_details(reset_event.then)
        loaded = demo.load(restore, None, [class_name, seed, truncation, *sliders, tabs], api_visibility="private")
        loaded.then(None, controls, None, js=generate_view.TRIGGER_JS, api_visibility="private")
        refresh_details(loaded.then)
        loaded.then(user_error(interpolate_all), interpolation_inputs, [gif, strip, animation],
                    api_visibility="private")
    # Bounded disk: result files older than cache_minutes are deleted (checked 3 times as often).
    def forget(removed):
        for tracked in demo.temp_file_sets:
            tracked.difference_update(str(path) for path in removed)

    Pruner([gif_dir, Path(demo.GRADIO_CACHE)], cache_seconds, on_removed=forget).start()
    return demo


def load_explorer(weights: str, device) -> Explorer:
    """The generator (folder or Hub repo) and, when it is there, the evaluation network beside it."""
    generator = load_generator(weights, device=device)
    classifier = None
    for folder in (Path(weights), ROOT / "weights"):
        try:
            model, info = load_classifier(folder)
        except (FileNotFoundError, OSError):
            continue
        if info.get("class_names") == generator.config.class_names:
            classifier = model
            break
    return Explorer.create(generator, sliders=SLIDERS, classifier=classifier)


def start_nearest_index(weights: str, class_names: list[str]) -> LazyIndex:
    """The memorisation check's index over the evaluation network's training set, built in the background."""
    evaluator = Path(weights) if (Path(weights) / "evaluator.safetensors").is_file() else ROOT / "weights"

    def build():
        index = index_for_evaluator(evaluator)
        if index.class_names != class_names:
            raise ValueError("the evaluation network was trained on another dataset than this generator")
        return index

    return LazyIndex(build)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--weights", default=os.environ.get("CGAN_WEIGHTS", str(ROOT / "weights")),
                        help="export folder or Hub repo USER/REPO (env CGAN_WEIGHTS)")
    parser.add_argument("--device", default="auto", help="auto (GPU if present, else CPU), cpu, cuda or mps")
    parser.add_argument("--host", default=os.environ.get("GRADIO_SERVER_NAME", "127.0.0.1"),
                        help="address to listen on (env GRADIO_SERVER_NAME); 0.0.0.0 for every interface")
    parser.add_argument("--port", type=int, default=int(os.environ.get("GRADIO_SERVER_PORT", 7860)),
                        help="port (env GRADIO_SERVER_PORT)")
    parser.add_argument("--share", action="store_true", help="also open a public gradio.live link")
    parser.add_argument("--cache-minutes", type=float, default=float(os.environ.get("CGAN_CACHE_MINUTES", CACHE_MINUTES)),
                        help="delete result files (images, GIFs) this many minutes after they were made "
                             "(env CGAN_CACHE_MINUTES)")
    args = parser.parse_args(argv)
    if not 1 <= args.port <= 65535:
        parser.error(f"--port must be from 1 to 65535, got {args.port}")
    if not (math.isfinite(args.cache_minutes) and args.cache_minutes > 0):
        parser.error(f"--cache-minutes must be a positive number, got {args.cache_minutes}")
    if port_in_use(args.host, args.port):
        parser.error(f"port {args.port} on {args.host} is already in use; choose another with --port")
    if not os.environ.get("GRADIO_TEMP_DIR"):  # Gradio's result cache: this process's own, removed at exit
        os.environ["GRADIO_TEMP_DIR"] = str(private_folder("cgan-gradio-"))
    try:
        device = pick_device(args.device)
        explorer = load_explorer(args.weights, device)
    except (WeightsError, ValueError) as e:
        print(f"error: cannot load the generator: {e}", file=sys.stderr)
        return 2
    onnx_model = ensure_onnx(explorer.generator, explorer.generator.source_folder)
    if onnx_model[0] is None:
        print(f"note: the instant tab is off: {onnx_model[1]}", file=sys.stderr)
    demo = build_app(explorer, describe(device), nearest=start_nearest_index(args.weights, explorer.class_names),
                     cache_minutes=args.cache_minutes, onnx_model=onnx_model)
    # Uploads are refused beyond what the app takes (it has no file inputs).
    demo.queue(default_concurrency_limit=4).launch(server_name=args.host, server_port=args.port, share=args.share,
                                                   head=instant.head(onnx_model[0]) if onnx_model[0] else None,
                                                   theme=THEME, css=CSS, footer_links=["api"], max_file_size="1mb",
                                                   show_error=True, state_session_capacity=SESSIONS)
    return 0


def port_in_use(host: str, port: int) -> bool:
    """True when something already listens on host:port."""
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.settimeout(0.5)
        return probe.connect_ex(("127.0.0.1" if host in ("0.0.0.0", "") else host, port)) == 0


if __name__ == "__main__":
    sys.exit(main())
