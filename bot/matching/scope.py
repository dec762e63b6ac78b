"""What a question is about, in general-language terms: its words and how much each says.

jieba's dictionary (shipped with the package, read by `bot.matching.segment`) counts how often each word
occurs in ordinary Chinese. A rare word (退休, 商标, 护照) carries a question's topic; a frequent one (办,
申请, 可以) does not. A question whose topic words the knowledge never uses is about something the guides
do not cover, however many of its common words match. Places are words jieba tags as place names (ns).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache

from bot.matching.normalize import is_cjk
from bot.matching.segment import WordTable, dictionary

PLACE_TAG = "ns"
# Words this frequent (per jieba's corpus of ~60 million words) say nothing about a topic on their own.
COMMON_FREQUENCY = 15_000
LEARNED_FREQUENCY = 1_000  # enough for jieba to prefer the knowledge's term over its pieces
# A word rarer than this may be a homophone typo of a word the knowledge uses (报命 for 报名).
TYPO_FREQUENCY = 20


@dataclass(frozen=True)
class Word:
    text: str
    tag: str
    salience: float  # -log of its share of ordinary text: 0 for the commonest, higher for rarer words

    @property
    def is_place(self) -> bool:
        return self.tag == PLACE_TAG


class Lexicon:
    """Segmentation and general-language frequencies, loaded once per process."""

    def __init__(self) -> None:
        self._table = WordTable(dictionary())
        self._total = self._table.total
        # A word jieba does not know (a name, a typo) is rare.
        self.unknown_salience = math.log(self._total)
        self._common = math.log(self._total / COMMON_FREQUENCY)
        self.typo_salience = math.log(self._total / TYPO_FREQUENCY)

    def salience(self, word: str) -> float:
        frequency = self._table.count(word)
        return math.log(self._total / frequency) if frequency else self.unknown_salience

    def is_word(self, word: str) -> bool:
        return self._table.count(word) > 0

    def is_common(self, word: str) -> bool:
        return self.salience(word) <= self._common

    @lru_cache(maxsize=4096)  # noqa: B019 - one lexicon per process; questions repeat
    def words(self, text: str) -> tuple[Word, ...]:
        """The Chinese words of folded text (other scripts and punctuation are left out)."""
        return tuple(
            Word(word, tag, self.salience(word)) for word, tag in self._table.cut(text) if is_cjk(word)
        )

    def learn(self, words: Iterable[str]) -> None:
        """Segment the knowledge's own terms that jieba would cut into characters (齐惠保) as words. The
        longer terms come first, so a name and the shorter name inside it (区工信局, 工信局) are both
        learned, whatever order the terms come in: the longest name is then cut whole."""
        for word in sorted(set(words), key=lambda w: (-len(w), w)):
            if len(word) > 2 and is_cjk(word) and not self._table.count(word) and not self.parts(word):
                self._table.add(word, LEARNED_FREQUENCY, "n")

    def parts(self, word: str) -> list[str]:
        """A compound's dictionary words, left to right without overlap (商标注册: 商标, 注册)."""
        found: list[str] = []
        end = 0
        for start in range(len(word)):
            if start < end:
                continue
            for stop in range(len(word) - (start == 0), start + 1, -1):
                if self._table.count(word[start:stop]) > 0:
                    found.append(word[start:stop])
                    end = stop
                    break
        return found


@lru_cache(maxsize=1)
def lexicon() -> Lexicon:
    return Lexicon()


# Nouns name a topic; verbs less so; time words, numbers, pronouns and particles hardly.
TAG_WEIGHTS = {"n": 1.0, "v": 0.6, "a": 0.4}
OTHER_TAG_WEIGHT = 0.2


@dataclass(frozen=True)
class Topic:
    """The topic words of a question, split by whether the knowledge uses them."""

    known: tuple[Word, ...]
    unknown: tuple[Word, ...]

    @staticmethod
    def weight(word: Word) -> float:
        return word.salience * TAG_WEIGHTS.get(word.tag[:1], OTHER_TAG_WEIGHT)

    @classmethod
    def mass(cls, words: tuple[Word, ...]) -> float:
        return sum(cls.weight(w) for w in words)

    @property
    def empty(self) -> bool:
        """No word says what the question is about: it has only common words (在, 是, 谁)."""
        return not self.known and not self.unknown

    @property
    def focus(self) -> Word | None:
        """The known noun that says most about the topic (入学 in 入学申请交给谁, not 申请 or 交给): the
        thing asked about, which a verb alone (申请, 预约) does not name."""
        return max((w for w in self.known if w.tag.startswith("n")), key=self.weight, default=None)

    @property
    def unknown_share(self) -> float:
        """Share of the topic the knowledge never mentions: 0 all known, 1 nothing known."""
        unknown = self.mass(self.unknown)
        total = unknown + self.mass(self.known)
        return unknown / total if total else 0.0

    def uncovered_share(self, holds: Callable[[str], float]) -> float:
        """Share of the topic one entry does not cover: the words the knowledge never uses, and those
        it uses elsewhere but not in this entry (`holds` says how much of a word the entry covers)."""
        missing = self.mass(self.unknown) + sum(self.weight(w) * (1 - holds(w.text)) for w in self.known)
        total = self.mass(self.unknown) + self.mass(self.known)
        return missing / total if total else 0.0


def topic(
    text: str,
    knows: Callable[[str, bool], bool],
    lex: Lexicon,
    particular: Callable[[str], bool] = lambda word: True,
) -> Topic:
    """Topic words of folded text: its uncommon words, each known to the knowledge or not. A compound
    is judged whole: 商标注册 is not covered because 注册 is. Words that name nothing `particular` to
    the knowledge (the programme's place or card name: 张店区, 云聚英才) say which programme is meant, not
    what about it, and are left out."""
    known: list[Word] = []
    unknown: list[Word] = []
    for word in dict.fromkeys(lex.words(text)):  # a word said twice (调理调理) is one topic word
        if len(word.text) < 2 or lex.is_common(word.text) or not particular(word.text):
            continue
        (known if _known(word, knows, lex) else unknown).append(word)
    return Topic(tuple(known), tuple(unknown))


def _known(word: Word, knows: Callable[[str, bool], bool], lex: Lexicon) -> bool:
    """Whether the knowledge uses the word, or each dictionary word it is made of (科研项目: 科研, 项目).
    A common word is what the user meant; a rare or unknown one (申批, 报命) may be a homophone typo."""
    if knows(word.text, word.salience >= lex.typo_salience):
        return True
    parts = lex.parts(word.text)
    return len(parts) > 1 and "".join(parts) == word.text and all(knows(part, False) for part in parts)
