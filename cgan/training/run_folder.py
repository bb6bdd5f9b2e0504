"""The run folder's rules: one train.py at a time (a lock), never overwrite a run without --overwrite, continue one
with --resume, room on disk before step 0, and its log."""
from __future__ import annotations

import fcntl
import json
import os
import shutil
from pathlib import Path
from typing import Any, IO

from cgan import run_layout
from cgan.config import TrainConfig
from cgan.files import probe_writable, write_failure, write_text
from cgan.training import checkpoints
from cgan.training.distributed import Distributed


LOCK_NAME = ".lock"


class RunExistsError(RuntimeError):
    """OUT_DIR already holds a run and neither --resume nor --overwrite was given, or another train.py uses it."""


class DiskError(RuntimeError):
    """A folder the run writes to is not writable or too full; the message says which and what is kept."""


def lock_run_dir(out: Path) -> IO:
    """Hold OUT_DIR/.lock (fcntl, released when the process ends, however it ends); RunExistsError naming the
    holder's PID when another process holds it. Keep the returned file open for the run's lifetime."""
    out.mkdir(parents=True, exist_ok=True)
    lock = out / LOCK_NAME
    if lock.is_symlink() or (lock.exists() and not lock.is_file()):
        raise RunExistsError(f"{lock} is {'a link' if lock.is_symlink() else 'not a file'}; a run folder's lock is "
                             f"a plain file that train.py writes. Remove it, then start again")
    try:
        handle = open(lock, "a+")
    except OSError as e:
        raise RunExistsError(f"cannot open {lock} ({e.strerror or e}); choose another --out-dir") from None
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.seek(0)
        holder = handle.read().strip() or "unknown"
        handle.close()
        raise RunExistsError(f"{out} is in use by another train.py (PID {holder}); wait for it to finish, stop it, "
                             f"or choose another --out-dir") from None
    handle.seek(0)
    handle.truncate()
    handle.write(f"{os.getpid()}\n")
    handle.flush()
    return handle


def check_room(folder: Path, need_bytes: int, what: str) -> None:
    """Before step 0: folder can be created and written, and has need_bytes free (DiskError otherwise)."""
    try:
        probe_writable(folder)
    except OSError as e:
        raise DiskError(f"{what} {folder} is not writable ({e.strerror or e}); choose another folder") from None
    free = shutil.disk_usage(folder).free
    if free < need_bytes:
        raise DiskError(f"{what} {folder} has {free / 1e6:.1f} MB free; the run needs at least {need_bytes / 1e6:.1f} MB "
                        f"there (one checkpoint or export)")


def disk_error(error: OSError | RuntimeError, what: str, kept: str) -> DiskError:
    """A failed write as one message: the cause ("disk full" for ENOSPC) and what is still there."""
    return DiskError(f"{write_failure(error)}: could not write {what}; {kept}")


def prepare_run_dir(config: TrainConfig, info: Distributed) -> bool:
    """Check OUT_DIR before any work; returns True when resuming. Never deletes without --overwrite."""
    out = Path(config.out_dir)
    has_run = out.is_dir() and any(p.name != LOCK_NAME for p in out.iterdir())
    if config.resume:
        if not checkpoints.list_checkpoints(out):
            if not (out / run_layout.RUN_CONFIG).is_file():
                raise RunExistsError(f"--resume: no run in {out}; start a new run without --resume")
            # Killed before its first checkpoint: nothing to continue, so start it again from step 0.
            if info.is_main:
                print(f"--resume: {out} has no checkpoint yet (stopped before step {config.checkpoint_every}); "
                      f"starting it again from step 0 with its saved flags", flush=True)
                (out / run_layout.LOG).unlink(missing_ok=True)
            info.barrier()
            return False
        return True
    if has_run:
        if not config.overwrite:
            raise RunExistsError(f"{out} already holds a run. Continue it with --resume, delete it with "
                                 f"--overwrite, or choose another --out-dir.")
        if info.is_main:
            for path in out.iterdir():
                if path.name != LOCK_NAME:
                    shutil.rmtree(path) if path.is_dir() and not path.is_symlink() else path.unlink()
    info.barrier()
    return False


def truncate_log(path: Path, step: int) -> None:
    """Drop log lines past `step` (written after the checkpoint a resumed run restarts from), and lines that are
    not whole records (a kill in the middle of a write), saying how many."""
    if not path.is_file():
        return
    kept, torn = [], 0
    for line in path.read_text(errors="replace").splitlines():
        try:
            record = json.loads(line)
            past = record["step"] > step
        except (ValueError, TypeError, KeyError):
            torn += bool(line.strip())
            continue
        if not past:
            kept.append(line)
    if torn:
        print(f"--resume: dropped {torn} unreadable line(s) from {path} (a write cut short)", flush=True)
    write_text(path, "".join(line + "\n" for line in kept))


def append_json_line(path: Path, record: dict[str, Any]) -> None:
    """One JSON object per line (log.jsonl)."""
    with open(path, "a") as f:
        f.write(json.dumps(record) + "\n")
