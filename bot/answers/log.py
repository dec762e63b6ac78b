"""Every question asked, what the bot did with it, and the holder's vote on the answer."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.answers.qa import Answer
from db.models import QuestionLog, Vote

# How each outcome is logged: unsure offered suggestions; declined is not covered (statistics count it).
LOGGED_OUTCOME = {"answer": "answered", "unsure": "unsure", "not_covered": "declined"}


async def log_question(
    session: AsyncSession, user_id: int, card: str | None, answer: Answer, now: datetime
) -> QuestionLog:
    entry = answer.entry
    row = QuestionLog(
        user_id=user_id,
        text=answer.question,
        card=card,
        entry_id=entry.id if entry else None,
        score=answer.score,
        answered=answer.answered,
        outcome=LOGGED_OUTCOME[answer.outcome],
        created_at=now,
    )
    session.add(row)
    await session.flush()
    return row


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
