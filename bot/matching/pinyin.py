"""Pinyin on the knowledge side, and reading pinyin typed by users back into syllables.

Pinyin is looked up per character and cached: a knowledge base of 10,000 entries uses a few thousand
distinct characters, so building its index costs a few thousand look-ups, not one per run of text.
A character with several readings (行: xing, hang) keeps them all, so typed pinyin matches either.

The readings of every character pypinyin knows are asked of pypinyin once and kept as a marisa trie
(cached and mapped, `bot.matching.cache`): ~0.5 MiB, where pypinyin stays ~11 MiB resident once imported.
"""

from __future__ import annotations

from functools import lru_cache
from itertools import product

import marisa_trie

from bot.matching.cache import cached, package_file

MAX_READINGS = 3  # 3 x 3 sound pairs at most per character pair
# Bumped whenever the reading of pypinyin changes, so that an older cache is not used.
READINGS_FORMAT = 2
NO_READING = ("?",)


def _ask_pypinyin() -> marisa_trie.BytesTrie:
    """Toneless readings of every character pypinyin has, the most common first (ü written v)."""
    from pypinyin import Style, pinyin
    from pypinyin.constants import PINYIN_DICT

    def readings(char: str) -> tuple[str, ...]:
        found = pinyin(char, style=Style.NORMAL, heteronym=True, errors=lambda chars: [["?"]])[0]
        return tuple(dict.fromkeys(r for r in found if r and r != "?"))[:MAX_READINGS]

    table = ((chr(point), readings(chr(point))) for point in PINYIN_DICT)
    return marisa_trie.BytesTrie((char, " ".join(found).encode()) for char, found in table if found)


@lru_cache(maxsize=1)
def _readings() -> marisa_trie.BytesTrie:
    return cached("pinyin", READINGS_FORMAT, package_file("pypinyin", "pinyin_dict.json"), _ask_pypinyin)


@lru_cache(maxsize=None)
def char_readings(char: str) -> tuple[str, ...]:
    """Toneless readings of one character, the most common first (ü written v); ("?",) if it has none."""
    found = _readings().get(char)
    return tuple(found[0].decode().split(" ")) if found else NO_READING


def run_syllables(run: str) -> tuple[str, ...]:
    """One syllable per character of a run of Chinese characters: each one's most common reading."""
    return tuple(char_readings(char)[0] for char in run)


def pair_sounds(a: str, b: str) -> tuple[str, ...]:
    """Every reading of a character pair, as joined syllables (银行: yinxing, yinhang)."""
    return tuple(x + y for x, y in product(char_readings(a), char_readings(b)))


def split_syllables(word: str, syllables: frozenset[str], longest: int = 6) -> list[str] | None:
    """Split a Latin word into known pinyin syllables, fewest pieces first; None if it is not pinyin.

    Dynamic programming over prefixes: best[i] is the fewest syllables that spell word[:i].
    """
    n = len(word)
    best: list[list[str] | None] = [None] * (n + 1)
    best[0] = []
    for end in range(1, n + 1):
        for start in range(max(0, end - longest), end):
            head = best[start]
            piece = word[start:end]
            if head is not None and piece in syllables:
                candidate = [*head, piece]
                current = best[end]
                if current is None or len(candidate) < len(current):
                    best[end] = candidate
    return best[n]
