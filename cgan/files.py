"""Writing files so that a kill never leaves half of one, and where the user's cache lives."""
from __future__ import annotations

import errno
import json
import os
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator


@contextmanager
def atomic_path(path: str | os.PathLike, *, durable: bool = False) -> Iterator[Path]:
    """A temporary path beside `path` to write to; it replaces `path` when the block ends without an error
    and is removed when it fails. The temporary name keeps the suffix (np.savez adds .npz otherwise) and
    starts with a dot, so folder listings that look for finished files never see it."""
    path = Path(path)
    tmp = path.with_name(f".{path.stem}.{os.getpid()}-{threading.get_ident()}.tmp{path.suffix}")
    try:
        yield tmp
        if durable:  # on disk before the rename, so a power cut cannot leave an empty file under the name
            with open(tmp, "rb+") as f:
                os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def write_bytes(path: str | os.PathLike, data: bytes) -> Path:
    """Write `data` to `path` atomically."""
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)
    return Path(path)


def write_text(path: str | os.PathLike, text: str) -> Path:
    """Write `text` to `path` atomically."""
    return write_bytes(path, text.encode())


def write_json(path: str | os.PathLike, data: Any) -> Path:
    """Write JSON readably and atomically (keys keep their order: field order documents a config)."""
    return write_text(path, json.dumps(data, indent=2) + "\n")


def write_failure(error: OSError | RuntimeError) -> str:
    """Why a write failed, in a few words: "disk full" for ENOSPC (torch reports it as a RuntimeError about an
    unexpected position), else the system's own words."""
    text = str(error)
    if getattr(error, "errno", None) == errno.ENOSPC or "unexpected pos" in text or "No space" in text:
        return "disk full"
    return getattr(error, "strerror", None) or (text.splitlines()[0] if text else type(error).__name__)


def cache_dir() -> Path:
    """$CGAN_CACHE, else $XDG_CACHE_HOME/cgan, else ~/.cache/cgan."""
    if os.environ.get("CGAN_CACHE"):
        return Path(os.environ["CGAN_CACHE"])
    return Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "cgan"


def probe_writable(folder: Path) -> None:
    """Create `folder` if need be and write and remove a small file in it; OSError when that fails."""
    folder.mkdir(parents=True, exist_ok=True)
    probe = folder / f".write-test-{os.getpid()}"
    probe.write_bytes(b"0")
    probe.unlink()
