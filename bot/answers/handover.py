"""Hand-over to staff. A hand-over nobody answered within an hour is posted again (12345 hotline rule:
first response within 1 hour)."""

from __future__ import annotations

import html
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.answers.render import TELEGRAM_LIMIT, escaped_within, telegram_length
from bot.services import Services
from bot.texts import t
from db.models import Handover, HandoverPost, QuestionLog

FIRST_RESPONSE_WITHIN = timedelta(hours=1)


async def open_handover(
    session: AsyncSession, question: QuestionLog, chat_id: int, now: datetime
) -> Handover:
    """One hand-over per question: pressing the button twice does not post twice."""
    existing = (
        await session.execute(select(Handover).where(Handover.question_id == question.id))
    ).scalar_one_or_none()
    if existing is not None:
        return existing
    question.outcome = "handover"
    handover = Handover(
        user_id=question.user_id, chat_id=chat_id, question_id=question.id, text=question.text, created_at=now
    )
    session.add(handover)
    await session.flush()
    return handover


async def record_post(
    session: AsyncSession, handover: Handover, chat_id: int, message_id: int, now: datetime
) -> None:
    handover.last_posted_at = now
    session.add(HandoverPost(chat_id=chat_id, message_id=message_id, handover_id=handover.id))


async def handover_for_reply(session: AsyncSession, chat_id: int, message_id: int) -> Handover | None:
    post = await session.get(HandoverPost, (chat_id, message_id))
    return await session.get(Handover, post.handover_id) if post else None


def mark_replied(handover: Handover, now: datetime) -> None:
    if handover.first_reply_at is None:
        handover.first_reply_at = now


async def overdue(session: AsyncSession, now: datetime) -> list[Handover]:
    """Unanswered hand-overs posted over an hour ago, and any whose first posting failed."""
    rows = await session.execute(
        select(Handover)
        .where(
            Handover.first_reply_at.is_(None),
            or_(Handover.last_posted_at.is_(None), Handover.last_posted_at <= now - FIRST_RESPONSE_WITHIN),
        )
        .order_by(Handover.id)
    )
    return list(rows.scalars())


def staff_post_text(
    svc: Services, handover_id: int, first_name: str, card: str | None, question: str, prefix: str = ""
) -> str:
    """Staff see the first name and card, never a phone number; user text is escaped. A question too long
    for one message with its header is cut, with a note saying so (the whole text stays in the log)."""

    def post(question_html: str) -> str:
        body = t(
            "handover_post",
            "zh",
            id=handover_id,
            name=html.escape(first_name[:64]),
            card=html.escape(svc.card_name(card, "zh")),
            question=question_html,
        )
        return f"{prefix}\n{body}" if prefix else body

    room = TELEGRAM_LIMIT - telegram_length(post(""))
    return post(escaped_within(question, room, t("handover_cut", "zh", length=len(question))))


async def purge_handovers(session: AsyncSession, before: datetime) -> int:
    """Delete hand-overs opened before `before` (their staff-chat posts go with them); returns how many."""
    result = await session.execute(delete(Handover).where(Handover.created_at < before))
    return int(result.rowcount or 0)
