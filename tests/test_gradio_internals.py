"""The Gradio internals the app relies on (cgan/explorer/gradio_internals.py) are where it expects them in the
installed Gradio; an upgrade that moves one fails here, naming it and the version."""
import gradio as gr
from gradio.blocks import BlocksConfig
from gradio.state_holder import SessionState

from cgan.explorer import gradio_internals


def test_every_internal_the_app_relies_on_is_there():
    missing = gradio_internals.problems()
    assert missing == [], f"Gradio {gr.__version__} no longer has: {'; '.join(missing)}"


def test_a_moved_internal_is_reported_by_name(monkeypatch):
    monkeypatch.setattr(gr.Blocks, "validate_inputs", lambda self, block_fn, values, extra=None: None)
    monkeypatch.delattr(gradio_internals.gradio_utils, "get_upload_folder")
    assert gradio_internals.problems()[:2] == ["Blocks.validate_inputs(self, block_fn, inputs)",
                                                "gradio.utils.get_upload_folder()"]


def test_a_session_built_from_the_cached_configs_is_the_one_gradio_builds_and_its_own():
    gradio_internals.cache_session_configs()
    gradio_internals.cache_session_configs()  # idempotent: no second layer
    cached = BlocksConfig.__dict__["config_for_block"].__func__
    assert cached.built_once and not getattr(cached.original, "built_once", False)
    with gr.Blocks() as demo:
        box = gr.Textbox("start", label="words")
        choice = gr.Dropdown(["a", "b"], value="a")
        box.submit(lambda text, pick: text, [box, choice], box)
    expected = {k: cached.original(k, [], v) for k, v in demo.default_config.blocks.items() if k in demo.blocks}
    first, second = SessionState(demo), SessionState(demo)
    assert first.config_values == expected == second.config_values
    first._update_value_in_config(box._id, "changed")  # what one visitor's page state writes stays in its own copy
    assert first.config_values[box._id]["props"]["value"] == "changed"
    assert second.config_values[box._id]["props"]["value"] == "start" == SessionState(demo).config_values[box._id]["props"]["value"]
