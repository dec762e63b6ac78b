"""Postings of the search index, built with array operations.

The tokens are those of `tokens.document_tokens` (characters, character pairs, the pinyin of each
pair, numbers, English words), but computed for the whole knowledge at once: every text is laid end to
end as code points, pairs and sounds become integer codes, and one sort groups them by token. At 10,000
entries there are millions of token occurrences, which Python-level loops cannot build in seconds.
Only the distinct tokens are turned back into strings. The sound of a pair (`p:ruxue`) is not laid out
per occurrence: it stands for the pairs that may be read so, and its postings are their union, made the
first time a question asks for that sound (most sounds are never asked for).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Sequence

import numpy as np

from bot.matching.normalize import fold
from bot.matching.pinyin import MAX_READINGS, char_readings
from bot.matching.tokens import DIGITS, ENGLISH, PINYIN, stem

# Token codes: the kind in the top bits, then two 21-bit fields (a code point or a syllable number).
_SHIFT = 21
_PAIR, _WORD = (np.int64(kind) << np.int64(2 * _SHIFT) for kind in (1, 2))
_CJK_RANGES = ((0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF))  # as normalize._CJK
_LATIN_OR_DIGITS = re.compile(r"[a-z]{2,}|[0-9]+")  # the non-Chinese runs of normalize.RUN_RE
_RANK_BITS = 3

Posting = tuple[np.ndarray, np.ndarray]  # entry ids (sorted), the strongest field weight in each


class Postings:
    """Token -> its posting and inverse document frequency. Characters, pairs, numbers and English
    words are built at once; sounds on first use, from the pairs read so.

    The built postings are one array of entry ids and one of weights, token after token (`bounds[row]`
    to `bounds[row + 1]` for the token of that row): a posting is a view made when asked for, where a
    pair of arrays per token (~7,000 tokens on the shipped base) held ~3 MiB of array headers."""

    def __init__(
        self,
        tokens: list[str],
        postings: Posting,
        bounds: list[int],
        sounds: dict[str, list[str]],
        entries: int,
    ) -> None:
        self._rows = {token: row for row, token in enumerate(tokens)}
        self._ids, self._weights = postings
        self._bounds = bounds
        self._sounds = sounds  # sound token -> the pair tokens that may be read so
        self._made: dict[str, Posting] = {}  # sound token -> its union, made when first asked for
        self._entries = max(entries, 1)

    def _inverse(self, holders: int) -> float:
        return math.log(1 + self._entries / holders)

    def __contains__(self, token: str) -> bool:
        return token in self._rows or token in self._sounds

    def __iter__(self) -> Iterator[str]:
        yield from self._rows
        yield from (sound for sound in self._sounds if sound not in self._rows)

    def _built(self, row: int) -> Posting:
        start, end = self._bounds[row], self._bounds[row + 1]
        return self._ids[start:end], self._weights[start:end]

    def get(self, token: str) -> Posting | None:
        row = self._rows.get(token)
        if row is not None:
            return self._built(row)
        posting = self._made.get(token)
        if posting is None and token in self._sounds:
            # A question answered meanwhile in another thread (the regression gate) makes the same
            # union, at worst twice.
            pairs = [self._built(self._rows[pair]) for pair in self._sounds[token]]
            posting = pairs[0]
            for other in pairs[1:]:
                posting = _merged(posting, other)
            self._made[token] = posting
        return posting

    def idf(self, token: str) -> float | None:
        row = self._rows.get(token)
        if row is not None:
            return self._inverse(self._bounds[row + 1] - self._bounds[row])
        posting = self.get(token)
        return self._inverse(len(posting[0])) if posting is not None else None

    def items(self) -> Iterator[tuple[str, Posting]]:
        for token in list(self):
            posting = self.get(token)
            if posting is not None:
                yield token, posting


def fold_all(texts: Sequence[tuple[int, float, str]]) -> str:
    """Every text folded, each followed by a separator that keeps pairs and words from crossing texts."""
    return fold("\0".join(text for _, _, text in texts)) + "\0"


def build_postings(texts: Sequence[tuple[int, float, str]], joined: str, entries: int) -> Postings:
    """`texts` are (entry position, field weight, text), `joined` their `fold_all`."""
    # Fields are ranked strongest first; a (token, entry) keeps the strongest field holding it.
    strengths = sorted({weight for _, weight, _ in texts}, reverse=True)
    if len(strengths) > 1 << _RANK_BITS:
        raise ValueError(f"at most {1 << _RANK_BITS} field weights")
    entry_bits = max(int(entries).bit_length(), 1)
    if 2 * _SHIFT + 2 + entry_bits + _RANK_BITS > 63:
        raise ValueError(f"too many entries for one index: {entries}")
    rows = [(position, strengths.index(weight)) for position, weight, _ in texts]
    lengths = np.array([len(part) + 1 for part in joined[:-1].split("\0")], dtype=np.int64)
    characters, pairs = _cjk_codes(joined, lengths, rows)
    codes = [pairs]
    words: dict[str, int] = {}  # numbers and English words: few, handled as strings
    matches = list(_LATIN_OR_DIGITS.finditer(joined))
    if matches:
        runs = [m.group() for m in matches]
        number = {run: words.setdefault(_word_token(run), len(words)) for run in dict.fromkeys(runs)}
        ids = np.array([number[run] for run in runs], dtype=np.int64)
        texts_of = np.searchsorted(np.cumsum(lengths), [m.start() for m in matches], side="right")
        table = np.array(rows, dtype=np.int64)
        codes.append((_WORD | ids, table[texts_of, 0], table[texts_of, 1]))
    code = np.concatenate([c[0] for c in codes])
    position = np.concatenate([c[1] for c in codes])
    rank = np.concatenate([c[2] for c in codes])

    # One sort of keys packing token, entry and field rank; the first row of each (token, entry) wins.
    # (Characters, a few thousand for millions of occurrences, are counted in a table instead.)
    key = (((code << np.int64(entry_bits)) | position) << np.int64(_RANK_BITS)) | rank
    key.sort()
    pair_key = key >> np.int64(_RANK_BITS)
    key = key[np.r_[True, pair_key[1:] != pair_key[:-1]]]
    code = key >> np.int64(entry_bits + _RANK_BITS)
    position = (key >> np.int64(_RANK_BITS)) & np.int64((1 << entry_bits) - 1)
    weight = np.array(strengths)[key & np.int64((1 << _RANK_BITS) - 1)]

    starts = np.flatnonzero(np.r_[True, code[1:] != code[:-1]])
    distinct = code[starts]
    names = _names(distinct, {number: token for token, number in words.items()})
    chars, (char_entries, char_weights), char_bounds = _character_postings(
        *characters, entries, np.array(strengths)
    )
    is_pair = (distinct >> np.int64(2 * _SHIFT)) == np.int64(1)
    return Postings(
        chars + names,
        (np.concatenate([char_entries, position]), np.concatenate([char_weights, weight])),
        char_bounds[:-1] + (starts + char_bounds[-1]).tolist() + [char_bounds[-1] + len(position)],
        _sounds(distinct[is_pair], [n for n, p in zip(names, is_pair.tolist()) if p]),
        entries,
    )


def _sounds(pair_codes: np.ndarray, pair_names: list[str]) -> dict[str, list[str]]:
    """Sound token -> the pairs that may be read so: each character's readings, every combination."""
    mask = np.int64((1 << _SHIFT) - 1)
    left, right = (pair_codes >> np.int64(_SHIFT)) & mask, pair_codes & mask
    readings = _readings(np.unique(np.r_[left, right]))
    sound_codes, pair_index = [], []
    for i in range(MAX_READINGS):
        for j in range(MAX_READINGS):
            a, b = readings[left, i], readings[right, j]
            sounded = np.flatnonzero((a >= 0) & (b >= 0))
            sound_codes.append((a[sounded] << np.int64(_SHIFT)) | b[sounded])
            pair_index.append(sounded)
    sound_code, pairs = np.concatenate(sound_codes), np.concatenate(pair_index)
    order = np.argsort(sound_code, kind="stable")
    sound_code, pairs = sound_code[order], pairs[order]
    starts = np.flatnonzero(np.r_[True, sound_code[1:] != sound_code[:-1]])
    ends = np.r_[starts[1:], len(sound_code)]
    sounds: dict[str, list[str]] = {}
    for number, start, end in zip(sound_code[starts].tolist(), starts.tolist(), ends.tolist()):
        # two sounds spelled alike (fa+nan, fan+an) are one token, as in document_tokens
        name = PINYIN + _SYLLABLE_NAMES[number >> _SHIFT] + _SYLLABLE_NAMES[number & ((1 << _SHIFT) - 1)]
        found = sounds.setdefault(name, [])
        found.extend(
            pair_names[p] for p in dict.fromkeys(pairs[start:end].tolist()) if pair_names[p] not in found
        )
    return sounds


def _readings(points: np.ndarray) -> np.ndarray:
    """Each character's readings as syllable numbers (-1: none), in a table indexed by code point (all
    our Chinese ranges are in the Basic Multilingual Plane), filled for the characters given."""
    readings = np.full((0x10000, MAX_READINGS), -1, dtype=np.int64)
    for point in points.tolist():
        for column, reading in enumerate(char_readings(chr(point))):
            if reading != "?":
                readings[point, column] = _syllable(reading)
    return readings


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


def _cjk_codes(
    joined: str, lengths: np.ndarray, rows: list[tuple[int, int]]
) -> tuple[tuple[np.ndarray, ...], tuple[np.ndarray, ...]]:
    """The characters (code points) and the pair codes of the texts laid end to end (`lengths` each,
    separator included), each with its (entry, field rank)."""
    points = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32).astype(np.int64)
    position = np.repeat(np.array([r[0] for r in rows], dtype=np.int64), lengths)
    rank = np.repeat(np.array([r[1] for r in rows], dtype=np.int64), lengths)
    cjk = np.zeros(len(points), dtype=bool)
    for low, high in _CJK_RANGES:
        cjk |= (points >= low) & (points <= high)
    pair = cjk[:-1] & cjk[1:]
    pair_codes = _PAIR | (points[:-1][pair] << _SHIFT) | points[1:][pair]
    return (points[cjk], position[cjk], rank[cjk]), (pair_codes, position[:-1][pair], rank[:-1][pair])


def _character_postings(
    points: np.ndarray, position: np.ndarray, rank: np.ndarray, entries: int, strengths: np.ndarray
) -> tuple[list[str], Posting, list[int]]:
    """Per character, the entries holding it and the strongest field: a (character, entry) table
    filled weakest field first, so that a stronger one overwrites it. The characters, then their
    postings one after another, and where each starts (and the last ends)."""
    present = np.zeros(0x10000, dtype=bool)  # our Chinese ranges are in the Basic Multilingual Plane
    present[points] = True
    characters = np.flatnonzero(present)
    number = np.zeros(0x10000, dtype=np.int64)
    number[characters] = np.arange(len(characters))
    cell = number[points] * entries + position
    absent = len(strengths)
    table = np.full(len(characters) * entries, absent, dtype=np.uint8)
    for strength in reversed(range(len(strengths))):
        table[cell[rank == strength]] = strength
    held = np.flatnonzero(table != absent)
    holder, entry = np.divmod(held, entries)
    weight = strengths[table[held]]
    bounds = np.searchsorted(holder, np.arange(len(characters) + 1)).tolist()
    return [chr(point) for point in characters.tolist()], (entry, weight), bounds


def _names(codes: np.ndarray, words: dict[int, str]) -> list[str]:
    """The string token of each code, as `tokens.document_tokens` writes it."""
    mask = np.int64((1 << _SHIFT) - 1)
    kinds = (codes >> np.int64(2 * _SHIFT)).tolist()
    highs = ((codes >> np.int64(_SHIFT)) & mask).tolist()
    lows = (codes & mask).tolist()
    names = []
    for kind, high, low in zip(kinds, highs, lows):
        if kind == 1:
            names.append(chr(high) + chr(low))
        else:
            names.append(words[low])
    return names
