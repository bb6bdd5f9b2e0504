"""The explorer's files that are not Python: CSS, HTML templates, JavaScript and the vendored runtime, in web/."""
from __future__ import annotations

from pathlib import Path

WEB = Path(__file__).resolve().parent / "web"


def read(name: str) -> str:
    """The text of web/NAME."""
    return (WEB / name).read_text()
