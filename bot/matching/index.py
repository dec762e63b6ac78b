"""The search index: built once from the entries, then asked many questions.

A question's score against an entry is its *coverage*: the share of the question's information (units
weighted by inverse document frequency) that the entry's fields contain, blended with rapidfuzz's
similarity between the whole question and the entry's title and alternate questions.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from rapidfuzz import fuzz, process

from bot.kb.schema import Entry, MatchingConfig
from bot.matching.normalize import compact, fold
from bot.matching.tokens import (
    ENGLISH,
    LONE_HOMOPHONE_FACTOR,
    PINYIN,
    QuestionReader,
    Unit,
    document_syllables,
    document_tokens,
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
        weights: dict[str, dict[int, float]] = defaultdict(dict)
        all_texts: list[str] = []
        self._phrases: list[list[str]] = []
        for position, entry in enumerate(self.entries):
            for field, texts in _entry_fields(entry).items():
                all_texts.extend(texts)
                for text in texts:
                    for token in document_tokens(text):
                        postings = weights[token]
                        postings[position] = max(postings.get(position, 0.0), FIELD_WEIGHTS[field])
            self._phrases.append(
                [p for p in (compact(fold(t)) for t in [entry.title, *entry.questions]) if p]
            )

        n = max(len(self.entries), 1)
        self._postings: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self._idf: dict[str, float] = {}
        for token, postings in weights.items():
            self._postings[token] = (
                np.fromiter(postings.keys(), dtype=np.int64, count=len(postings)),
                np.fromiter(postings.values(), dtype=np.float64, count=len(postings)),
            )
            self._idf[token] = math.log(1 + n / len(postings))
        self._unknown_idf = math.log(1 + n)  # a word the knowledge never uses: as rare as can be
        english = frozenset(t[len(ENGLISH) :] for t in self._postings if t.startswith(ENGLISH))
        self.reader = QuestionReader(
            matching.stopwords_zh, matching.stopwords_en, document_syllables(all_texts), english
        )

    def _unit_importance(self, unit: Unit) -> float:
        known = [self._idf[token] for token, _ in unit.alternatives if token in self._idf]
        if known:
            return known[0] * unit.weight
        first = unit.alternatives[0][0]
        if unit.may_be_seam and all(char in self._idf for char in first):
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
        scored = []
        for position in candidates:
            phrases = self._phrases[position]
            similar = (
                process.extractOne(asked, phrases, scorer=fuzz.ratio)[1] / 100 if phrases and asked else 0.0
            )
            score = (1 - FUZZY_SHARE) * float(coverage[position]) + FUZZY_SHARE * similar
            scored.append(Scored(position, round(score, 4)))
        scored.sort(key=lambda s: (-s.score, s.position))
        return scored[:limit]
