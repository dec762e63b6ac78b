"""Pinyin on the knowledge side, and reading pinyin typed by users back into syllables.

Pinyin is looked up per character and cached: a knowledge base of 10,000 entries uses a few thousand
distinct characters, so building its index costs a few thousand look-ups, not one per run of text.
A character with several readings (行: xing, hang) keeps them all, so typed pinyin matches either.
"""

from __future__ import annotations

from functools import lru_cache
from itertools import product

from pypinyin import Style, pinyin

MAX_READINGS = 3  # 3 x 3 sound pairs at most per character pair


@lru_cache(maxsize=None)
def char_readings(char: str) -> tuple[str, ...]:
    """Toneless readings of one character, the most common first (ü written v); ("?",) if it has none."""
    readings = pinyin(char, style=Style.NORMAL, heteronym=True, errors=lambda chars: [["?"]])[0]
    unique = tuple(dict.fromkeys(r for r in readings if r))[:MAX_READINGS]
    return unique or ("?",)


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
