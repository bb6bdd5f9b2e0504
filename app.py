"""cgan explorer: a Gradio app that puts a trained conditional GAN in your hands, live on GPU or CPU.

    python app.py                               # the shipped weights/
    python app.py --weights USER/REPO --port 7860
    CGAN_WEIGHTS=USER/REPO python app.py        # as on Hugging Face Spaces
"""
from __future__ import annotations

import argparse
import inspect
import os
import sys
import tempfile
from pathlib import Path

import gradio as gr

from cgan.classifier import load_classifier
from cgan.devices import describe, pick_device
from cgan.explorer import MAX_FRAMES, MAX_GRID_SIDE, MAX_SEED, MIN_FRAMES, SLIDER_RANGE, Explorer, gif_bytes
from cgan.export import WeightsError, load_generator

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
"""
# Mirror the shareable controls into the page URL (query parameters), without reloading the page.
URL_JS = """
(cls, seed, psi, ...sliders) => {
  const p = new URLSearchParams();
  p.set("class", cls); p.set("seed", String(seed)); p.set("psi", String(psi));
  sliders.forEach((v, i) => { if (Number(v) !== 0) p.set("s" + i, String(v)); });
  window.history.replaceState(null, "", window.location.pathname + "?" + p.toString());
  return [];
}
"""


def user_error(fn):
    """Turn ValueError from the explorer into gr.Error, so the user sees what is allowed."""
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except ValueError as e:
            raise gr.Error(str(e)) from None
    wrapper.__name__, wrapper.__doc__ = fn.__name__, fn.__doc__
    wrapper.__signature__ = inspect.signature(fn)  # gradio names API parameters from it
    return wrapper


def build_app(explorer: Explorer, device_text: str) -> gr.Blocks:
    """The Blocks UI; every event calls a plain Explorer method."""
    names = explorer.class_names
    gif_dir = Path(tempfile.mkdtemp(prefix="cgan-gifs-"))

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
        return generate(class_name, seed, side, truncation, mix_class, mix_weight, direction_0, direction_1,
                        direction_2, direction_3, direction_4, direction_5, direction_6, direction_7)

    @gpu
    def class_grid(seed: int, truncation: float = 1.0, *sliders: float):
        """Every class in a row, the same latents in each column."""
        return explorer.enlarge(explorer.class_grid(seed, columns=6, truncation=truncation, sliders=sliders), columns=6)

    @gpu
    def interpolate(start_class: str, start_seed: int, end_class: str, end_seed: int, steps: int = 16,
                    mode: str = "spherical", ping_pong: bool = False):
        """Frames between two (class, seed) endpoints: the GIF file first, then the strip."""
        frames = explorer.interpolate(start_class, start_seed, end_class, end_seed, steps=steps, mode=mode)
        folder = Path(tempfile.mkdtemp(dir=gif_dir))  # one folder per result: concurrent users never collide
        path = folder / f"interpolation-{int(steps)}-frames.gif"
        path.write_bytes(gif_bytes(frames, ping_pong=ping_pong))
        strip = explorer.enlarge(frames, columns=min(int(steps), 16))
        return str(path), strip

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
        return values

    with gr.Blocks(title="cgan explorer") as demo:
        gr.Markdown(f"# cgan explorer\nA class-conditional GAN trained on "
                    f"{explorer.generator.metadata.get('training', {}).get('dataset', 'its dataset')}. "
                    f"Pick a class, move the sliders: the image follows.")
        gr.Markdown(f"Running on **{device_text}**", elem_id="device-note")
        with gr.Tab("Generate"):
            with gr.Row():
                with gr.Column(scale=1):
                    class_name = gr.Dropdown(names, value=names[0], label="Class", elem_id="class")
                    with gr.Row():
                        seed = gr.Number(0, label="Seed", precision=0, minimum=0, maximum=MAX_SEED, elem_id="seed")
                        randomize = gr.Button("Random seed", elem_id="random-seed", scale=0)
                    side = gr.Slider(1, MAX_GRID_SIDE, value=1, step=1, label="Grid side (1 = single image)", elem_id="side")
                    truncation = gr.Slider(0.0, 2.0, value=1.0, step=0.05, label="Truncation ψ", elem_id="psi")
                    with gr.Accordion("Class mixing", open=False):
                        mix_class = gr.Dropdown(names, value=names[0], label="Second class", elem_id="mix-class")
                        mix_weight = gr.Slider(0.0, 1.0, value=0.0, step=0.05, label="Mix weight (0 = first class only)",
                                               elem_id="mix-weight")
                    sliders = [gr.Slider(-SLIDER_RANGE, SLIDER_RANGE, value=0.0, step=0.1, label=f"Direction {i + 1}",
                                         elem_id=f"slider-{i}") for i in range(SLIDERS)]
                    reset = gr.Button("Reset sliders", elem_id="reset")
                with gr.Column(scale=1):
                    image = gr.Image(label="Generated", type="pil", format="png", image_mode=None,
                                     buttons=["download"], elem_classes="pixelated", elem_id="image", height=400)
                    fidelity = gr.Label(num_top_classes=3, label="Evaluation network says (label fidelity)",
                                        elem_id="fidelity")
        with gr.Tab("Class grid"):
            grid_button = gr.Button("Show every class with these latents", elem_id="grid-button")
            grid = gr.Image(label="One row per class", type="pil", format="png", image_mode=None, buttons=["download"],
                            elem_classes="pixelated", elem_id="grid")
        with gr.Tab("Interpolate"):
            with gr.Row():
                start_class = gr.Dropdown(names, value=names[0], label="Start class", elem_id="start-class")
                start_seed = gr.Number(0, label="Start seed", precision=0, minimum=0, maximum=MAX_SEED, elem_id="start-seed")
                end_class = gr.Dropdown(names, value=names[-1], label="End class", elem_id="end-class")
                end_seed = gr.Number(1, label="End seed", precision=0, minimum=0, maximum=MAX_SEED, elem_id="end-seed")
            with gr.Row():
                steps = gr.Slider(MIN_FRAMES, MAX_FRAMES, value=16, step=1, label="Frames", elem_id="steps")
                mode = gr.Radio(["spherical", "linear"], value="spherical", label="Interpolation", elem_id="mode")
                ping_pong = gr.Checkbox(False, label="Ping-pong", elem_id="ping-pong")
            run = gr.Button("Interpolate", variant="primary", elem_id="interpolate")
            gif = gr.File(label="Animated GIF (download)", elem_id="gif")
            strip = gr.Image(label="Frames", type="pil", format="png", image_mode=None, buttons=["download"],
                             elem_classes="pixelated", elem_id="strip")

        controls = [class_name, seed, side, truncation, mix_class, mix_weight, *sliders]
        # The stable API endpoints with named parameters, registered first so they own their names.
        api_generate = gr.Button(visible=False)
        api_generate.click(user_error(generate_api), controls, [image, fidelity], api_name="generate")
        url_inputs = [class_name, seed, truncation, *sliders]
        for control in controls:
            event = control.change(user_error(generate), controls, [image, fidelity], trigger_mode="always_last",
                                   show_progress="hidden", api_visibility="private")
            event.then(None, url_inputs, None, js=URL_JS, api_visibility="private")
        run.click(user_error(interpolate), [start_class, start_seed, end_class, end_seed, steps, mode, ping_pong],
                  [gif, strip], api_name="interpolate")
        grid_button.click(user_error(class_grid), [seed, truncation, *sliders], grid, api_name="class_grid")
        randomize.click(random_seed, None, seed, api_visibility="private")
        reset.click(lambda: [0.0] * SLIDERS, None, sliders, api_visibility="private")
        demo.load(restore, None, [class_name, seed, truncation, *sliders], api_visibility="private").then(
            user_error(generate), controls, [image, fidelity], api_visibility="private")
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
    args = parser.parse_args(argv)
    try:
        device = pick_device(args.device)
        explorer = load_explorer(args.weights, device)
    except (WeightsError, ValueError) as e:
        print(f"error: cannot load the generator: {e}", file=sys.stderr)
        return 2
    demo = build_app(explorer, describe(device))
    demo.queue(default_concurrency_limit=4).launch(server_name=args.host, server_port=args.port, share=args.share,
                                                   theme=THEME, css=CSS, footer_links=["api"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
