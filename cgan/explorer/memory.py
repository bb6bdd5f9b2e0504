"""Keeping a long-running server's resident memory near its resting level (glibc's allocator; no-ops elsewhere).

Request threads each get a malloc arena by default (up to 8 per core), and memory freed inside an arena is not
handed back to the system, so a burst of concurrent requests leaves the process hundreds of MB larger for good.
The app caps the arenas at start and the pruning thread trims them (bench/soak.py measures both).
"""
from __future__ import annotations

import ctypes
import ctypes.util
import functools

M_ARENA_MAX = -8  # mallopt's parameter number, from glibc's malloc.h
ARENAS = 2


@functools.cache
def _libc():
    try:
        return ctypes.CDLL(ctypes.util.find_library("c"))
    except (OSError, TypeError):
        return None


def limit_arenas(count: int = ARENAS) -> None:
    """At most `count` malloc arenas (call before the server starts its threads). glibc's mmap threshold is left to
    adapt: fixing it (128 KB, then 1 MB) made every /generate map and unmap its buffers afresh, ≈ 1 ms a call on a
    2-core AMD EPYC, and the pruning thread's periodic trim hands freed heap back anyway (docs/benchmarks.md)."""
    libc = _libc()
    if libc is not None and hasattr(libc, "mallopt"):
        libc.mallopt(M_ARENA_MAX, count)


def release_memory() -> None:
    """Return freed heap memory to the system."""
    libc = _libc()
    if libc is not None and hasattr(libc, "malloc_trim"):
        libc.malloc_trim(0)
