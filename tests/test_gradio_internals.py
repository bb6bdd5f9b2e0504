"""The Gradio internals the app relies on (cgan/explorer/gradio_internals.py) are where it expects them in the
installed Gradio; an upgrade that moves one fails here, naming it and the version."""
import gradio as gr

from cgan.explorer import gradio_internals


def test_every_internal_the_app_relies_on_is_there():
    missing = gradio_internals.problems()
    assert missing == [], f"Gradio {gr.__version__} no longer has: {'; '.join(missing)}"


def test_a_moved_internal_is_reported_by_name(monkeypatch):
    monkeypatch.setattr(gr.Blocks, "validate_inputs", lambda self, block_fn, values, extra=None: None)
    monkeypatch.delattr(gradio_internals.gradio_utils, "get_upload_folder")
    assert gradio_internals.problems()[:2] == ["Blocks.validate_inputs(self, block_fn, inputs)",
                                                "gradio.utils.get_upload_folder()"]
