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
# Blocks this large get their own mapping, returned to the system when freed. Above one image's activations
# (≈ 200 KB per layer at 28x28), which the live path allocates and frees at every call: at 128 KB each call paid
# for fresh mappings, ≈ 1 ms per /generate on a 2-core AMD EPYC (docs/benchmarks.md).
MMAP_THRESHOLD = 1024 * 1024


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
