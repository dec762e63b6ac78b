"""Pinyin on the knowledge side, and reading pinyin typed by users back into syllables."""

from __future__ import annotations

from functools import lru_cache

from pypinyin import Style, lazy_pinyin


@lru_cache(maxsize=65536)
def run_syllables(run: str) -> tuple[str, ...]:
    """Toneless pinyin of a run of Chinese characters, one syllable per character (ü written v)."""
    return tuple(lazy_pinyin(run, style=Style.NORMAL, errors=lambda chars: ["?"] * len(chars)))


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
