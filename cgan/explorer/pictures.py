"""Pictures the app serves: labelled image grids, animated GIFs and images inlined as data: URIs."""
from __future__ import annotations

import base64
import io
from typing import Sequence

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from cgan.sampling import grid_image


def labelled_rows(pixels: np.ndarray, labels: Sequence[str], *, columns: int, scale: int = 2,
                  label_width: int = 0, font_size: int = 13) -> Image.Image:
    """A grid of uint8 images with one text label left of each row (for class grids and direction strips)."""
    grid = grid_image(pixels, columns=columns, scale=scale, padding=1)
    font = ImageFont.load_default(size=font_size)
    width = label_width or 8 + max(int(font.getlength(text)) for text in labels)
    canvas = Image.new(grid.mode, (grid.width + width, grid.height), "white")
    canvas.paste(grid, (width, 0))
    draw = ImageDraw.Draw(canvas)
    row_height = grid.height / len(labels)
    for row, text in enumerate(labels):
        draw.text((width - 6, (row + 0.5) * row_height), text, fill="black", font=font, anchor="rm")
    return canvas


def gif_bytes(frames: np.ndarray, *, scale: int = 8, duration_ms: int = 80, ping_pong: bool = False) -> bytes:
    """An animated, looping GIF of uint8 frames (T, H, W[, 3]); ping-pong plays forward then back."""
    if ping_pong and len(frames) > 2:
        frames = np.concatenate([frames, frames[-2:0:-1]])
    images = [Image.fromarray(f).resize((f.shape[1] * scale, f.shape[0] * scale), Image.Resampling.NEAREST)
              for f in frames]
    images = [im.convert("P", palette=Image.Palette.ADAPTIVE) if im.mode == "RGB" else im for im in images]
    buffer = io.BytesIO()
    images[0].save(buffer, format="GIF", save_all=True, append_images=images[1:], duration=duration_ms, loop=0,
                   optimize=False, disposal=1)
    return buffer.getvalue()


def png_data_uri(image: Image.Image) -> str:
    """A PIL image inlined as a data: URI (no temp file, no second request)."""
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def gif_frame_count(data: bytes) -> int:
    """How many frames a GIF holds."""
    with Image.open(io.BytesIO(data)) as im:
        return getattr(im, "n_frames", 1)
