"""Text from weights, datasets or users (class names, dataset ids) made safe to show in Markdown or HTML: escaped,
on one line, without the invisible characters that reorder what is shown around them, and shortened."""
from __future__ import annotations

import html
import json
import re

# Bidirectional controls (U+202A-U+202E, U+2066-U+2069) and other format characters that change how the
# surrounding text reads, and line breaks, which would end a Markdown line or a YAML value.
INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff\r\n\t\x00-\x1f\x7f]")
MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]!|~#])")  # what starts emphasis, code, links, images, tables


def one_line(text: object, limit: int = 200) -> str:
    """str(text) on one line, without invisible format characters, at most `limit` characters."""
    flat = INVISIBLE.sub(" ", str(text)).strip()
    return flat if len(flat) <= limit else flat[:limit - 1] + "…"


def html_text(text: object, limit: int = 200) -> str:
    """one_line(text) escaped for HTML: shown as the characters it holds, never as markup."""
    return html.escape(one_line(text, limit), quote=True)


def markdown_text(text: object, limit: int = 200) -> str:
    """html_text(text) with Markdown's own characters escaped too: no link, image, emphasis or heading."""
    return html.escape(MARKDOWN_SPECIAL.sub(r"\\\1", one_line(text, limit)), quote=True)


def json_text(value: object) -> str:
    """json.dumps(value, indent=2) that shows no markup and no invisible character wherever it is pasted: non-ASCII,
    <, > and & as \\u escapes (the same JSON when parsed)."""
    dumped = json.dumps(value, indent=2, ensure_ascii=True)
    return dumped.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
