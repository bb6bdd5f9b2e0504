"""Replacing an export's files as one set, so that a kill at any moment leaves the old complete set or the new one.

The new files are written into FOLDER/.pending/; a COMMIT file listing them is the moment the new set exists;
then they are moved over the old ones and the files of the old set that the new one lacks (a model.onnx, a
metrics.json of other weights) are removed. Whoever finds a committed .pending (a later export, or a loader)
finishes the moves; an uncommitted one is the debris of an export that died and is removed by the next export.
"""
from __future__ import annotations

import json
import os
import shutil
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from cgan.export.names import METRICS_NAME, ONNX_NAME
from cgan.files import write_json

PENDING = ".pending"
COMMIT = "COMMIT"
STALE_WITHOUT_NEW = (ONNX_NAME, METRICS_NAME)  # describe the weights: removed when the new set has none


@contextmanager
def replacing(folder: str | os.PathLike) -> Iterator[Path]:
    """Yield a staging folder to write the new set into; when the block ends it replaces the folder's files."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    pending = folder / PENDING
    if (pending / COMMIT).is_file():
        finish(folder)
    shutil.rmtree(pending, ignore_errors=True)  # an export that died before its commit
    pending.mkdir()
    try:
        yield pending
        names = sorted(p.name for p in pending.iterdir())
        for name in names:  # on disk before the commit, so a power cut cannot commit empty files
            with open(pending / name, "rb+") as f:
                os.fsync(f.fileno())
        write_json(pending / COMMIT, {"files": names, "remove": [n for n in STALE_WITHOUT_NEW if n not in names]})
    except BaseException:
        shutil.rmtree(pending, ignore_errors=True)
        raise
    finish(folder)


def finish(folder: str | os.PathLike) -> None:
    """Complete a committed replacement (idempotent: a kill during it is finished by the next call)."""
    folder = Path(folder)
    pending = folder / PENDING
    if not (pending / COMMIT).is_file():
        return
    plan = json.loads((pending / COMMIT).read_text())
    for name in plan["files"]:
        if (pending / name).exists():
            os.replace(pending / name, folder / name)
    for name in plan["remove"]:
        (folder / name).unlink(missing_ok=True)
    shutil.rmtree(pending)
