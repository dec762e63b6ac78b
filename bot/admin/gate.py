"""The regression gate: the questions admins rely on (knowledge/regression.yaml) must keep reaching their
entry. A change that moves one is shown to the admin, who confirms or cancels it."""

from __future__ import annotations

from dataclasses import dataclass

from bot.answers.qa import Answerer


@dataclass(frozen=True)
class Move:
    question: str
    card: str | None
    expected: str
    before: str | None  # what the installed base answers (None: declined, or no base yet)
    after: str | None  # what the new base answers

    def describe(self) -> str:
        return f"「{self.question}」 {self.expected}: {self.before or '—'} → {self.after or '—'}"


def reached(answerer: Answerer | None, question: str, card: str | None) -> str | None:
    if answerer is None:
        return None
    entry = answerer.answer(question, card).entry
    return entry.id if entry else None


def regression_moves(installed: Answerer | None, candidate: Answerer) -> list[Move]:
    """The candidate's own regression cases it fails (the file travels with the knowledge it checks)."""
    moves = []
    for case in candidate.knowledge.regression:
        after = reached(candidate, case.q, case.card)
        if after != case.entry:
            moves.append(Move(case.q, case.card, case.entry, reached(installed, case.q, case.card), after))
    return moves
