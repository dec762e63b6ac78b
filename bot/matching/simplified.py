"""Traditional to Simplified Chinese: zhconv's `convert(text, "zh-cn")`, over a compact table.

zhconv loads the tables of every variant it supports (and, to find them, pkg_resources): ~19 MiB resident
for 11,906 mappings we use. The zh-cn table (zh2Hans, then zh2CN over it, as zhconv builds it) is kept
here as a marisa trie, read from zhconv's own data file once and cached (`bot.matching.cache`); the
conversion is zhconv's: at each position the longest phrase of the table, else the character itself
(tests/test_dictionaries.py compares the two).
"""

from __future__ import annotations

import json
import re
from array import array
from dataclasses import dataclass
from functools import lru_cache
from itertools import accumulate

import marisa_trie

from bot.matching.cache import cached, package_file

# Bumped whenever the reading of the table changes, so that an older cache is not used.
TABLE_FORMAT = 6


@dataclass(frozen=True)
class Table:
    phrases: marisa_trie.Trie
    # The Simplified form of the phrase of key id i: UTF-8 bytes forms[ends[i - 1]:ends[i]] (0 before 0).
    forms: array | memoryview
    ends: array | memoryview
    starts: str  # the characters where a phrase may change the text: some phrase's first, or changed
    longest: int  # characters in the longest phrase

    def form(self, key: int) -> str:
        return bytes(self.forms[self.ends[key - 1] if key else 0 : self.ends[key]]).decode()


def _read_table() -> Table:
    variants = json.loads(package_file("zhconv", "zhcdict.json").read_text(encoding="utf-8"))
    table = {**variants["zh2Hans"], **variants["zh2CN"]}
    phrases = marisa_trie.Trie(table)
    encoded = [table[phrases.restore_key(key)].encode() for key in range(len(phrases))]
    # A character that is a phrase only of itself, mapped to itself, is passed over like any other.
    starts = {p[0] for p in table if len(p) > 1} | {p for p, s in table.items() if len(p) == 1 and p != s}
    return Table(
        phrases,
        array("B", b"".join(encoded)),
        array("I", accumulate(map(len, encoded))),
        "".join(sorted(starts)),
        max(map(len, table)),
    )


@lru_cache(maxsize=1)
def _table() -> tuple[Table, re.Pattern[str]]:
    table = cached("zh-cn", TABLE_FORMAT, package_file("zhconv", "zhcdict.json"), _read_table)
    # Every character beyond the Basic Multilingual Plane is looked at: with one in the class, re tests
    # the class a character at a time (4 µs a search, not 0.2).
    plane = "".join(char for char in table.starts if ord(char) <= 0xFFFF)
    return table, re.compile(f"[{re.escape(plane)}]|[\U00010000-\U0010ffff]")


def to_simplified(text: str) -> str:
    table, start = _table()
    out: list[str] = []
    position = 0
    while (found := start.search(text, position)) is not None:  # text between phrases stays as it is
        out.append(text[position : found.start()])
        position = found.start()
        phrases = list(table.phrases.iter_prefixes_with_ids(text[position : position + table.longest]))
        if phrases:
            phrase, key = phrases[-1]  # the longest: marisa gives the shortest first
            out.append(table.form(key))
            position += len(phrase)
        else:
            out.append(text[position])
            position += 1
    out.append(text[position:])
    return "".join(out)
