"""Dictionaries read once and kept between processes (jieba's words, CC-CEDICT, pinyin, zh-cn).

Reading a shipped dictionary takes a second or more. What it is read into (marisa tries, arrays of
numbers, a few small values) is kept in a folder under XDG_CACHE_HOME (else ~/.cache)/cardbot, named
after the source file's size and time and the format of the reading, so an upgraded package or a changed
reading is read afresh. Tries and arrays are files of their own that later processes map into memory
(mmap): their pages are read from the file as lookups touch them, shared by every process on the host,
and never copied into a process's own memory.
"""

from __future__ import annotations

import mmap
import os
import pickle
import shutil
import tempfile
from array import array
from collections.abc import Callable
from importlib.util import find_spec
from pathlib import Path
from typing import Any, TypeVar

import marisa_trie

T = TypeVar("T")
INDEX = "index.pickle"  # the object read, with its tries and arrays named by file
_TRIES = {cls.__name__: cls for cls in (marisa_trie.Trie, marisa_trie.BytesTrie)}


def package_file(package: str, *parts: str) -> Path:
    """A data file shipped in a package, found without importing the package (jieba's import alone
    loads its HMM model, ~10 MiB)."""
    spec = find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(f"package {package} is not installed")
    return Path(next(iter(spec.submodule_search_locations)), *parts)


def cache_folder(kind: str, version: int, source: Path) -> Path:
    stat = source.stat()
    home = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(home) / "cardbot" / f"{kind}-{version}-{stat.st_size}-{stat.st_mtime_ns}"


class _Writer(pickle.Pickler):
    """Pickles the object, writing each trie and array to a file of its own beside the index."""

    def __init__(self, folder: Path, file: Any) -> None:
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        self._folder = folder
        self._parts = 0

    def persistent_id(self, obj: object) -> tuple[str, str, str] | None:
        if isinstance(obj, tuple(_TRIES.values())):
            name = f"{self._parts}.marisa"
            obj.save(str(self._folder / name))  # type: ignore[attr-defined]
            kind = ("trie", type(obj).__name__)
        elif isinstance(obj, array):
            name = f"{self._parts}.array"
            (self._folder / name).write_bytes(obj.tobytes())
            kind = ("array", obj.typecode)
        else:
            return None
        self._parts += 1
        return (*kind, name)


class _Reader(pickle.Unpickler):
    """Reads the index, mapping each trie and array file into memory."""

    def __init__(self, folder: Path, file: Any) -> None:
        super().__init__(file)
        self._folder = folder

    def persistent_load(self, pid: Any) -> object:
        kind, detail, name = pid
        path = self._folder / name
        if kind == "trie":
            trie = _TRIES[detail]()
            trie.mmap(str(path))
            return trie
        with path.open("rb") as file:  # the mapping stays valid once the file is closed
            mapped = mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ) if path.stat().st_size else b""
        return memoryview(mapped).cast(detail)  # indexed like the array it was


def _load(folder: Path) -> Any:
    with (folder / INDEX).open("rb") as index:
        return _Reader(folder, index).load()


def cached(kind: str, version: int, source: Path, read: Callable[[], T]) -> T:
    """The cached folder when there is a good one (a few hundredths of a second), else `read()`, then
    cached for the next process. A folder is written whole under another name, then renamed: processes
    starting together find it whole or not at all, and a folder in use is never written to."""
    folder = cache_folder(kind, version, source)
    try:
        return _load(folder)
    except (OSError, pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError, ImportError):
        pass  # none yet, or broken, or of a class since renamed: read afresh
    made = read()
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        partial = Path(tempfile.mkdtemp(dir=folder.parent, prefix=f".{kind}-"))
    except OSError:
        return made  # a read-only home: every process reads the dictionary itself
    try:
        with (partial / INDEX).open("wb") as index:
            _Writer(partial, index).dump(made)
        shutil.rmtree(folder, ignore_errors=True)  # a broken one (mapped files stay valid where in use)
        os.rename(partial, folder)
    except OSError:
        shutil.rmtree(partial, ignore_errors=True)
        return made  # another process was first: this one keeps what it read
    return _load(folder)  # mapped, as every later process will have it
