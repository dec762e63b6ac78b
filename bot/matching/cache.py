"""Dictionaries read once and kept between processes (CC-CEDICT, jieba's word list).

Reading a shipped dictionary takes a second or more; its compact form (marisa tries, arrays) is pickled
under XDG_CACHE_HOME (else ~/.cache)/cardbot, named after the source file's size and time and the
format of the reading, so an upgraded package or a changed reading is read afresh.
"""

from __future__ import annotations

import os
import pickle
import tempfile
from collections.abc import Callable
from importlib.util import find_spec
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")


def package_file(package: str, *parts: str) -> Path:
    """A data file shipped in a package, found without importing the package (jieba's import alone
    loads its HMM model, ~10 MiB)."""
    spec = find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(f"package {package} is not installed")
    return Path(next(iter(spec.submodule_search_locations)), *parts)


def cache_file(kind: str, version: int, source: Path) -> Path:
    stat = source.stat()
    home = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(home) / "cardbot" / f"{kind}-{version}-{stat.st_size}-{stat.st_mtime_ns}.pickle"


def cached(kind: str, version: int, source: Path, read: Callable[[], T]) -> T:
    """The cache file when there is a good one (a few hundredths of a second), else `read()`, then
    cached for the next process."""
    cache = cache_file(kind, version, source)
    try:
        with cache.open("rb") as stored:
            return pickle.load(stored)  # our own file, written below
    except (OSError, pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError, ImportError):
        pass  # none yet, or broken, or of a class since renamed: read afresh
    made = read()
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=cache.parent, delete=False) as partial:
            pickle.dump(made, partial, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(partial.name, cache)  # whole or not at all: processes may start together
    except OSError:
        pass  # a read-only home: every process reads the dictionary itself
    return made
