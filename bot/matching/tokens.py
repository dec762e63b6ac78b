"""Tokens for matching.

Knowledge text becomes a set of tokens: Chinese characters and character pairs, the pinyin of each pair
(`p:`), English words (`e:`) and numbers (`d:`). A question becomes *units*: one per character, pair or
word, each with the tokens that may satisfy it. A pair of characters is satisfied by the same pair or,
for homophone typos (保建 for 保健), by its pinyin; pinyin typed by the user (shenpi) is split into
syllables and looked up as pinyin pairs.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache

from bot.matching.normalize import fold, fold_question, is_cjk, runs
from bot.matching.pinyin import char_readings, pair_sounds, run_syllables, split_syllables

PINYIN = "p:"
ENGLISH = "e:"
DIGITS = "d:"

PAIR_WEIGHT = 1.0
CHAR_WEIGHT = 0.25  # single characters are weak evidence ...
LONE_CHAR_WEIGHT = 0.6  # ... unless the character stands alone between stop words or punctuation
TRANSLATION_FACTOR = 0.8  # an English word found through the dictionary: likely, not certain
HOMOPHONE_FACTOR = 0.8  # a pair matched only by its sound is likely, not certain ...
LONE_HOMOPHONE_FACTOR = 0.4  # ... and unlikely when the entry has neither of its characters (护照 ~ 户照)


def stem(word: str) -> str:
    """Plural to singular, enough for keyword matching (tickets -> ticket, facilities -> facility)."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith(("ses", "xes", "ches", "shes")):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


@dataclass(frozen=True)
class Unit:
    """One piece of a question and the tokens (with a factor each) that count as matching it."""

    alternatives: tuple[tuple[str, float], ...]
    weight: float
    # A pair inside a run of three or more characters may straddle two words; a run of two is one word.
    may_be_seam: bool = False
    # For a pair: its characters. A match by sound counts fully only where one of them is found too.
    anchors: tuple[str, ...] = ()


@lru_cache(maxsize=1 << 18)
def pair_tokens(pair: str) -> tuple[str, ...]:
    """A character pair and each of its sounds: computed once per distinct pair."""
    return (pair, *(PINYIN + sound for sound in pair_sounds(pair[0], pair[1])))


@lru_cache(maxsize=1 << 16)
def document_tokens(text: str) -> frozenset[str]:
    """Cached per text: titles, keywords and departments repeat across entries."""
    tokens: set[str] = set()
    for run in runs(fold(text)):
        if is_cjk(run):
            tokens.update(run)
            for i in range(len(run) - 1):
                tokens.update(pair_tokens(run[i : i + 2]))
        elif run.isdigit():
            tokens.add(DIGITS + run)
        else:
            tokens.add(ENGLISH + stem(run))
    return frozenset(tokens)


def syllables_of(tokens: Iterable[str]) -> frozenset[str]:
    """The pinyin syllables of the single Chinese characters among the knowledge's tokens."""
    found = {
        reading for token in tokens if len(token) == 1 and is_cjk(token) for reading in char_readings(token)
    }
    found.discard("?")
    return frozenset(found)


class QuestionReader:
    """Turns a question into units; knows the stop words, the pinyin syllables and English words in use."""

    def __init__(
        self,
        stopwords_zh: Iterable[str],
        stopwords_en: Iterable[str],
        syllables: frozenset[str],
        english_words: frozenset[str],
        translate: Callable[[str], tuple[str, ...]] = lambda word: (),
    ) -> None:
        ordered = sorted({fold(w) for w in stopwords_zh}, key=len, reverse=True)
        self._stop_zh = re.compile("|".join(map(re.escape, ordered))) if ordered else None
        self._stop_en = frozenset(fold(w) for w in stopwords_en)
        self._syllables = syllables
        self._english = english_words
        self._translate = translate

    def clean(self, question: str) -> str:
        text = fold_question(question)
        return self._stop_zh.sub(" ", text) if self._stop_zh else text

    def units(self, question: str) -> list[Unit]:
        units: list[Unit] = []
        pinyin_run: list[str] = []  # consecutive pinyin words are read as one syllable sequence

        def flush_pinyin() -> None:
            for a, b in zip(pinyin_run, pinyin_run[1:]):
                units.append(Unit(((PINYIN + a + b, 1.0),), PAIR_WEIGHT))
            pinyin_run.clear()

        for run in runs(self.clean(question)):
            if is_cjk(run):
                flush_pinyin()
                units.extend(self._chinese_units(run))
            elif run.isdigit():
                flush_pinyin()
                units.append(Unit(((DIGITS + run, 1.0),), PAIR_WEIGHT))
            elif run in self._stop_en:
                flush_pinyin()
            else:
                syllables = self.pinyin_syllables(run)
                if syllables:
                    pinyin_run.extend(syllables)
                else:
                    flush_pinyin()
                    units.append(self._english_unit(run, stem(run)))
        flush_pinyin()
        return units

    def pinyin_syllables(self, run: str) -> list[str] | None:
        """The syllables of a Latin word written as pinyin (ruxue: ru, xue); None for an English word."""
        return None if stem(run) in self._english else self.syllables(run)

    def syllables(self, run: str) -> list[str] | None:
        """The syllables a Latin word can be read as, English or not (baiyun, ban); None if it can't."""
        return split_syllables(run, self._syllables)

    def english_words(self, question: str) -> list[tuple[str, tuple[str, ...] | None]]:
        """The English words of a question with the Chinese words they translate to (None: spelled as
        pinyin, so a Chinese word in Latin letters, even when a keyword too: hukou)."""
        found: list[tuple[str, tuple[str, ...] | None]] = []
        for run in runs(self.clean(question)):
            if is_cjk(run) or run.isdigit() or run in self._stop_en:
                continue
            pinyin = self.syllables(run)
            found.append((run, None if pinyin else self._translate(run)))
        return found

    def _english_unit(self, run: str, word: str) -> Unit:
        """An English word: itself (keywords_en) or any pair of a Chinese word it translates to."""
        pairs = dict.fromkeys(
            chinese[i : i + 2] for chinese in self._translate(run) for i in range(len(chinese) - 1)
        )
        return Unit(((ENGLISH + word, 1.0), *((pair, TRANSLATION_FACTOR) for pair in pairs)), PAIR_WEIGHT)

    @staticmethod
    def _chinese_units(run: str) -> list[Unit]:
        if len(run) == 1:
            return [Unit(((run, 1.0),), LONE_CHAR_WEIGHT)]
        syllables = run_syllables(run)
        units = [Unit(((char, 1.0),), CHAR_WEIGHT) for char in run]
        for i in range(len(run) - 1):
            sound = PINYIN + syllables[i] + syllables[i + 1]
            units.append(
                Unit(
                    ((run[i : i + 2], 1.0), (sound, HOMOPHONE_FACTOR)),
                    PAIR_WEIGHT,
                    len(run) > 2,
                    tuple(run[i : i + 2]),
                )
            )
        return units
