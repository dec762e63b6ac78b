"""The persistent outbox: a notification is a row written with the change it announces, then sent by a job
and retried with back-off until Telegram takes it. A crash between commit and send loses nothing."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select
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
    document_name: str | None = None,
    not_before: datetime | None = None,
) -> None:
    """`not_before`: held back until then (a staff rejection waits out its undo window)."""
    session.add(
        OutboxMessage(
            chat_id=chat_id,
            text=text,
            buttons=[[list(b) for b in row] for row in buttons] if buttons else None,
            document=document,
            document_name=document_name,
            created_at=now,
            next_attempt_at=not_before or now,
            attempts=0,
        )
    )


async def withdraw(session: AsyncSession, chat_id: int, created_at: datetime) -> bool:
    """Take back a held notice that has not gone out yet (an undone rejection)."""
    result = await session.execute(
        delete(OutboxMessage).where(
            OutboxMessage.chat_id == chat_id,
            OutboxMessage.created_at == created_at,
            OutboxMessage.sent_at.is_(None),
        )
    )
    return bool(result.rowcount)


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
