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
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from cgan.export.names import EXPORT_FILES, METRICS_NAME, ONNX_NAME
from cgan.files import write_json

PENDING = ".pending"
COMMIT = "COMMIT"
STALE_WITHOUT_NEW = (ONNX_NAME, METRICS_NAME)  # describe the weights: removed when the new set has none
MAX_COMMIT_BYTES = 64 * 1024


@contextmanager
def replacing(folder: str | os.PathLike) -> Iterator[Path]:
    """Yield a staging folder to write the new set into; when the block ends it replaces the folder's files."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    pending = folder / PENDING
    if (pending / COMMIT).is_file():
        finish(folder)
    if pending.is_symlink():
        pending.unlink()
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


def read_plan(pending: Path) -> dict[str, list[str]] | None:
    """The COMMIT file's plan when it is one this project writes: plain file names of an export, to move in from
    .pending or to remove, never a path; None (with a warning) for anything else, which is then left alone."""
    commit = pending / COMMIT
    problem = None
    if pending.is_symlink() or commit.is_symlink() or not commit.is_file():
        problem = "it is a link or not a file"
    else:
        try:
            plan = json.loads(commit.read_bytes()[:MAX_COMMIT_BYTES])
        except (OSError, ValueError):
            plan = None
        if not (isinstance(plan, dict) and all(isinstance(plan.get(key), list) for key in ("files", "remove"))):
            problem = 'it is not an object with the lists "files" and "remove"'
        elif not all(isinstance(name, str) and name in EXPORT_FILES for name in plan["files"] + plan["remove"]):
            problem = "it names files that are not an export's"
    if problem:
        print(f"warning: ignored {commit}: {problem}", file=sys.stderr)
        return None
    return {"files": plan["files"], "remove": plan["remove"]}


def finish(folder: str | os.PathLike) -> None:
    """Complete a committed replacement (idempotent: a kill during it is finished by the next call). Only the set's
    own file names inside `folder` are ever moved or removed; a COMMIT that says otherwise is ignored."""
    folder = Path(folder)
    pending = folder / PENDING
    if not (pending / COMMIT).is_file():
        return
    plan = read_plan(pending)
    if plan is None:
        return
    for name in plan["files"]:
        source = pending / name
        if source.is_file() and not source.is_symlink():
            os.replace(source, folder / name)
    for name in plan["remove"]:
        if not (folder / name).is_dir():
            (folder / name).unlink(missing_ok=True)
    shutil.rmtree(pending)
