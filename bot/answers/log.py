"""Every question asked, what the bot did with it, and the holder's vote on the answer."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, insert, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.answers.qa import Answer
from db.models import QuestionLog, Vote
from db.session import Database

log = logging.getLogger(__name__)


def question_row(user_id: int, card: str | None, answer: Answer, now: datetime) -> dict[str, Any]:
    entry = answer.entry
    return {
        "user_id": user_id,
        "text": answer.question,
        "card": card,
        "entry_id": entry.id if entry else None,
        "score": answer.score,
        "answered": LOGGED_OUTCOME[answer.outcome][1],
        "outcome": LOGGED_OUTCOME[answer.outcome][0],
        "created_at": now,
    }


# How each outcome is logged, and whether it counts as answered: unsure offered suggestions; declined is not
# covered (statistics count it); an overview of the card's services answers what was asked (it is no gap in
# the knowledge for /unanswered to list).
LOGGED_OUTCOME = {
    "answer": ("answered", True),
    "unsure": ("unsure", False),
    "not_covered": ("declined", False),
    "overview": ("overview", True),
}


async def log_question(
    session: AsyncSession, user_id: int, card: str | None, answer: Answer, now: datetime
) -> QuestionLog:
    """Written now, in the caller's transaction."""
    row = QuestionLog(**question_row(user_id, card, answer, now))
    session.add(row)
    await session.flush()
    return row


class QuestionLogWriter:
    """The question log written behind the reply: a question's id is known at once (votes, hand-overs and
    "did you mean" buttons carry it), its row is written with others in one statement a moment later.

    Ids: on PostgreSQL blocks of the table's own sequence (several instances never collide); on SQLite,
    where only one process may run the bot (`InstanceLock`), counted on from the largest id. A vote or
    hand-over on a question still waiting writes it first (`written`); shutdown writes what is left. A
    question whose user was forgotten meanwhile is dropped (the others are still written).
    """

    BLOCK = 100
    WRITE_AFTER_SECONDS = 0.2

    def __init__(self, db: Database) -> None:
        self.db = db
        self._ids: Iterator[int] = iter(())
        self._pending: dict[int, dict[str, Any]] = {}
        self._reserving = asyncio.Lock()
        self._writing = asyncio.Lock()
        self._writer: asyncio.Task[None] | None = None

    async def add(self, user_id: int, card: str | None, answer: Answer, now: datetime) -> int:
        question_id = await self._next_id()
        self._pending[question_id] = {"id": question_id, **question_row(user_id, card, answer, now)}
        if self._writer is None or self._writer.done():
            self._writer = asyncio.get_running_loop().create_task(self._write_soon())
        return question_id

    async def written(self, question_id: int) -> None:
        if question_id in self._pending:
            await self.flush()

    async def flush(self) -> None:
        async with self._writing:
            rows = list(self._pending.values())
            if not rows:
                return
            try:
                async with self.db.session() as session:
                    await session.execute(insert(QuestionLog), rows)
            except IntegrityError:  # someone used /forget meanwhile: write the others one by one
                for row in rows:
                    try:
                        async with self.db.session() as session:
                            await session.execute(insert(QuestionLog), [row])
                    except IntegrityError:
                        log.info("question %s dropped: its user is gone", row["id"])
            for row in rows:
                self._pending.pop(row["id"], None)

    async def _write_soon(self) -> None:
        while self._pending:
            await asyncio.sleep(self.WRITE_AFTER_SECONDS)
            try:
                await self.flush()
            except Exception:  # the database is down: keep the rows and try again
                log.warning("question log not written; retrying", exc_info=True)

    async def _next_id(self) -> int:
        for question_id in self._ids:
            return question_id
        async with self._reserving:
            for question_id in self._ids:  # another task reserved while this one waited
                return question_id
            self._ids = iter(await self._reserve())
            return next(self._ids)

    async def _reserve(self) -> list[int]:
        async with self.db.session() as session:
            if self.db.engine.dialect.name == "postgresql":
                rows = await session.execute(
                    text(
                        "SELECT nextval(pg_get_serial_sequence('questions', 'id')) FROM generate_series(1, :n)"
                    ),
                    {"n": self.BLOCK},
                )
                return [int(value) for value in rows.scalars()]
            largest = (await session.execute(select(func.max(QuestionLog.id)))).scalar() or 0
        start = max([largest, *self._pending]) + 1
        return list(range(start, start + self.BLOCK))


async def own_question(session: AsyncSession, question_id: int, user_id: int) -> QuestionLog | None:
    """The question, only if this user asked it: callback data can be forged, ownership cannot."""
    row = await session.get(QuestionLog, question_id)
    return row if row is not None and row.user_id == user_id else None


async def record_vote(
    session: AsyncSession, question_id: int, user_id: int, value: int, now: datetime
) -> bool:
    if value not in (1, -1) or await own_question(session, question_id, user_id) is None:
        return False
    vote = (
        await session.execute(select(Vote).where(Vote.question_id == question_id, Vote.user_id == user_id))
    ).scalar_one_or_none()
    if vote is None:
        session.add(Vote(question_id=question_id, user_id=user_id, value=value, at=now))
    else:
        vote.value, vote.at = value, now
    return True


async def purge_questions(session: AsyncSession, before: datetime) -> int:
    """Delete questions asked before `before` (their votes go with them); returns how many."""
    result = await session.execute(delete(QuestionLog).where(QuestionLog.created_at < before))
    return int(result.rowcount or 0)
