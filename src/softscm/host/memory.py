"""Allocator tuning for a process that moves megabytes through the module.

glibc serves allocations above its mmap threshold with fresh pages from the kernel and
gives freed heap tops back at once, so every 1 MiB lock or unlock buffer page-faults
anew. Raising both thresholds keeps such buffers in the heap for reuse. Elsewhere (no
glibc) this does nothing."""

from __future__ import annotations

import ctypes
import ctypes.util

#: glibc's ``mallopt`` parameters.
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
#: Buffers up to this size stay in the heap (glibc's largest dynamic threshold).
MMAP_THRESHOLD_BYTES = 32 << 20
#: Free heap this large is given back to the system.
TRIM_THRESHOLD_BYTES = 64 << 20

_done = False


def tune_allocator() -> None:
    """Raise glibc's mmap and trim thresholds once per process (best effort)."""
    global _done
    if _done:
        return
    _done = True
    name = ctypes.util.find_library("c")
    if not name:
        return
    try:
        libc = ctypes.CDLL(name)
        libc.mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES)
        libc.mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD_BYTES)
    except (OSError, AttributeError):
        pass
