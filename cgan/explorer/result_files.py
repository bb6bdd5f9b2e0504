"""Result files of a long-running app (images and GIFs it serves): per-process folders, bounded by age and size.

Gradio's own `delete_cache` runs in a task that stops for good at the first error (it iterates a set that
request threads add to) and misses files it does not track, so the app prunes its folders itself, by
modification time, from one daemon thread: files older than the age limit go, then the least recently used
ones (a reused file is touched) until the total is under the size cap. The same thread hands memory that
a burst of requests left free back to the system (glibc's malloc_trim). The folders are removed at exit.
"""
from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import threading
import time
from pathlib import Path
from typing import Callable, Iterable

from cgan.explorer.memory import release_memory

PERIOD = 0.5  # seconds between pruning passes (one pass over a few thousand files takes milliseconds)
TRIM_EVERY = 20  # pruning passes between heap trims
MAX_FILES = 2_000  # result and upload files kept at most, however small


def private_folder(prefix: str) -> Path:
    """A new temp folder for this process, removed at exit."""
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return folder


def prune(folder: Path, max_age_s: float, kept: list | None = None, in_use: frozenset = frozenset()) -> list[Path]:
    """Delete files under `folder` not modified for max_age_s (but those `in_use`: resolved paths), then the
    sub-folders they leave empty; the files that stay and are not in use are appended to `kept` as (mtime, size,
    path). One walk, files before their folders."""
    cutoff, removed, emptied = time.time() - max_age_s, [], set()
    for root, _, files in os.walk(folder, topdown=False):
        for name in files:
            path = os.path.join(root, name)
            if in_use and str(Path(path).resolve()) in in_use:
                continue
            try:
                stat = os.stat(path)
                if stat.st_mtime < cutoff:
                    os.unlink(path)
                    removed.append(Path(path))
                    emptied.add(root)
                elif kept is not None:
                    kept.append((stat.st_mtime, stat.st_size, Path(path)))
            except OSError:  # gone already (a concurrent prune), or not ours to delete
                continue
        try:  # emptied by this pass, or old: never a folder a request has just made for its file
            if root != str(folder) and (root in emptied or os.stat(root).st_mtime < cutoff) and not os.listdir(root):
                os.rmdir(root)
                emptied.add(os.path.dirname(root))
        except OSError:
            continue
    return removed


def cap_total(files: list, max_bytes: int, *, max_files: int = MAX_FILES, high_water: float = 0.8,
              low_water: float = 0.5) -> list[Path]:
    """files: (mtime, size, path). Keep them under max_bytes and max_files (many tiny files cost inodes and
    directory scans, not bytes): above high_water of either, delete the least recently modified until low_water of
    both is left (room for what a burst writes before the next pass)."""
    total, count, removed = sum(size for _, size, _ in files), len(files), []
    if total <= high_water * max_bytes and count <= high_water * max_files:
        return removed
    for _, size, path in sorted(files, key=lambda f: f[0]):
        if total <= low_water * max_bytes and count <= low_water * max_files:
            break
        try:
            path.unlink()
        except OSError:
            continue
        total -= size
        count -= 1
        removed.append(path)
    return removed


class Pruner:
    """Prunes folders by age and total size every PERIOD seconds (or max_age_s / 3 when shorter) in a daemon thread,
    often enough that a burst of requests cannot outgrow the size cap between passes; trims the heap every
    TRIM_EVERY passes."""

    def __init__(self, folders: Iterable[Path], max_age_s: float, *, max_bytes: int | None = None, on_removed=None,
                 in_use: Callable[[], set[str]] | None = None):
        """in_use: the resolved paths of files a waiting request will read, spared by every pass."""
        self.folders, self.max_age_s, self.on_removed = [Path(f) for f in folders], max_age_s, on_removed
        self.in_use = in_use
        self.max_bytes = max_bytes
        self.period = min(PERIOD, max_age_s / 3)
        self.passes = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name="cgan-pruner")

    def start(self) -> "Pruner":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()

    def run_once(self) -> list[Path]:
        kept: list = []
        in_use = frozenset(self.in_use()) if self.in_use is not None else frozenset()
        removed = [path for folder in self.folders if folder.is_dir()
                   for path in prune(folder, self.max_age_s, kept, in_use)]
        if self.max_bytes is not None:
            removed += cap_total(kept, self.max_bytes)
        self.passes += 1
        if self.passes % TRIM_EVERY == 0:
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
