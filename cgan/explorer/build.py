"""The app assembled: the tabs, the API endpoints with named parameters, the events between controls and
endpoints, and the pruning of result files."""
from __future__ import annotations

from pathlib import Path

import gradio as gr

from cgan.explorer import assets, generate_view, gradio_internals, instant
from cgan.explorer.endpoints import Endpoints
from cgan.explorer.inference import Explorer
from cgan.explorer.result_files import Pruner, private_folder
from cgan.explorer.controls import CONTROLS, DETAILS, DIRECTIONS, GRID, SHARED, published
from cgan.explorer.input_checks import StrictBlocks
from cgan.explorer.loading import LazyIndex
from cgan.explorer.rejections import user_error
from cgan.explorer.server import CACHE_MB, CACHE_MINUTES
from cgan.explorer.tabs import class_grid_tab, generate_tab, instant_tab, interpolate_tab, project_tab
from cgan.text import markdown_text

PRIVATE = dict(api_visibility="private")  # page events that are not part of the API
SETTLED = dict(trigger_mode="always_last", show_progress="hidden", **PRIVATE)  # only the last of a burst runs
# Projections (each up to projection.TIME_LIMIT of both cores) run one at a time; the rest wait in the queue.
PROJECTING = dict(preprocess=False, concurrency_limit=1, concurrency_id="project")
BRUSH_JS = assets.event_js("pick_brush.js")  # the Draw tab opened: pick the sketchpad's brush


def build_app(explorer: Explorer, device_text: str, nearest: LazyIndex | None = None,
              cache_minutes: float = CACHE_MINUTES, cache_mb: float = CACHE_MB,
              onnx_model: tuple[Path | None, str] = (None, "no model.onnx"),
              encoder_model: Path | None = None) -> gr.Blocks:
    """The Blocks UI; every event calls an Endpoints method over the explorer. Result files live `cache_minutes`
    and take at most `cache_mb` together.

    onnx_model: (model.onnx, "") for the instant tab, or (None, why it is unavailable); encoder_model: the
    encoder's ONNX file, for drawing in the instant tab."""
    model_path, instant_unavailable = onnx_model
    gradio_internals.cache_session_configs()  # a new session (each API call) costs no page config
    gr.set_static_paths([instant.EXAMPLES])  # the example garments of the Project tab and the drawing
    if model_path is not None:
        gr.set_static_paths(instant.static_paths(model_path, encoder_model))
    gif_dir = private_folder("cgan-gifs-")
    endpoints = Endpoints(explorer, nearest=nearest, gif_dir=gif_dir)
    dataset = markdown_text(explorer.generator.metadata.get("training", {}).get("dataset", "its dataset"), 100)
    with StrictBlocks(title="cgan explorer") as demo:
        gr.Markdown(f"# cgan explorer\nA class-conditional GAN trained on {dataset}. "
                    f"Pick a class, move the sliders: the image follows.")
        gr.Markdown(f"Running on **{device_text}**", elem_id="device-note")
        # The instant tab comes first where the browser can run the generator; a shared link (URL with
        # controls) opens the Generate tab, whose controls it sets.
        with gr.Tabs(selected="instant" if model_path else "generate") as tabs:
            instant_tab(endpoints, model_path, instant_unavailable, draw=encoder_model is not None)
            generate = generate_tab(endpoints)
            grid = class_grid_tab()
            interpolation = interpolate_tab(endpoints.names)
            project = project_tab(endpoints.names, instant_available=model_path is not None)
        _api(endpoints, generate, grid, interpolation, project)
        _events(demo, endpoints, tabs, generate, grid, interpolation)
        _project_events(endpoints, tabs, project, generate, interpolation)
    endpoints.waiting_projections = lambda: gradio_internals.waiting_events(demo, PROJECTING["concurrency_id"])

    def forget(removed):
        for tracked in demo.temp_file_sets:
            tracked.difference_update(str(path) for path in removed)

    # Bounded disk: result files older than cache_minutes are deleted, then the least recently used beyond cache_mb.
    # Files that queued requests will read (an upload waiting for its projection) are spared.
    Pruner([gif_dir, Path(demo.GRADIO_CACHE)], max(1, round(cache_minutes * 60)), max_bytes=int(cache_mb * 1e6),
           on_removed=forget, in_use=lambda: gradio_internals.queued_files(demo)).start()
    return demo


def _api(endpoints: Endpoints, generate, grid, interpolation, project) -> None:
    """The stable API endpoints with named parameters, registered first so they own their names. Their own
    checks (cgan.values) see the request's values as sent: preprocess=False."""
    api_generate = gr.Button(visible=False)
    api_generate.click(user_error(published(endpoints.generate, CONTROLS)), generate.controls,
                       [generate.image, generate.fidelity], api_name="generate", preprocess=False)
    interpolation.run.click(user_error(endpoints.interpolate), interpolation.inputs,
                            [interpolation.gif, interpolation.strip], api_name="interpolate", preprocess=False)
    grid.button.click(user_error(published(endpoints.class_grid, GRID)), _inputs(generate, GRID), grid.image,
                      api_name="class_grid", preprocess=False)
    api_nearest = gr.Button(visible=False)
    api_nearest.click(user_error(published(endpoints.nearest, DETAILS)), generate.details,
                      [generate.nearest_gallery, generate.nearest_text], api_name="nearest", preprocess=False)
    project.run_upload.click(user_error(endpoints.project), [project.upload, project.class_name], project.outputs,
                             api_name="project", **PROJECTING)


def _inputs(generate, controls) -> list:
    """The Generate tab's components of these controls, in order."""
    return [generate.by_name[control.name] for control in controls]


def _events(demo, endpoints: Endpoints, tabs, generate, grid, interpolation) -> None:
    """What the page does when a control changes, a button is pressed or the page loads."""
    for control in generate.controls:
        # In the page: generate.js makes one server-function request (no queue, no result file), and the
        # URL follows the controls.
        control.change(None, generate.controls, None, js=generate_view.CHANGE_JS, show_progress="hidden", **PRIVATE)

    def refresh_details(trigger):
        """Strips, nearest images and class grid: after a change settles (a slider's release, not every step)."""
        trigger(user_error(published(endpoints.strips, DETAILS)), generate.details, generate.strips, **SETTLED)
        trigger(user_error(published(endpoints.nearest, DETAILS)), generate.details,
                [generate.nearest_gallery, generate.nearest_text], **SETTLED)
        trigger(user_error(published(endpoints.class_grid_html, GRID)), _inputs(generate, GRID), grid.table,
                **SETTLED)

    for control in DETAILS:  # a direction slider: once it is released, not at every step of a drag
        component = generate.by_name[control.name]
        refresh_details(component.release if control.kind == "direction" else component.change)
    # One listener for the page load and every control, so that its runs follow each other and the last
    # values win: two listeners could finish out of order and leave the load's frames on screen.
    gr.on([demo.load, *(control.change for control in interpolation.inputs)], user_error(endpoints.interpolate_all),
          interpolation.inputs, [interpolation.gif, interpolation.strip, interpolation.animation], **SETTLED)
    # A new seed leaves a projected latent behind.
    generate.randomize.click(lambda: (endpoints.random_seed(), ""), None, [generate.seed, generate.latent], **PRIVATE)
    generate.seed.input(lambda: "", None, generate.latent, **PRIVATE)
    reset_event = generate.reset.click(lambda: [control.default for control in DIRECTIONS], None, generate.sliders,
                                       **PRIVATE)
    refresh_details(reset_event.then)
    loaded = demo.load(endpoints.restore, None, [*_inputs(generate, SHARED), tabs], **PRIVATE)
    loaded.then(None, generate.controls, None, js=generate_view.TRIGGER_JS, **PRIVATE)
    refresh_details(loaded.then)


def _project_events(endpoints: Endpoints, tabs, project, generate, interpolation) -> None:
    """Projecting an upload or a drawing, and taking the result to the other tabs."""
    project.upload.upload(user_error(endpoints.project), [project.upload, project.class_name], project.outputs,
                          **PROJECTING, **PRIVATE)
    project.examples.load_input_event.then(user_error(endpoints.project), [project.upload, project.class_name],
                                           project.outputs, **PROJECTING, **PRIVATE)
    project.run_drawing.click(user_error(endpoints.project_drawing), [project.drawing, project.class_name],
                              project.outputs, **PROJECTING, **PRIVATE)
    project.draw_tab.select(None, None, None, js=BRUSH_JS, **PRIVATE)  # the sketchpad starts with no tool
    found = [project.latent, project.found_class]

    def needs_projection(fn):
        def checked(latent, class_name):
            if not latent:
                raise ValueError("project an image first")
            return fn(latent, class_name)
        return user_error(checked)

    project.to_generate.click(
        needs_projection(lambda latent, name: [name, latent, 1.0, *[c.default for c in DIRECTIONS],
                                               gr.Tabs(selected="generate")]),
        found, [generate.class_name, generate.latent, generate.truncation, *generate.sliders, tabs], **PRIVATE)
    to_interpolation = needs_projection(
        lambda latent, name: [name, latent, gr.Accordion(open=True), gr.Tabs(selected="interpolate")])
    project.to_start.click(to_interpolation, found, [interpolation.start_class, interpolation.start_latent,
                                                     interpolation.latents_panel, tabs], **PRIVATE)
    project.to_end.click(to_interpolation, found, [interpolation.end_class, interpolation.end_latent,
                                                   interpolation.latents_panel, tabs], **PRIVATE)
    # The page's instant tab takes the latent itself (instant.js asks the server for its values once).
    project.to_instant.click(needs_projection(lambda latent, name: gr.Tabs(selected="instant")), found, tabs,
                             js=instant.USE_JS, **PRIVATE)
