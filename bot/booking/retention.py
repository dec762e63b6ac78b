"""Retention: what the bot keeps about people is erased once it is no longer needed (RETENTION_DAYS).

A closed booking (its appointment passed, or cancelled or rejected) loses its form fields (names, phone,
plates, flight) that long after it closed; its number, type, time, status and quota use stay, so the
yearly quota and the statistics still hold. Questions (with their votes) and hand-overs that old are
deleted, and so are outbox messages, which repeat the notices' text.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Text, and_, cast, delete, or_, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.answers.handover import purge_handovers
from bot.answers.log import purge_questions
from db.models import Booking, OutboxMessage

log = logging.getLogger(__name__)
CLOSED = ("cancelled", "rejected")


@dataclass(frozen=True)
class Purged:
    bookings: int
    questions: int
    handovers: int
    outbox: int


async def erase_closed_bookings(session: AsyncSession, before: datetime) -> int:
    """Blank the form fields of bookings closed before `before`; returns how many were blanked."""
    closed_before = or_(
        Booking.starts_at < before,
        and_(Booking.status.in_(CLOSED), Booking.decided_at < before),
    )
    result = await session.execute(
        # JSON has no equality operator on PostgreSQL: compare the stored text (an empty form is "{}").
        update(Booking).where(closed_before, cast(Booking.fields, Text) != "{}").values(fields={})
    )
    return int(result.rowcount or 0)


async def purge(session: AsyncSession, now: datetime, keep: timedelta) -> Purged:
    before = now - keep
    purged = Purged(
        bookings=await erase_closed_bookings(session, before),
        questions=await purge_questions(session, before),
        handovers=await purge_handovers(session, before),
        outbox=int(
            (await session.execute(delete(OutboxMessage).where(OutboxMessage.created_at < before))).rowcount
            or 0
        ),
    )
    log.info(
        "retention: %d bookings erased, %d questions, %d hand-overs and %d outbox messages deleted",
        purged.bookings,
        purged.questions,
        purged.handovers,
        purged.outbox,
    )
    return purged
