"""The persistent outbox: a notification is a row written with the change it announces, then sent by a job
and retried with back-off until Telegram takes it. A crash between commit and send loses nothing."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import OutboxMessage

MAX_BACKOFF = timedelta(minutes=10)


async def enqueue(
    session: AsyncSession,
    chat_id: int,
    text: str,
    now: datetime,
    buttons: list[list[tuple[str, str]]] | None = None,
    document: str | None = None,
) -> None:
    session.add(
        OutboxMessage(
            chat_id=chat_id,
            text=text,
            buttons=[[list(b) for b in row] for row in buttons] if buttons else None,
            document=document,
            created_at=now,
            next_attempt_at=now,
            attempts=0,
        )
    )


async def due(session: AsyncSession, now: datetime, limit: int = 50) -> list[OutboxMessage]:
    rows = await session.execute(
        select(OutboxMessage)
        .where(OutboxMessage.sent_at.is_(None), OutboxMessage.next_attempt_at <= now)
        .order_by(OutboxMessage.id)
        .limit(limit)
    )
    return list(rows.scalars())


def failed(message: OutboxMessage, now: datetime) -> None:
    message.attempts += 1
    message.next_attempt_at = now + min(timedelta(seconds=2**message.attempts), MAX_BACKOFF)
