"""Postings of the search index, built with array operations.

The tokens are those of `tokens.document_tokens` (characters, character pairs, the pinyin of each
pair, numbers, English words), but computed for the whole knowledge at once: every text is laid end to
end as code points, pairs and sounds become integer codes, and one sort groups them by token. At 10,000
entries there are millions of token occurrences, which Python-level loops cannot build in seconds.
Only the distinct tokens are turned back into strings.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

import numpy as np

from bot.matching.normalize import fold
from bot.matching.pinyin import MAX_READINGS, char_readings
from bot.matching.tokens import DIGITS, ENGLISH, PINYIN, stem

# Token codes: the kind in the top bits, then two 21-bit fields (a code point or a syllable number).
_SHIFT = 21
_CHAR, _PAIR, _SOUND, _WORD = (np.int64(kind) << np.int64(2 * _SHIFT) for kind in range(4))
_CJK_RANGES = ((0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF))  # as normalize._CJK
_LATIN_OR_DIGITS = re.compile(r"[a-z]{2,}|[0-9]+")  # the non-Chinese runs of normalize.RUN_RE
_RANK_BITS = 3

Postings = dict[str, tuple[np.ndarray, np.ndarray]]


def fold_all(texts: Sequence[tuple[int, float, str]]) -> str:
    """Every text folded, each followed by a separator that keeps pairs and words from crossing texts."""
    return fold("\0".join(text for _, _, text in texts)) + "\0"


def build_postings(
    texts: Sequence[tuple[int, float, str]], joined: str, entries: int
) -> tuple[Postings, dict[str, float]]:
    """`texts` are (entry position, field weight, text), `joined` their `fold_all`. Per token: the
    entries holding it (sorted) with the weight of the strongest field holding it, and the token's
    inverse document frequency."""
    # Fields are ranked strongest first; a (token, entry) keeps the strongest field holding it.
    strengths = sorted({weight for _, weight, _ in texts}, reverse=True)
    if len(strengths) > 1 << _RANK_BITS:
        raise ValueError(f"at most {1 << _RANK_BITS} field weights")
    entry_bits = max(int(entries).bit_length(), 1)
    if 2 * _SHIFT + 2 + entry_bits + _RANK_BITS > 63:
        raise ValueError(f"too many entries for one index: {entries}")
    rows = [(position, strengths.index(weight)) for position, weight, _ in texts]
    lengths = np.array([len(part) + 1 for part in joined[:-1].split("\0")], dtype=np.int64)
    codes = [_cjk_codes(joined, lengths, rows)]
    words: dict[str, int] = {}  # numbers and English words: few, handled as strings
    matches = list(_LATIN_OR_DIGITS.finditer(joined))
    if matches:
        ids = np.array(
            [words.setdefault(_word_token(m.group()), len(words)) for m in matches], dtype=np.int64
        )
        texts_of = np.searchsorted(np.cumsum(lengths), [m.start() for m in matches], side="right")
        table = np.array(rows, dtype=np.int64)
        codes.append((_WORD | ids, table[texts_of, 0], table[texts_of, 1]))
    code = np.concatenate([c[0] for c in codes])
    position = np.concatenate([c[1] for c in codes])
    rank = np.concatenate([c[2] for c in codes])

    # One sort of keys packing token, entry and field rank; the first row of each (token, entry) wins.
    key = (((code << np.int64(entry_bits)) | position) << np.int64(_RANK_BITS)) | rank
    key.sort()
    pair_key = key >> np.int64(_RANK_BITS)
    key = key[np.r_[True, pair_key[1:] != pair_key[:-1]]]
    code = key >> np.int64(entry_bits + _RANK_BITS)
    position = (key >> np.int64(_RANK_BITS)) & np.int64((1 << entry_bits) - 1)
    weight = np.array(strengths)[key & np.int64((1 << _RANK_BITS) - 1)]

    starts = np.flatnonzero(np.r_[True, code[1:] != code[:-1]])
    ends = np.r_[starts[1:], len(code)]
    names = _names(code[starts], {number: token for token, number in words.items()})
    n = max(entries, 1)
    postings: Postings = {}
    idf: dict[str, float] = {}
    for name, start, end in zip(names, starts.tolist(), ends.tolist()):
        entry_ids, weights = position[start:end], weight[start:end]
        if name in postings:  # two sounds spelled alike (fa+nan, fan+an): one token, as in document_tokens
            entry_ids, weights = _merged(postings[name], (entry_ids, weights))
        postings[name] = (entry_ids, weights)
        idf[name] = math.log(1 + n / len(entry_ids))
    return postings, idf


def _merged(
    a: tuple[np.ndarray, np.ndarray], b: tuple[np.ndarray, np.ndarray]
) -> tuple[np.ndarray, np.ndarray]:
    entry_ids, weights = np.concatenate([a[0], b[0]]), np.concatenate([a[1], b[1]])
    order = np.lexsort((-weights, entry_ids))
    entry_ids, weights = entry_ids[order], weights[order]
    first = np.r_[True, entry_ids[1:] != entry_ids[:-1]]
    return entry_ids[first], weights[first]


def _word_token(run: str) -> str:
    return DIGITS + run if run.isdigit() else ENGLISH + stem(run)


_SYLLABLES: dict[str, int] = {}  # syllable -> number, shared by every build of this process
_SYLLABLE_NAMES: list[str] = []


def _syllable(name: str) -> int:
    if name not in _SYLLABLES:
        _SYLLABLES[name] = len(_SYLLABLE_NAMES)
        _SYLLABLE_NAMES.append(name)
    return _SYLLABLES[name]


def _cjk_codes(joined: str, lengths: np.ndarray, rows: list[tuple[int, int]]) -> tuple[np.ndarray, ...]:
    """Codes of the characters, pairs and pair sounds of the texts laid end to end (`lengths` each,
    separator included), with each one's (entry, field rank)."""
    points = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32).astype(np.int64)
    position = np.repeat(np.array([r[0] for r in rows], dtype=np.int64), lengths)
    weight = np.repeat(np.array([r[1] for r in rows], dtype=np.int64), lengths)
    cjk = np.zeros(len(points), dtype=bool)
    for low, high in _CJK_RANGES:
        cjk |= (points >= low) & (points <= high)

    pair = cjk[:-1] & cjk[1:]
    left, right = points[:-1][pair], points[1:][pair]
    pair_position, pair_weight = position[:-1][pair], weight[:-1][pair]

    # Each character's readings as syllable numbers (-1: none), in a table indexed by code point (all
    # our Chinese ranges are in the Basic Multilingual Plane), filled for the characters present.
    readings = np.full((0x10000, MAX_READINGS), -1, dtype=np.int64)
    present = np.zeros(0x10000, dtype=bool)
    present[points[cjk]] = True
    for point in np.flatnonzero(present).tolist():
        for column, reading in enumerate(char_readings(chr(point))):
            if reading != "?":
                readings[point, column] = _syllable(reading)
    first = readings[:, 0]
    left_first, right_first = first[left], first[right]
    first_sound = (left_first >= 0) & (right_first >= 0)
    codes = [
        _CHAR | points[cjk],
        _PAIR | (left << _SHIFT) | right,
        _SOUND | (left_first[first_sound] << _SHIFT) | right_first[first_sound],
    ]
    positions = [position[cjk], pair_position, pair_position[first_sound]]
    weights = [weight[cjk], pair_weight, pair_weight[first_sound]]
    # Other readings: only the few pairs with a character that has several (行: xing, hang).
    has_several = readings[:, 1] >= 0
    several = has_several[left] | has_several[right]
    lefts, rights = readings[left[several]], readings[right[several]]
    for i in range(MAX_READINGS):
        for j in range(MAX_READINGS):
            if i == j == 0:
                continue
            a, b = lefts[:, i], rights[:, j]
            sounded = (a >= 0) & (b >= 0)
            codes.append(_SOUND | (a[sounded] << _SHIFT) | b[sounded])
            positions.append(pair_position[several][sounded])
            weights.append(pair_weight[several][sounded])
    return np.concatenate(codes), np.concatenate(positions), np.concatenate(weights)


def _names(codes: np.ndarray, words: dict[int, str]) -> list[str]:
    """The string token of each code, as `tokens.document_tokens` writes it."""
    mask = np.int64((1 << _SHIFT) - 1)
    kinds = (codes >> np.int64(2 * _SHIFT)).tolist()
    highs = ((codes >> np.int64(_SHIFT)) & mask).tolist()
    lows = (codes & mask).tolist()
    names = []
    for kind, high, low in zip(kinds, highs, lows):
        if kind == 0:
            names.append(chr(low))
        elif kind == 1:
            names.append(chr(high) + chr(low))
        elif kind == 2:
            names.append(PINYIN + _SYLLABLE_NAMES[high] + _SYLLABLE_NAMES[low])
        else:
            names.append(words[low])
    return names
