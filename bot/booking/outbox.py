"""The persistent outbox: a notification is a row written with the change it announces, then sent by a job
and retried with back-off until Telegram takes it. A crash between commit and send loses nothing.

Delivery is at most once per sender and never lost: a sender first *claims* rows (PostgreSQL: `FOR UPDATE
SKIP LOCKED`; SQLite: the conditional UPDATE on `status`, with a lease), so the handlers' own drain, the
periodic job and other instances never send one row twice. A permanent refusal (the holder blocked the
bot, chat not found, bad request) or too many attempts turns the row into a dead letter at once, logged
and listed by `/outbox`; a 429 waits exactly as long as Telegram asks.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import OutboxMessage
from db.session import Database

log = logging.getLogger(__name__)

MAX_BACKOFF = timedelta(minutes=10)
MAX_ATTEMPTS = 30  # with the back-off capped at 10 minutes: about 3.7 hours of trying, then a dead letter
CLAIM_LEASE = timedelta(minutes=2)  # a claim older than this was left by a crash: the row is claimable again
BATCH = 50
PURGED = "—"  # what /forget leaves of a text that named the holder


@dataclass(frozen=True)
class SendFailure:
    """Why Telegram (or anything on the way) did not take a message; channels classify their errors."""

    reason: str
    permanent: bool = False  # never retried: blocked, chat not found, bad request
    retry_after: float | None = None  # seconds Telegram asked us to wait (429)


def backoff(attempts: int) -> timedelta:
    """2, 4, 8 ... seconds, capped; the exponent is capped first, so no attempt count can overflow."""
    return min(timedelta(seconds=2 ** min(max(attempts, 1), 16)), MAX_BACKOFF)


async def enqueue(
    session: AsyncSession,
    chat_id: int,
    text: str,
    now: datetime,
    buttons: list[list[tuple[str, str]]] | None = None,
    document: str | None = None,
    document_name: str | None = None,
    not_before: datetime | None = None,
    user_id: int | None = None,
) -> OutboxMessage:
    """`not_before`: held back until then (a staff rejection waits out its undo window). `user_id`: the
    holder whose personal data the message carries (purged by their /forget)."""
    message = OutboxMessage(
        chat_id=chat_id,
        text=text,
        buttons=[[list(b) for b in row] for row in buttons] if buttons else None,
        document=document,
        document_name=document_name,
        created_at=now,
        next_attempt_at=not_before or now,
        attempts=0,
        status="pending",
        user_id=user_id,
    )
    session.add(message)
    return message


async def withdraw(session: AsyncSession, chat_id: int, created_at: datetime) -> bool:
    """Take back a held notice that has not gone out yet (an undone rejection)."""
    result = await session.execute(
        delete(OutboxMessage).where(
            OutboxMessage.chat_id == chat_id,
            OutboxMessage.created_at == created_at,
            OutboxMessage.status == "pending",
        )
    )
    return bool(result.rowcount)


async def record_dead(
    session: AsyncSession, chat_id: int, text: str, reason: str, now: datetime, user_id: int | None = None
) -> None:
    """A message sent directly (an answer, a reminder, a re-post) that Telegram refused for good: kept as a
    dead letter, so it is listed by /outbox like the outbox's own."""
    session.add(
        OutboxMessage(
            chat_id=chat_id,
            text=text,
            created_at=now,
            next_attempt_at=now,
            attempts=1,
            status="dead",
            last_error=reason[:500],
            user_id=user_id,
        )
    )
    log.warning("dead letter for chat %s: %s", chat_id, reason)


def _claimable(now: datetime):  # type: ignore[no-untyped-def]
    return or_(
        and_(OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= now),
        and_(OutboxMessage.status == "sending", OutboxMessage.claimed_at < now - CLAIM_LEASE),
    )


async def claim_due(db: Database, now: datetime, limit: int = BATCH) -> list[OutboxMessage]:
    """Take up to `limit` due rows for this sender, oldest first; rows another sender holds are skipped."""
    async with db.session() as session:
        candidates = list(
            (
                await session.execute(
                    select(OutboxMessage.id)
                    .where(_claimable(now))
                    .order_by(OutboxMessage.id)
                    .limit(limit)
                    .with_for_update(skip_locked=True)  # PostgreSQL; SQLite has one writer anyway
                )
            ).scalars()
        )
        if not candidates:
            return []
        # The condition is checked again by the UPDATE itself: of two racing senders only one gets a row.
        claimed = list(
            (
                await session.execute(
                    update(OutboxMessage)
                    .where(OutboxMessage.id.in_(candidates), _claimable(now))
                    .values(status="sending", claimed_at=now)
                    .returning(OutboxMessage.id)
                )
            ).scalars()
        )
        rows = await session.execute(
            select(OutboxMessage).where(OutboxMessage.id.in_(claimed)).order_by(OutboxMessage.id)
        )
        return list(rows.scalars())


async def text_sent(db: Database, message_id: int, now: datetime) -> None:
    """The text went out; what is left (the .ics) is a step of its own."""
    async with db.session() as session:
        await session.execute(
            update(OutboxMessage).where(OutboxMessage.id == message_id).values(text_sent_at=now)
        )


async def sent(db: Database, message_id: int, now: datetime) -> None:
    async with db.session() as session:
        await session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message_id)
            .values(status="sent", sent_at=now, claimed_at=None)
        )


async def failed(db: Database, message_id: int, failure: SendFailure, now: datetime) -> str:
    """Record a failed attempt; returns the new status (pending: tried again later; dead: never again)."""
    async with db.session() as session:
        message = await session.get(OutboxMessage, message_id)
        if message is None:
            return "gone"
        message.attempts += 1
        message.last_error = failure.reason[:500]
        message.claimed_at = None
        if failure.permanent or message.attempts >= MAX_ATTEMPTS:
            message.status = "dead"
            log.warning(
                "outbox message %s to chat %s is a dead letter after %d attempt(s): %s",
                message.id,
                message.chat_id,
                message.attempts,
                failure.reason,
            )
        else:
            wait = (
                timedelta(seconds=failure.retry_after) if failure.retry_after else backoff(message.attempts)
            )
            message.status, message.next_attempt_at = "pending", now + wait
            log.info("outbox message %s not sent (%s); next try in %s", message.id, failure.reason, wait)
        return message.status


async def release(db: Database, message_ids: list[int], at: datetime) -> None:
    """Give claimed rows back untried (Telegram asked us to wait): no attempt is counted."""
    if not message_ids:
        return
    async with db.session() as session:
        await session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(message_ids), OutboxMessage.status == "sending")
            .values(status="pending", claimed_at=None, next_attempt_at=at)
        )


async def statuses(db: Database, message_ids: list[int]) -> dict[int, str]:
    async with db.session() as session:
        rows = await session.execute(
            select(OutboxMessage.id, OutboxMessage.status).where(OutboxMessage.id.in_(message_ids))
        )
        return {message_id: status for message_id, status in rows.all()}


async def dead_letters(session: AsyncSession, limit: int = 20) -> list[OutboxMessage]:
    rows = await session.execute(
        select(OutboxMessage)
        .where(OutboxMessage.status == "dead")
        .order_by(OutboxMessage.id.desc())
        .limit(limit)
    )
    return list(rows.scalars())


async def purge_user(session: AsyncSession, user_id: int) -> None:
    """/forget: unsent messages about the holder are dropped; sent and dead ones keep no personal text."""
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.user_id == user_id, OutboxMessage.status.in_(("pending", "sending")))
        .values(status="dropped", last_error="forgotten")
    )
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.user_id == user_id)
        .values(text=PURGED, document=None, buttons=None, user_id=None)
    )
