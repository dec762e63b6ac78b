"""Answering a card holder's question: which entries may answer, how sure we are, what else to offer."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bot.kb.loader import KnowledgeBase
from bot.kb.schema import GENERAL_CARD, Entry
from bot.matching.index import SearchIndex
from bot.matching.normalize import fold_question


@dataclass(frozen=True)
class Suggestion:
    entry: Entry
    score: float


@dataclass(frozen=True)
class Answer:
    question: str
    entry: Entry | None  # None: declined (out of scope or not sure enough)
    score: float
    alternatives: tuple[Suggestion, ...]

    @property
    def answered(self) -> bool:
        return self.entry is not None


class Answerer:
    def __init__(self, knowledge: KnowledgeBase) -> None:
        self.knowledge = knowledge
        self.index = SearchIndex(knowledge.entries, knowledge.matching)
        entry_cards = np.array([entry.card for entry in self.index.entries])
        self._card_masks = {card: entry_cards == card for card in [*knowledge.cards, GENERAL_CARD]}
        self._aliases = {
            card.id: [fold_question(a) for a in card.aliases] for card in knowledge.cards.values()
        }
        self._other_places = [fold_question(p) for p in knowledge.matching.other_places]

    def named_cards(self, question: str) -> set[str]:
        text = fold_question(question)
        return {card for card, aliases in self._aliases.items() if any(a in text for a in aliases)}

    def _names_other_place(self, question: str) -> bool:
        text = fold_question(question)
        return any(place in text for place in self._other_places)

    def _allowed(self, card: str | None, named: set[str]) -> np.ndarray | None:
        """The user's card and general material; another card's entries only when the question names it."""
        cards = named or ({card} if card else set())
        if not cards:
            return None
        mask = self._card_masks[GENERAL_CARD].copy()
        for name in cards:
            mask |= self._card_masks.get(name, False)
        return mask

    def answer(self, question: str, card: str | None = None) -> Answer:
        named = self.named_cards(question)
        if self._names_other_place(question) and not named:
            return Answer(question, None, 0.0, ())
        matching = self.knowledge.matching
        ranked = self.index.search(question, self._allowed(card, named), limit=matching.max_alternatives + 1)
        if not ranked:
            return Answer(question, None, 0.0, ())
        top, rest = ranked[0], ranked[1:]
        entries = self.index.entries
        alternatives = tuple(
            Suggestion(entries[s.position], s.score)
            for s in rest
            if s.score >= matching.alternative_threshold
        )
        if top.score < matching.answer_threshold:
            declined_offers = tuple(
                Suggestion(entries[s.position], s.score)
                for s in ranked
                if s.score >= matching.alternative_threshold
            )
            return Answer(question, None, top.score, declined_offers[: matching.max_alternatives])
        return Answer(question, entries[top.position], top.score, alternatives[: matching.max_alternatives])
