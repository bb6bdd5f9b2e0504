"""A latent vector as a short text code, for page URLs, API calls and the controls that take a projected image's
latent: "z1." then the URL-safe base64 of its float16 values (64 values: 175 characters)."""
from __future__ import annotations

import base64
import binascii

import numpy as np
import torch

from cgan import values

PREFIX = "z1."
LIMIT = 8.0  # largest magnitude of a latent value (latents are standard normal; projection keeps them within 4)


def encode(z: torch.Tensor) -> str:
    """(z_dim,) floats -> code."""
    data = np.asarray(z.detach().cpu(), dtype="<f2").tobytes()
    return PREFIX + base64.urlsafe_b64encode(data).decode().rstrip("=")


def decode(code, z_dim: int) -> torch.Tensor:
    """code -> (z_dim,) float32; ValueError that says what a code is for anything else."""
    what = f"a latent code (\"{PREFIX}\" and {z_dim} values, as the Project tab gives)"
    if not isinstance(code, str) or not code.startswith(PREFIX) or len(code) > 4 * z_dim:
        raise ValueError(f"latent must be {what}, got {values.shown(code)}")
    body = code[len(PREFIX):]
    try:
        data = base64.b64decode(body + "=" * (-len(body) % 4), altchars=b"-_", validate=True)
    except (binascii.Error, ValueError):
        raise ValueError(f"latent must be {what}; this one is not valid base64") from None
    if len(data) != 2 * z_dim:
        raise ValueError(f"latent must be {what}; this one holds {len(data)} bytes, not {2 * z_dim}")
    z = np.frombuffer(data, dtype="<f2").astype(np.float32)
    if not (np.isfinite(z).all() and np.abs(z).max() <= LIMIT):
        raise ValueError(f"latent values must be finite and within ±{LIMIT:g}")
    return torch.from_numpy(z.copy())
