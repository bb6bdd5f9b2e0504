"""Keeping a long-running server's resident memory near its resting level (glibc's allocator; no-ops elsewhere).

Request threads each get a malloc arena by default (up to 8 per core), and memory freed inside an arena is not
handed back to the system, so a burst of concurrent requests leaves the process hundreds of MB larger for good.
The app caps the arenas at start and the pruning thread trims them (bench/soak.py measures both).
"""
from __future__ import annotations

import ctypes
import ctypes.util
import functools

M_ARENA_MAX, M_MMAP_THRESHOLD = -8, -3  # mallopt parameter numbers, from glibc's malloc.h
ARENAS = 2
MMAP_THRESHOLD = 128 * 1024  # blocks this large get their own mapping, returned to the system when freed


@functools.cache
def _libc():
    try:
        return ctypes.CDLL(ctypes.util.find_library("c"))
    except (OSError, TypeError):
        return None


def limit_arenas(count: int = ARENAS) -> None:
    """At most `count` malloc arenas, and a fixed mmap threshold: glibc otherwise raises it up to 32 MB after
    large blocks are freed, after which image buffers fill the heap (call before the server starts its threads)."""
    libc = _libc()
    if libc is not None and hasattr(libc, "mallopt"):
        libc.mallopt(M_ARENA_MAX, count)
        libc.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)


def release_memory() -> None:
    """Return freed heap memory to the system."""
    libc = _libc()
    if libc is not None and hasattr(libc, "malloc_trim"):
        libc.malloc_trim(0)
