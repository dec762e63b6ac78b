"""Memory the start-up no longer needs, given back before the bot settles down to serve."""

from __future__ import annotations

import ctypes
import ctypes.util
import gc


def release_startup_memory() -> None:
    """Reading the knowledge and the dictionaries leaves freed blocks inside the C heap, which glibc keeps
    (its threshold for giving memory back rises after large frees): collect, then trim the heap (~5 MiB
    of resident memory, measured by benchmarks/idle_memory.py). Elsewhere (musl, macOS) a no-op."""
    gc.collect()
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c"))
        libc.malloc_trim(0)
    except (OSError, AttributeError, TypeError):
        pass  # no glibc: nothing to trim this way
