"""The one loading function: a local export folder, or a Hub repo id downloaded first."""
from __future__ import annotations

import os
from pathlib import Path

import torch
from torch import nn

from cgan.export.folder import WeightsError, load_export
from cgan.export.hub import download_export


def load_generator(weights: str | os.PathLike, *, revision: str | None = None,
                   device: str | torch.device = "cpu") -> nn.Module:
    """A local export folder, or a Hub repo id "USER/REPO" (optionally at a revision), in eval mode on `device`."""
    path = Path(weights)
    if path.exists():
        return load_export(path, device=device)
    text = str(weights)
    if text.count("/") == 1 and not text.startswith((".", "/")) and not text.endswith("/"):
        folder = download_export(text, revision=revision)
        return load_export(folder, device=device, source=f"{text}" + (f"@{revision}" if revision else ""))
    raise WeightsError(f"{text}: no such folder (and not a USER/REPO Hub id)")
