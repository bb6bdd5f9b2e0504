"""What a Gradio Space that serves a model repo holds: app.py, cgan/, pinned requirements, README front matter.

    python -m cgan.push weights USER/MODEL --space USER/SPACE

`cgan.export.hub.push_space` stages these files in a temporary folder (nothing in the checkout changes) and
uploads them; the model repo id reaches the app as the Space variable CGAN_WEIGHTS.
"""
from __future__ import annotations

import shutil
from importlib.metadata import version
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]  # the checkout or installed tree that holds app.py and cgan/
APP_FILES = ["app.py", "requirements.txt"]
WEIGHTS_VARIABLE = "CGAN_WEIGHTS"
SKIPPED = shutil.ignore_patterns("__pycache__", "*.pyc", ".*")


def front_matter(space_id: str, model_id: str, *, hardware: str | None = None) -> str:
    """The Space's README.md: the YAML that Spaces reads (sdk, version, app file, the model it serves) and a line."""
    yaml = ["---", f"title: {space_id.split('/')[-1]}", "emoji: 👕", "colorFrom: indigo", "colorTo: gray",
            "sdk: gradio", f"sdk_version: {version('gradio')}", "app_file: app.py", "license: mit",
            "models:", f"- {model_id}", "tags:", "- cgan", "- gan", "- conditional-image-generation"]
    if hardware:
        yaml.append(f"suggested_hardware: {hardware}")
    yaml.append("---")
    body = (f"\nThe cgan explorer serving [{model_id}](https://huggingface.co/{model_id}): pick a class, move the "
            f"latent sliders, interpolate, and check generated images against the training set.\n\n"
            f"The model repo is read from the Space variable `{WEIGHTS_VARIABLE}`.\n")
    return "\n".join(yaml) + "\n" + body


def stage_space(folder: Path, space_id: str, model_id: str, *, hardware: str | None = None) -> Path:
    """Write the files the Space runs into folder: app.py, cgan/, requirements.txt and README.md."""
    missing = [name for name in APP_FILES + ["cgan"] if not (ROOT / name).exists()]
    if missing:
        raise FileNotFoundError(f"{ROOT} lacks {', '.join(missing)}; push a Space from a cgan checkout")
    for name in APP_FILES:
        shutil.copy2(ROOT / name, folder / name)
    shutil.copytree(ROOT / "cgan", folder / "cgan", ignore=SKIPPED)
    (folder / "README.md").write_text(front_matter(space_id, model_id, hardware=hardware), encoding="utf-8")
    return folder
