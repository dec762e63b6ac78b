"""What users missed: declined and unsure questions and 👎 answers of a period, grouped by similar wording,
each group with its count, cards, and the entry it came closest to."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from rapidfuzz import fuzz
from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.answers.qa import Answerer
from bot.kb.schema import Entry
from bot.matching.normalize import compact, fold
from db.models import HandledQuestion, QuestionLog, Vote

SIMILAR = 60  # rapidfuzz ratio (0-100) of folded wordings at or above which two questions are one group
DISLIKED = "disliked"


@dataclass(frozen=True)
class Missed:
    id: int
    text: str
    card: str | None
    entry_id: str | None  # what the bot answered or suggested, when it did
    reason: str  # the logged outcome (declined, unsure, ...) or "disliked" for a 👎 answer


@dataclass(frozen=True)
class MissGroup:
    questions: tuple[Missed, ...]  # most asked wording first

    @property
    def lead(self) -> Missed:
        return self.questions[0]

    @property
    def count(self) -> int:
        return len(self.questions)

    def wordings(self) -> list[tuple[str, int]]:
        return Counter(q.text for q in self.questions).most_common()

    def cards(self) -> list[str]:
        return sorted({q.card for q in self.questions if q.card})

    def reasons(self) -> dict[str, int]:
        return dict(Counter(q.reason for q in self.questions).most_common())

    def closest(self, answerer: Answerer) -> Entry | None:
        """Asked of the groups shown only: finding it may run a search."""
        return closest_entry(answerer, self.lead)


async def missed_since(session: AsyncSession, since: datetime) -> list[Missed]:
    disliked = select(Vote.question_id).where(Vote.value == -1)
    handled = select(HandledQuestion.question_id)
    rows = await session.execute(
        select(QuestionLog, QuestionLog.id.in_(disliked))
        .where(
            QuestionLog.created_at >= since,
            or_(QuestionLog.answered.is_(False), QuestionLog.id.in_(disliked)),
            QuestionLog.id.not_in(handled),
        )
        .order_by(QuestionLog.id)
    )
    return [
        Missed(row.id, row.text, row.card, row.entry_id, DISLIKED if was_disliked else row.outcome)
        for row, was_disliked in rows
    ]


def _key(text: str) -> str:
    return compact(fold(text))


def closest_entry(answerer: Answerer, question: Missed) -> Entry | None:
    """The entry answered or suggested, else the best match however weak."""
    if question.entry_id and question.entry_id in answerer.knowledge.by_id:
        return answerer.knowledge.by_id[question.entry_id]
    answer = answerer.answer(question.text, question.card)
    if answer.entry is not None or answer.alternatives:
        return answer.entry or answer.alternatives[0].entry
    ranked = answerer.index.search(question.text, None, limit=1)
    return answerer.index.entries[ranked[0].position] if ranked else None


def group_missed(questions: list[Missed]) -> list[MissGroup]:
    """Greedy grouping: a question joins the first group whose first wording it resembles; groups by
    size, largest first."""
    by_wording = Counter(_key(q.text) for q in questions)
    ordered = sorted(questions, key=lambda q: (-by_wording[_key(q.text)], q.id))
    groups: list[list[Missed]] = []
    for question in ordered:
        key = _key(question.text)
        home = next((g for g in groups if fuzz.ratio(key, _key(g[0].text)) >= SIMILAR), None)
        if home is None:
            groups.append([question])
        else:
            home.append(question)
    groups.sort(key=lambda g: (-len(g), g[0].id))
    return [MissGroup(tuple(g)) for g in groups]


def group_of(groups: list[MissGroup], question_id: int) -> MissGroup | None:
    return next((g for g in groups if any(q.id == question_id for q in g.questions)), None)


async def mark_handled(session: AsyncSession, group: MissGroup, by: int, now: datetime) -> None:
    for question in group.questions:
        await session.merge(HandledQuestion(question_id=question.id, handled_by=by, handled_at=now))
