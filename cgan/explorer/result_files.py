"""Result files of a long-running app (images and GIFs it serves): per-process folders, bounded by age and size.

Gradio's own `delete_cache` runs in a task that stops for good at the first error (it iterates a set that
request threads add to) and misses files it does not track, so the app prunes its folders itself, by
modification time, from one daemon thread: files older than the age limit go, then the least recently used
ones (a reused file is touched) until the total is under the size cap. The same thread hands memory that
a burst of requests left free back to the system (glibc's malloc_trim). The folders are removed at exit.
"""
from __future__ import annotations

import atexit
import ctypes
import ctypes.util
import shutil
import tempfile
import threading
import time
from pathlib import Path
from typing import Iterable


def private_folder(prefix: str) -> Path:
    """A new temp folder for this process, removed at exit."""
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return folder


def prune(folder: Path, max_age_s: float) -> list[Path]:
    """Delete files under `folder` not modified for max_age_s, then the sub-folders they leave empty."""
    cutoff = time.time() - max_age_s
    removed, emptied_folders = [], set()
    for path in sorted(folder.rglob("*"), key=lambda p: len(p.parts), reverse=True):  # files before their folders
        try:
            if path.is_dir():
                # emptied by this pass, or old: never a folder a request has just made for its file
                if (path in emptied_folders or path.stat().st_mtime < cutoff) and not any(path.iterdir()):
                    path.rmdir()
            elif path.stat().st_mtime < cutoff:
                path.unlink()
                removed.append(path)
                emptied_folders.add(path.parent)
        except OSError:  # gone already (a concurrent prune), or not ours to delete
            continue
    return removed


def cap_total(folders: Iterable[Path], max_bytes: int) -> list[Path]:
    """Delete the least recently modified files under `folders` until they hold at most max_bytes together."""
    files = []
    for folder in folders:
        for path in folder.rglob("*"):
            try:
                if path.is_file():
                    stat = path.stat()
                    files.append((stat.st_mtime, stat.st_size, path))
            except OSError:
                continue
    total, removed = sum(size for _, size, _ in files), []
    for _, size, path in sorted(files, key=lambda f: f[0]):
        if total <= max_bytes:
            break
        try:
            path.unlink()
        except OSError:
            continue
        total -= size
        removed.append(path)
    return removed


def release_memory() -> None:
    """Return freed heap memory to the system (glibc); a no-op elsewhere."""
    name = ctypes.util.find_library("c")
    try:
        ctypes.CDLL(name).malloc_trim(0)
    except (OSError, AttributeError, TypeError):
        pass


class Pruner:
    """Prunes folders by age and total size every max_age_s / 3 seconds (1 to 10 s apart) in a daemon thread."""

    def __init__(self, folders: Iterable[Path], max_age_s: float, *, max_bytes: int | None = None, on_removed=None):
        self.folders, self.max_age_s, self.on_removed = [Path(f) for f in folders], max_age_s, on_removed
        self.max_bytes = max_bytes
        self.period = min(10.0, max(1.0, max_age_s / 3))
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name="cgan-pruner")

    def start(self) -> "Pruner":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()

    def run_once(self) -> list[Path]:
        existing = [folder for folder in self.folders if folder.is_dir()]
        removed = [path for folder in existing for path in prune(folder, self.max_age_s)]
        if self.max_bytes is not None:
            removed += cap_total(existing, self.max_bytes)
        release_memory()
        if removed and self.on_removed is not None:
            self.on_removed(removed)
        return removed

    def _run(self) -> None:
        while not self._stop.wait(self.period):
            try:
                self.run_once()
            except Exception as e:  # never let one bad pass end pruning for good
                print(f"pruning result files failed once: {type(e).__name__}: {e}", flush=True)
