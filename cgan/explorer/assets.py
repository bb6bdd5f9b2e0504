"""The explorer's files that are not Python, in web/: CSS, HTML templates, JavaScript and the vendored runtime."""
from __future__ import annotations

from pathlib import Path

WEB = Path(__file__).resolve().parent / "web"
EXAMPLES = WEB / "examples"  # garments drawn and photographed for the app: PNG and JPEG


def read(name: str) -> str:
    """The text of web/NAME."""
    return (WEB / name).read_text()


def fill(template: str, **fields) -> str:
    """The HTML template web/TEMPLATE with its {fields} filled in (the caller escapes what it passes)."""
    return read(template).format(**fields).strip()


def event_js(name: str) -> str:
    """The JavaScript function in web/NAME, without its leading comment lines, as Gradio's `js=` takes it."""
    lines = read(name).splitlines()
    while lines and lines[0].lstrip().startswith("//"):
        lines.pop(0)
    return "\n".join(lines)
