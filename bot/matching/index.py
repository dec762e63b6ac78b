"""The search index: built once from the entries, then asked many questions.

A question's score against an entry is its *coverage*: the share of the question's information (units
weighted by inverse document frequency) that the entry's fields contain, blended with rapidfuzz's
similarity between the whole question and the entry's title and alternate questions.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache

import numpy as np
from rapidfuzz import fuzz, process

from bot.kb.schema import Entry, MatchingConfig
from bot.matching.english import Translator
from bot.matching.normalize import compact, fold
from bot.matching.pinyin import char_readings, run_syllables
from bot.matching.postings import build_postings, fold_all
from bot.matching.tokens import (
    ENGLISH,
    LONE_HOMOPHONE_FACTOR,
    PINYIN,
    QuestionReader,
    Unit,
    stem,
    syllables_of,
)

# How much a token found in each field counts: the matching fields were written to be matched,
# the body only says things along the way.
FIELD_WEIGHTS = {
    "title": 1.0,
    "questions": 1.0,
    "keywords": 1.0,
    "keywords_en": 1.0,
    "department": 0.7,
    "section": 0.7,
    "body": 0.6,
}
# A pair of characters the knowledge never uses, both of which it does use, is most often the seam
# between two words (休养这事 -> 养这), not new content: it counts this much.
SEAM_FACTOR = 0.5
FUZZY_SHARE = 0.25  # weight of the whole-question similarity in the final score
RERANK = 30  # candidates rescored with rapidfuzz
MAX_SPELLINGS = 200  # character strings kept while spelling a pinyin word syllable by syllable
HELD_REMEMBERED = 4096  # (entry, word) answers of `holds` kept: answering one question asks it of the
# same few candidates and topic words several times


def _entry_fields(entry: Entry) -> dict[str, list[str]]:
    return {
        "title": [entry.title],
        "questions": entry.questions,
        "keywords": entry.keywords,
        "keywords_en": entry.keywords_en,
        "department": [entry.department] if entry.department else [],
        "section": [entry.section],
        "body": [entry.body],
    }


@dataclass(frozen=True)
class Scored:
    position: int  # index into the entries the index was built from
    score: float


class SearchIndex:
    def __init__(self, entries: Sequence[Entry], matching: MatchingConfig) -> None:
        self.entries = tuple(entries)
        texts: list[tuple[int, float, str]] = []
        self._phrases: dict[int, list[str]] = {}  # folded title and questions, made when first compared
        self._statements: dict[int, str] = {}  # folded text but alternate questions, made when asked
        self.holds = lru_cache(maxsize=HELD_REMEMBERED)(self._holds)  # per index: freed with it
        self._holders = lru_cache(maxsize=HELD_REMEMBERED)(self._holding)  # word -> entries, likewise
        for position, entry in enumerate(self.entries):
            for field, field_texts in _entry_fields(entry).items():
                texts.extend((position, FIELD_WEIGHTS[field], text) for text in field_texts)
        self._text = fold_all(texts)  # every text folded, for finding whole words
        self._postings = build_postings(texts, self._text, len(self.entries))
        self._unknown_idf = math.log(1 + max(len(self.entries), 1))  # a word never used: as rare as can be
        english = frozenset(t[len(ENGLISH) :] for t in self._postings if t.startswith(ENGLISH))
        self.reader = QuestionReader(
            matching.stopwords_zh,
            matching.stopwords_en,
            syllables_of(self._postings),
            english,
            Translator(self.knows, stem).translate,
        )

    def knows(self, word: str, typo: bool = True) -> bool:
        """Whether the knowledge uses this Chinese word; with `typo`, a homophone may stand for each pair."""
        if len(word) == 1:
            return word in self._postings
        if len(word) > 2 and not typo:  # its pairs may all occur, apart (出入, 入境): look for the word
            return word in self._text
        for i in range(len(word) - 1):
            pair = word[i : i + 2]
            if pair in self._postings:
                continue
            sound = PINYIN + "".join(run_syllables(pair))
            anchored = pair[0] in self._postings or pair[1] in self._postings
            if not (typo and anchored and sound in self._postings):
                return False
        return True

    @cached_property
    def _characters_by_sound(self) -> dict[str, tuple[str, ...]]:
        """Toneless syllable -> the knowledge's characters read so (built on the first pinyin question)."""
        found: dict[str, list[str]] = {}
        for token in self._postings:
            if len(token) == 1 and token.isalpha() and not token.isascii():
                for reading in char_readings(token):
                    found.setdefault(reading, []).append(token)
        return {sound: tuple(chars) for sound, chars in found.items()}

    def spellings(self, syllables: Sequence[str]) -> list[str]:
        """The knowledge's words of two or more characters that sound like the syllables (ru, xue: 入学):
        a toneless pinyin word typed by a user, written in characters. Words read so by their characters'
        most common readings come first, then those in the most entries."""
        if len(syllables) < 2:
            return []
        candidates = list(self._characters_by_sound.get(syllables[0], ()))
        for syllable in syllables[1:]:
            candidates = [
                word + char
                for word in candidates
                for char in self._characters_by_sound.get(syllable, ())
                if word[-1] + char in self._postings
            ][:MAX_SPELLINGS]
        found = [word for word in candidates if self.knows(word, False)]

        def rare_readings(word: str) -> int:  # 前 may be read jian, but tijian is 体检 before 提前
            return sum(char_readings(char)[0] != sound for char, sound in zip(word, syllables))

        return sorted(found, key=lambda word: (rare_readings(word), -self.entry_share(word)))

    def _holds(self, position: int, word: str) -> bool:
        """Whether the entry's text holds every character pair of the word (each character, for one);
        asked as `holds`, which remembers the last answers."""
        for pair in [word[i : i + 2] for i in range(len(word) - 1)] or [word]:
            posting = self._postings.get(pair)
            if posting is None:
                return False
            ids = posting[0]
            at = int(np.searchsorted(ids, position))
            if at == len(ids) or ids[at] != position:
                return False
        return True

    def english_token(self, word: str) -> bool:
        """Whether the knowledge has the English word (or its singular) in its `keywords_en`."""
        return ENGLISH + stem(word) in self._postings

    def states(self, position: int, word: str) -> bool:
        """Whether the entry's own text (title, keywords, aliases, body) holds the word: an alternate
        question may mention a neighbouring topic only in passing (体检和疗养能都要吗 on the check-up)."""
        statement = self._statements.get(position)
        if statement is None:
            entry = self.entries[position]
            texts = [entry.title, *entry.keywords, *entry.aliases, entry.body]
            statement = " ".join(compact(fold(t)) for t in texts)
            self._statements[position] = statement
        return word in statement

    def _holding(self, word: str) -> np.ndarray:
        """The entries whose text holds every character pair of the word."""
        holding: np.ndarray | None = None
        for pair in [word[i : i + 2] for i in range(len(word) - 1)] or [word]:
            postings = self._postings.get(pair)
            if postings is None:
                return np.zeros(0, dtype=np.int64)
            holding = postings[0] if holding is None else np.intersect1d(holding, postings[0])
        return holding if holding is not None else np.zeros(0, dtype=np.int64)

    def entry_share(self, word: str) -> float:
        """Share of the entries whose text holds every character pair of the word."""
        return len(self._holders(word)) / max(len(self.entries), 1)

    def used_in(self, word: str, allowed: np.ndarray) -> bool:
        """Whether one of the allowed entries (a mask) holds the word."""
        return bool(allowed[self._holders(word)].any())

    def _unit_importance(self, unit: Unit) -> float:
        known = [idf for token, _ in unit.alternatives if (idf := self._postings.idf(token)) is not None]
        if known:
            return known[0] * unit.weight
        first = unit.alternatives[0][0]
        if unit.may_be_seam and all(char in self._postings for char in first):
            return self._unknown_idf * unit.weight * SEAM_FACTOR
        return self._unknown_idf * unit.weight

    def _has_any(self, chars: Sequence[str], n: int) -> np.ndarray:
        found = np.zeros(n, dtype=bool)
        for char in chars:
            postings = self._postings.get(char)
            if postings is not None:
                found[postings[0]] = True
        return found

    def coverage(self, units: Sequence[Unit]) -> np.ndarray:
        """Share of the question's weighted units found in each entry, in [0, 1]."""
        n = len(self.entries)
        total = np.zeros(n)
        mass = 0.0
        for unit in units:
            importance = self._unit_importance(unit)
            mass += importance
            best: np.ndarray | None = None
            for token, factor in unit.alternatives:
                found = self._postings.get(token)
                if found is None:
                    continue
                ids, values = found
                if best is None and len(unit.alternatives) == 1:
                    total[ids] += importance * factor * values
                    break
                contribution = np.zeros(n)
                contribution[ids] = factor * values
                if token.startswith(PINYIN) and unit.anchors:
                    contribution *= np.where(
                        self._has_any(unit.anchors, n), 1.0, LONE_HOMOPHONE_FACTOR / factor
                    )
                best = contribution if best is None else np.maximum(best, contribution)
            if best is not None:
                total += importance * best
        return total / mass if mass else total

    def search(self, question: str, allowed: np.ndarray | None = None, limit: int = 5) -> list[Scored]:
        units = self.reader.units(question)
        if not units:
            return []
        coverage = self.coverage(units)
        if allowed is not None:
            coverage = np.where(allowed, coverage, 0.0)
        count = min(RERANK, len(coverage))
        candidates = np.argpartition(-coverage, count - 1)[:count]
        candidates = [int(c) for c in candidates if coverage[c] > 0]
        if not candidates:
            return []
        asked = compact(self.reader.clean(question))
        scored = [
            Scored(position, self._blend(asked, float(coverage[position]), position))
            for position in candidates
        ]
        scored.sort(key=lambda s: (-s.score, s.position))
        return scored[:limit]

    def score(self, question: str, position: int) -> float:
        """One entry's score for the question (an entry outside the best few, asked for by name)."""
        units = self.reader.units(question)
        coverage = float(self.coverage(units)[position]) if units else 0.0
        return self._blend(compact(self.reader.clean(question)), coverage, position)

    def _blend(self, asked: str, coverage: float, position: int) -> float:
        phrases = self._phrases.get(position)
        if phrases is None:
            entry = self.entries[position]
            phrases = [p for p in (compact(fold(t)) for t in [entry.title, *entry.questions]) if p]
            self._phrases[position] = phrases
        similar = process.extractOne(asked, phrases, scorer=fuzz.ratio)[1] / 100 if phrases and asked else 0.0
        return round((1 - FUZZY_SHARE) * coverage + FUZZY_SHARE * similar, 4)
