"""Images that users upload or draw, read safely and made into what the generator would draw: the garment
cropped, centred and scaled so its longer side fills the frame, bright on a black background, as Fashion-MNIST
was made from product photos on white (Xiao et al., 2017)."""
from __future__ import annotations

import os
import warnings

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from cgan.data import eight_bit

MAX_BYTES = 10_000_000  # an upload's file size
MAX_PIXELS = 16_777_216  # width x height (4096 x 4096), read from the header before anything is decoded
DECODE_SIDE = 1024  # the longest side kept after decoding (a JPEG is decoded at a reduced scale to near it)
FORMATS = ("PNG", "JPEG", "WEBP")
INK_SHARE = 0.1  # a pixel belongs to the garment when it stands out by this share of the strongest contrast
TRANSPARENT_SHARE = 0.01  # an image with at least this share of transparent pixels has them as its background
MIN_CONTRAST = 16  # grey levels: less than this between garment and background is a blank image


def read_image(path: str | os.PathLike) -> Image.Image:
    """A PNG, JPEG or WebP file, decoded only after its byte and pixel counts are checked; upright (EXIF)."""
    try:
        size = os.path.getsize(path)
    except FileNotFoundError:  # pruned from the file cache while the request waited its turn
        raise ValueError("the uploaded image is no longer on the server (it waited longer than the file cache keeps "
                         "uploads under load); upload it again") from None
    if size > MAX_BYTES:
        raise ValueError(f"the image is {size / 1e6:.1f} MB; the limit is {MAX_BYTES / 1e6:g} MB")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(path, formats=FORMATS)
            if image.format == "JPEG":  # decoded at 1/2 to 1/8 scale: the cost follows the pixels kept
                image.draft(image.mode, (DECODE_SIDE, DECODE_SIDE))
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise ValueError(f"the image is {width}x{height} pixels; the limit is {MAX_PIXELS / 1e6:.1f} megapixels")
            image.load()
            image = eight_bit(image)
            image.thumbnail((DECODE_SIDE, DECODE_SIDE), Image.Resampling.BOX)  # all the model view needs
    except UnidentifiedImageError:
        raise ValueError(f"not an image this app reads: upload a {', '.join(FORMATS)} file") from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as e:
        raise ValueError(f"the image is too large to decode safely ({e})") from None
    except (OSError, SyntaxError) as e:  # truncated or damaged data
        raise ValueError(f"the image file is damaged: {e}") from None
    return ImageOps.exif_transpose(image)


def model_view(image: Image.Image, *, size: int, channels: int) -> np.ndarray:
    """uint8 (size, size) (or (size, size, 3) for colour models): the garment, background black, centred.

    Transparent pixels count as background. A light background (a photo on white, a sketch) is inverted so the
    garment is bright, as in Fashion-MNIST; colour models keep the colours and only crop and centre."""
    rgba = np.asarray(image.convert("RGBA"), dtype=np.float64)
    alpha = rgba[..., 3:] / 255.0
    background = rgba[..., :3] * alpha + 255.0 * (1.0 - alpha)  # over white
    gray = background @ np.array([0.299, 0.587, 0.114])
    frame = max(1, min(gray.shape) // 20)
    border = np.concatenate([gray[:frame].ravel(), gray[-frame:].ravel(), gray[:, :frame].ravel(),
                             gray[:, -frame:].ravel()])
    # Where an image has transparent parts (a cut-out photo, a sketch), they are its background: white, as it
    # lies over white, unless what is opaque is light itself (a white garment): then black. Otherwise the border
    # tells the background's level.
    transparent = (alpha[..., 0] < 0.5)
    level = float(np.median(border))
    if transparent.mean() >= TRANSPARENT_SHARE:
        opaque = gray[~transparent]
        level = 0.0 if opaque.size and float(np.median(opaque)) > 127 else 255.0
        if level == 0.0:
            background = rgba[..., :3] * alpha
            gray = background @ np.array([0.299, 0.587, 0.114])
    contrast = np.abs(gray - level)
    if contrast.max() < MIN_CONTRAST:
        raise ValueError("the image is blank: nothing stands out from its background")
    rows, cols = np.nonzero(contrast >= INK_SHARE * contrast.max())
    top, bottom, left, right = rows.min(), rows.max() + 1, cols.min(), cols.max() + 1
    if channels == 3:
        crop, fill = background[top:bottom, left:right], tuple(int(v) for v in np.median(
            np.concatenate([background[:frame].reshape(-1, 3), background[-frame:].reshape(-1, 3)]), axis=0))
    else:
        ink = (level - gray) if level > 127 else (gray - level)  # the garment bright, the background 0
        crop, fill = np.clip(ink, 0, None)[top:bottom, left:right] * (255.0 / contrast.max()), 0
    return _square(crop, size, fill)


def _square(crop: np.ndarray, size: int, fill) -> np.ndarray:
    """The crop scaled so its longer side is `size`, centred on a size x size canvas of `fill`."""
    height, width = crop.shape[:2]
    scale = size / max(height, width)
    new = (max(1, round(width * scale)), max(1, round(height * scale)))
    mode = "RGB" if crop.ndim == 3 else "L"
    resized = Image.fromarray(np.clip(crop, 0, 255).round().astype(np.uint8), mode).resize(new, Image.Resampling.LANCZOS)
    canvas = Image.new(mode, (size, size), fill)
    canvas.paste(resized, ((size - new[0]) // 2, (size - new[1]) // 2))
    pixels = np.asarray(canvas)
    if mode == "L" and pixels.max() > 0:  # resampling softens the peak; Fashion-MNIST images reach 255
        pixels = np.clip(pixels.astype(np.float64) * (255.0 / pixels.max()), 0, 255).round().astype(np.uint8)
    return pixels
