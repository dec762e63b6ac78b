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
from dataclasses import dataclass
from functools import lru_cache

import marisa_trie

from bot.matching.cache import cached, package_file

# Bumped whenever the reading of the table changes, so that an older cache is not used.
TABLE_FORMAT = 3


@dataclass(frozen=True)
class Table:
    phrases: marisa_trie.BytesTrie  # phrase -> its Simplified form
    starts: str  # the characters a phrase starts with
    longest: int  # characters in the longest phrase


def _read_table() -> Table:
    variants = json.loads(package_file("zhconv", "zhcdict.json").read_text(encoding="utf-8"))
    table = {**variants["zh2Hans"], **variants["zh2CN"]}
    starts = "".join(sorted({phrase[0] for phrase in table}))
    return Table(
        marisa_trie.BytesTrie((k, v.encode()) for k, v in table.items()), starts, max(map(len, table))
    )


@lru_cache(maxsize=1)
def _table() -> tuple[Table, re.Pattern[str]]:
    table = cached("zh-cn", TABLE_FORMAT, package_file("zhconv", "zhcdict.json"), _read_table)
    return table, re.compile(f"[{re.escape(table.starts)}]")


def to_simplified(text: str) -> str:
    table, start = _table()
    out: list[str] = []
    position = 0
    while (found := start.search(text, position)) is not None:  # text between phrases stays as it is
        out.append(text[position : found.start()])
        position = found.start()
        phrases = table.phrases.prefixes(text[position : position + table.longest])
        if phrases:
            phrase = max(phrases, key=len)
            out.append(table.phrases[phrase][0].decode())
            position += len(phrase)
        else:
            out.append(text[position])
            position += 1
    out.append(text[position:])
    return "".join(out)
