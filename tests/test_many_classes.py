"""A model with as many classes as a config may hold (1,000, names of 100 characters) is one the app can serve:
the class grid shows a bounded number of rows, and an error quotes a short part of what was sent."""
import pytest
import torch

from cgan.config import MAX_CLASS_NAME, MAX_CLASSES, ModelConfig
from cgan.explorer.controls import GRID
from cgan.explorer.endpoints import Endpoints
from cgan.explorer.inference import GRID_CLASSES, Explorer
from cgan.export import load_export, save_export
from cgan.models import build_generator


@pytest.fixture(scope="module")
def many(tmp_path_factory):
    names = [f"{i:04d} " + "x" * (MAX_CLASS_NAME - 5) for i in range(MAX_CLASSES)]
    config = ModelConfig(num_classes=MAX_CLASSES, class_names=names, z_dim=16, g_dim=8, d_dim=8, g_norm="conditional")
    torch.manual_seed(0)
    generator = build_generator(config).eval()
    generator.config = config
    folder = save_export(generator, tmp_path_factory.mktemp("many") / "export")
    return Explorer.create(load_export(folder), sliders=8), names


def test_more_classes_or_longer_names_than_the_app_serves_are_refused():
    with pytest.raises(ValueError, match="2 to 1000 classes"):
        ModelConfig(num_classes=MAX_CLASSES + 1, class_names=[str(i) for i in range(MAX_CLASSES + 1)]).validate()
    with pytest.raises(ValueError, match="at most 100 characters"):
        ModelConfig(num_classes=2, class_names=["a", "b" * (MAX_CLASS_NAME + 1)]).validate()


def test_the_class_grid_shows_a_bounded_number_of_rows(many, tmp_path):
    explorer, names = many
    pixels = explorer.class_grid(0, columns=6)
    assert len(pixels) == GRID_CLASSES * 6
    html = Endpoints(explorer, nearest=None, gif_dir=tmp_path).class_grid_html(
        {control.name: control.default for control in GRID} | {"seed": 0})
    assert html.count("<tr") == GRID_CLASSES and f"The first {GRID_CLASSES} of {MAX_CLASSES} classes" in html
    assert len(html) < 2_000_000


def test_an_unknown_class_is_named_in_a_short_message(many):
    explorer, names = many
    with pytest.raises(ValueError) as error:
        explorer.generate("y" * 100_000, 0)
    assert len(str(error.value)) < 2_000 and "and 988 more" in str(error.value)
