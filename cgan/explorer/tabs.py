"""The app's tabs, one builder each: the components of a tab, laid out, returned by name for the event wiring."""
from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import gradio as gr

from cgan.explorer import generate_view, instant
from cgan.explorer.endpoints import Endpoints
from cgan.explorer.inference import SUGGESTED
from cgan.explorer.controls import CONTROLS, DETAILS, DIRECTIONS, Control
from cgan.values import FRAMES, MAX_SEED


def instant_tab(endpoints: Endpoints, model_path: Path | None, unavailable: str, draw: bool = False) -> None:
    """The generator running in the browser (WebAssembly); the server is asked only for each new seed's latent.
    With `draw` (an encoder for the page), a drawing canvas whose strokes are encoded in the page too."""
    with gr.Tab("Instant", id="instant", elem_id="instant-tab"):
        gr.Markdown("The generator runs **in your browser** (WebAssembly): every control redraws at once, with "
                    "no request to the server except one per new seed. The Generate tab runs it on the server, "
                    "with the label readout, the direction strips and the memorisation check.")
        # The runtime and the model start loading with the page (launch's head: instant.head).
        gr.HTML(instant.markup(endpoints.explorer, model_path, unavailable, draw=draw), elem_id="instant",
                js_on_load=instant.SCRIPT.read_text() if model_path else None,
                server_functions=[endpoints.latent, endpoints.pixels, endpoints.refine] if model_path else None)


def _class_dropdown(names: list[str], label: str, elem_id: str, value: str | None = None) -> gr.Dropdown:
    return gr.Dropdown(names, allow_custom_value=True, value=value or names[0], label=label, elem_id=elem_id)


def _latent_box(label: str, elem_id: str) -> gr.Textbox:
    return gr.Textbox("", label=label, placeholder="empty: the seed's latent", max_lines=1, max_length=400,
                      elem_id=elem_id)


def _seed_box(label: str, elem_id: str, value: int = 0) -> gr.Number:
    return gr.Number(value, label=label, precision=None, step=1, minimum=0, maximum=MAX_SEED, elem_id=elem_id)


def _control(control: Control, names: list[str], labels: list[str]):
    """The component of one row of controls.CONTROLS."""
    if control.kind == "class":
        return _class_dropdown(names, control.label, control.elem_id)
    if control.kind == "seed":
        return _seed_box(control.label, control.elem_id)
    if control.kind == "latent":
        return _latent_box(control.label, control.elem_id)
    index = DIRECTIONS.index(control) if control.kind == "direction" else -1
    label = labels[index] if 0 <= index < len(labels) else control.label
    return gr.Slider(control.low, control.high, value=control.default, step=control.step, label=label,
                     elem_id=control.elem_id)


def generate_tab(endpoints: Endpoints) -> SimpleNamespace:
    """Controls on the left (controls.CONTROLS, in order); the live image, the direction strips and the
    memorisation check on the right."""
    explorer, names = endpoints.explorer, endpoints.names
    labels = [f"Direction {i + 1}: {text}" for i, text in enumerate(explorer.descriptions)]
    tab = SimpleNamespace(by_name={})

    def place(group: str) -> None:
        for control in (c for c in CONTROLS if c.group == group):
            if control.kind == "seed":
                with gr.Row():
                    tab.by_name[control.name] = _control(control, names, labels)
                    tab.randomize = gr.Button("Random seed", elem_id="random-seed", scale=0)
            else:
                tab.by_name[control.name] = _control(control, names, labels)

    with gr.Tab("Generate", id="generate"), gr.Row():
        with gr.Column(scale=1):
            place("main")
            with gr.Accordion("Class mixing", open=False):
                place("mixing")
            place("directions")
            tab.reset = gr.Button("Reset sliders", elem_id="reset")
        with gr.Column(scale=1):
            # The live image and readout (generate.js asks `view` on every change of a control).
            gr.HTML(generate_view.markup(explorer.scale), elem_id="image", label="Generated",
                    js_on_load=generate_view.SCRIPT, server_functions=[endpoints.view])
            tab.image = gr.Image(type="pil", format="png", image_mode=None, visible=False)  # /generate's output
            tab.fidelity = gr.Label(num_top_classes=3, visible=False)  # /generate's output
            gr.Markdown("**What each slider does:** the image above with one slider at −3 … +3, a row per direction")
            tab.strips = gr.HTML(elem_id="strips")
            with gr.Accordion("Is this a copy? Nearest training images", open=True, elem_id="nearest-panel"):
                tab.nearest_gallery = gr.Gallery(
                    label="3 nearest training images (training-set index · feature distance)", columns=3, height=200,
                    elem_id="nearest", elem_classes="pixelated", object_fit="contain")
                tab.nearest_text = gr.Markdown(elem_id="nearest-text")
    tab.controls = [tab.by_name[control.name] for control in CONTROLS]
    tab.details = [tab.by_name[control.name] for control in DETAILS]
    tab.sliders = [tab.by_name[control.name] for control in DIRECTIONS]
    for name in ("class_name", "seed", "truncation", "mix_class", "mix_weight", "latent"):
        setattr(tab, name, tab.by_name[name])
    return tab


def class_grid_tab() -> SimpleNamespace:
    """Every class in a row with the Generate tab's latents."""
    tab = SimpleNamespace()
    with gr.Tab("Class grid"):
        tab.button = gr.Button("Show every class with these latents", elem_id="grid-button", visible=False)
        gr.Markdown("One row per class, the same latents in each column: the seed, ψ and sliders of the "
                    "Generate tab.")
        tab.table = gr.HTML(elem_id="grid-table")
        tab.image = gr.Image(type="pil", format="png", image_mode=None, visible=False)  # the /class_grid API's output
    return tab


def interpolate_tab(names: list[str]) -> SimpleNamespace:
    """Two (class, seed) endpoints and the frames between them, as an animation, a GIF and a strip."""
    tab = SimpleNamespace()
    with gr.Tab("Interpolate", id="interpolate"):
        with gr.Row():
            tab.start_class = _class_dropdown(names, "Start class", "start-class")
            tab.start_seed = _seed_box("Start seed", "start-seed")
            tab.end_class = _class_dropdown(names, "End class", "end-class", value=names[-1])
            tab.end_seed = _seed_box("End seed", "end-seed", value=1)
        with gr.Row():
            tab.steps = gr.Slider(*FRAMES, value=16, step=1, label="Frames", elem_id="steps")
            tab.mode = gr.Radio(["spherical", "linear"], value="spherical", label="Interpolation", elem_id="mode")
            tab.ping_pong = gr.Checkbox(False, label="Ping-pong", elem_id="ping-pong")
        with gr.Accordion("Projected images as ends (from the Project tab)", open=False,
                          elem_id="interpolate-latents") as tab.latents_panel:
            with gr.Row():
                tab.start_latent = _latent_box("Start latent (replaces the start seed's)", "start-latent")
                tab.end_latent = _latent_box("End latent (replaces the end seed's)", "end-latent")
        tab.run = gr.Button("Interpolate", variant="primary", elem_id="interpolate")
        with gr.Row():
            tab.animation = gr.HTML(label="Animation", elem_id="animation")
            tab.gif = gr.File(label="Animated GIF (download)", elem_id="gif")
        tab.strip = gr.Image(label="Frames", type="pil", format="png", image_mode=None, buttons=["download"],
                             elem_classes="pixelated", elem_id="strip")
    tab.inputs = [tab.start_class, tab.start_seed, tab.end_class, tab.end_seed, tab.steps, tab.mode, tab.ping_pong,
                  tab.start_latent, tab.end_latent]
    return tab


def project_tab(names: list[str], instant_available: bool) -> SimpleNamespace:
    """An uploaded photo or a drawing, projected into the latent space; from there, the other tabs."""
    tab = SimpleNamespace()
    with gr.Tab("Project", id="project"):
        gr.Markdown("Upload a photo of a garment (on a plain background) or draw one: the app finds the latent "
                    "whose image is closest. Then edit it with the sliders, swap its class, or interpolate from it.")
        with gr.Row():
            with gr.Column(scale=1):
                with gr.Tabs():
                    with gr.Tab("Upload", id="project-upload-tab"):
                        tab.upload = gr.Image(type="filepath", sources=["upload", "clipboard"], image_mode=None,
                                              label="Your image (PNG, JPEG or WebP)", elem_id="project-upload")
                        tab.run_upload = gr.Button("Project the upload", variant="primary", elem_id="project-run")
                        tab.examples = gr.Examples([[str(path)] for path in instant.examples()], [tab.upload],
                                                   label="Examples (drawn and photographed for this app): a click "
                                                         "projects one", examples_per_page=12,
                                                   api_visibility="private", elem_id="project-examples")
                    with gr.Tab("Draw", id="project-draw-tab") as tab.draw_tab:
                        tab.drawing = gr.Sketchpad(type="filepath", canvas_size=(280, 280), label="Draw a garment",
                                                   brush=gr.Brush(colors=["#000000"], default_size=12,
                                                                  color_mode="fixed"), elem_id="project-sketch")
                        tab.run_drawing = gr.Button("Project the drawing", variant="primary",
                                                    elem_id="project-run-drawing")
                tab.class_name = gr.Dropdown([("Suggested by the evaluation network", SUGGESTED)] + names,
                                             value=SUGGESTED, label="Class", elem_id="project-class")
            with gr.Column(scale=1):
                with gr.Row():
                    tab.seen = gr.Image(label="As the model sees it", type="pil", format="png", image_mode=None,
                                        interactive=False, elem_classes="pixelated", elem_id="project-seen")
                    tab.reconstruction = gr.Image(label="Reconstruction", type="pil", format="png", image_mode=None,
                                                  interactive=False, elem_classes="pixelated",
                                                  elem_id="project-reconstruction")
                tab.summary = gr.Markdown(label="Summary", elem_id="project-summary")
                tab.found_class = gr.Textbox(label="Class", interactive=False, elem_id="project-found-class")
                tab.latent = gr.Textbox(label="Latent code", info="paste it wherever a latent is asked for",
                                        interactive=False, buttons=["copy"], elem_id="project-latent")
                with gr.Row():
                    tab.to_generate = gr.Button("Edit in Generate", elem_id="project-to-generate")
                    tab.to_start = gr.Button("Interpolate from here", elem_id="project-to-start")
                    tab.to_end = gr.Button("Interpolate to here", elem_id="project-to-end")
                    tab.to_instant = gr.Button("Open in Instant", elem_id="project-to-instant",
                                               visible=instant_available)
    tab.outputs = [tab.seen, tab.reconstruction, tab.latent, tab.found_class, tab.summary]
    return tab
