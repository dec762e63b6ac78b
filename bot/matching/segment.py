"""Chinese words: jieba's dictionary in a compact form, and its segmentation without the HMM.

jieba's dictionary (dict.txt, shipped with the package: ~350,000 words, each with its count in a corpus
of ~60 million words and its part of speech) is what jieba's own Tokenizer holds as Python dicts, ~70 MiB
resident with `jieba.posseg`. Here it is a marisa trie of the words plus two arrays (count, tag) indexed by
the trie's key ids, ~3 MiB of files that every process after the first maps from the cache
(`bot.matching.cache`).

`WordTable.cut` is jieba's `posseg.cut(text, HMM=False)`: the same blocks, the same DAG of dictionary
words and the same route of greatest log-frequency, so the same words and tags (tests/test_dictionaries.py
compares the two); jieba's package is needed only for its dictionary file.
"""

from __future__ import annotations

import math
import re
from array import array
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

import marisa_trie

from bot.matching.cache import cached, package_file

# Bumped whenever the reading of the dictionary changes, so that an older cache is not used.
WORDS_FORMAT = 3
UNTAGGED = "x"  # jieba's tag for what its dictionary does not tag

# jieba.posseg's blocks: runs it segments, and whitespace and other characters it yields one by one.
_BLOCK = re.compile(r"([\u4E00-\u9FD5a-zA-Z0-9+#&\._]+)")
_SKIP = re.compile(r"(\r\n|\s)")
_LATIN = re.compile(r"[a-zA-Z0-9]+")
_NUMBER = re.compile(r"[\.0-9]+")
_LATIN_CHAR = re.compile(r"^[a-zA-Z0-9]$")


@dataclass(frozen=True)
class Dictionary:
    """jieba's dict.txt as read: `counts[i]` and `tags[tag_ids[i]]` belong to the trie's key id i."""

    words: marisa_trie.Trie
    counts: array | memoryview  # unsigned 32-bit counts (a memoryview of the mapped cache file)
    tag_ids: array | memoryview  # unsigned bytes
    tags: tuple[str, ...]
    total: int  # the sum of every line's count, as jieba sums it
    longest: int  # characters in the longest word


def _read_dictionary() -> Dictionary:
    """dict.txt's `word count tag` lines; a word listed twice keeps its last line, as in jieba."""
    found: dict[str, tuple[int, str]] = {}
    total = 0
    with package_file("jieba", "dict.txt").open(encoding="utf-8") as lines:
        for line in lines:
            word, count, tag = line.strip().split(" ")[:3]
            found[word] = (int(count), tag)
            total += int(count)
    words = marisa_trie.Trie(word for word, (count, _) in found.items() if count > 0)
    tags = tuple(sorted({tag for _, tag in found.values()}))
    number = {tag: i for i, tag in enumerate(tags)}
    counts = array("I", bytes(4 * len(words)))
    tag_ids = array("B", bytes(len(words)))
    for word, key in words.iteritems():
        count, tag = found[word]
        counts[key] = count
        tag_ids[key] = number[tag]
    return Dictionary(words, counts, tag_ids, tags, total, max(map(len, found)))


@lru_cache(maxsize=1)
def dictionary() -> Dictionary:
    """Read once per process, from the cache when there is one."""
    return cached("jieba-words", WORDS_FORMAT, package_file("jieba", "dict.txt"), _read_dictionary)


class WordTable:
    """The dictionary, plus words added at run time (jieba's `add_word`: counted into the total)."""

    def __init__(self, shipped: Dictionary) -> None:
        self.shipped = shipped
        self.total = shipped.total
        self.added: dict[str, tuple[int, str]] = {}
        self._added_by_first: dict[str, list[str]] = {}  # first character -> added words

    def count(self, word: str) -> int:
        key = self.shipped.words.get(word)
        if key is not None:
            return self.shipped.counts[key]
        return self.added.get(word, (0, UNTAGGED))[0]

    def tag(self, word: str) -> str:
        key = self.shipped.words.get(word)
        if key is not None:
            return self.shipped.tags[self.shipped.tag_ids[key]]
        return self.added.get(word, (0, UNTAGGED))[1]

    def add(self, word: str, count: int, tag: str) -> None:
        if word not in self.added:
            self._added_by_first.setdefault(word[0], []).append(word)
        self.added[word] = (count, tag)
        self.total += count

    def cut(self, text: str) -> Iterator[tuple[str, str]]:
        """(word, tag) for every word and every other character of the text, in order."""
        for block in _BLOCK.split(text):
            if _BLOCK.match(block):
                yield from self._cut_block(block)
                continue
            for piece in _SKIP.split(block):
                if _SKIP.match(piece):
                    yield piece, UNTAGGED
                    continue
                for char in piece:  # jieba's test is on the piece for Latin, on the character for digits
                    if _NUMBER.match(char):
                        yield char, "m"
                    elif _LATIN.match(piece):
                        yield char, "eng"
                    else:
                        yield char, UNTAGGED

    def _cut_block(self, block: str) -> Iterator[tuple[str, str]]:
        """The route through the block's dictionary words with the greatest product of frequencies;
        single Latin letters and digits on it are joined into one `eng` word."""
        n = len(block)
        log, log_total = math.log, math.log(self.total)
        words, counts, longest = self.shipped.words, self.shipped.counts, self.shipped.longest
        # From position i: (log-probability of the best route on, the last position of its first word,
        # that word's key id in the dictionary or -1); ties go to the longer word, as in jieba.
        best: list[tuple[float, int, int]] = [(0.0, 0, -1)] * (n + 1)
        for start in range(n - 1, -1, -1):
            routes = [
                (log(counts[key]) - log_total + best[start + len(word)][0], start + len(word) - 1, key)
                for word, key in words.iter_prefixes_with_ids(block[start : start + longest])
            ]
            for word in self._added_by_first.get(block[start], ()):
                if block.startswith(word, start):
                    end = start + len(word)
                    routes.append((log(self.added[word][0]) - log_total + best[end][0], end - 1, -1))
            # A character the dictionary lacks stands alone, counted once.
            best[start] = max(routes) if routes else (best[start + 1][0] - log_total, start, -1)
        latin = ""
        start = 0
        while start < n:
            _, last, key = best[start]
            word = block[start : last + 1]
            if _LATIN_CHAR.match(word):
                latin += word
            else:
                if latin:
                    yield latin, "eng"
                    latin = ""
                yield word, self.shipped.tags[self.shipped.tag_ids[key]] if key >= 0 else self.tag(word)
            start = last + 1
        if latin:
            yield latin, "eng"
