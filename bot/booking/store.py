"""Bookings in the database: placing one within quota and capacity under concurrency, deciding, cancelling.

Limits hold by constraint, not by check-then-insert: a quota use and a slot seat are rows numbered
1..limit under a primary key. Two racers for the last one pick the same number; one commit fails with an
integrity error and that transaction is retried, now seeing the limit reached. Works alike on SQLite and
PostgreSQL.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.booking.rules import Violation, check_time, full_violation, quota_violation, service_year
from bot.kb.schema import BookingType
from db.models import Booking, CardHolder, QuotaUse, SlotSeat
from db.session import Database

ATTEMPTS = 12  # a lost race is retried; each retry sees more of the winners' rows
ACTIVE = ("pending", "confirmed")


class BookingBusy(Exception):
    """Still losing races after every retry: the caller asks the user to try again."""


@dataclass(frozen=True)
class BookingRequest:
    user_id: int
    chat_id: int
    card_number: str
    kind: str
    starts_at: datetime  # aware, in the rules' zone
    fields: dict[str, str]
    request_key: str


@dataclass(frozen=True)
class Placed:
    booking: Booking | None
    violations: tuple[Violation, ...] = ()
    duplicate: bool = False


def _lowest_free(taken: set[int], limit: int) -> int | None:
    return next((n for n in range(1, limit + 1) if n not in taken), None)


async def quota_used(session: AsyncSession, booking_type: BookingType, card_number: str, year: int) -> int:
    return int(
        await session.scalar(
            select(func.count())
            .select_from(QuotaUse)
            .where(
                QuotaUse.card_number == card_number, QuotaUse.type == booking_type.id, QuotaUse.year == year
            )
        )
        or 0
    )


async def quota_year_of(session: AsyncSession, booking_id: int) -> int | None:
    """The service year whose quota the booking uses (None: it uses none, e.g. cancelled)."""
    return await session.scalar(select(QuotaUse.year).where(QuotaUse.booking_id == booking_id))


async def seats_taken(
    session: AsyncSession, booking_type: BookingType, kind: str, start: datetime, end: datetime
) -> dict[datetime, int]:
    rows = await session.execute(
        select(SlotSeat.starts_at, func.count())
        .where(
            SlotSeat.type == booking_type.id,
            SlotSeat.kind == kind,
            SlotSeat.starts_at >= start,
            SlotSeat.starts_at < end,
        )
        .group_by(SlotSeat.starts_at)
    )
    return {at: int(count) for at, count in rows.all()}


async def _free_numbers(
    session: AsyncSession, booking_type: BookingType, card_number: str, kind: str, starts_at: datetime
) -> tuple[int | None, int | None] | Violation:
    """The lowest free quota use and slot seat for a booking (None where the type has no such limit)."""
    use = seat = None
    if booking_type.yearly_quota is not None:
        taken = set(
            (
                await session.execute(
                    select(QuotaUse.use).where(
                        QuotaUse.card_number == card_number,
                        QuotaUse.type == booking_type.id,
                        QuotaUse.year == service_year(starts_at),
                    )
                )
            ).scalars()
        )
        use = _lowest_free(taken, booking_type.yearly_quota)
        if use is None:
            return quota_violation(booking_type, len(taken))  # type: ignore[return-value]
    if booking_type.capacity_per_slot is not None:
        taken = set(
            (
                await session.execute(
                    select(SlotSeat.seat).where(
                        SlotSeat.type == booking_type.id,
                        SlotSeat.kind == kind,
                        SlotSeat.starts_at == starts_at,
                    )
                )
            ).scalars()
        )
        seat = _lowest_free(taken, booking_type.capacity_per_slot)
        if seat is None:
            return full_violation()
    return use, seat


def _take(
    session: AsyncSession, booking_type: BookingType, booking: Booking, use: int | None, seat: int | None
) -> None:
    if use is not None:
        session.add(
            QuotaUse(
                card_number=booking.card_number,
                type=booking_type.id,
                year=service_year(booking.starts_at),
                use=use,
                booking_id=booking.id,
            )
        )
    if seat is not None:
        session.add(
            SlotSeat(
                type=booking_type.id,
                kind=booking.kind,
                starts_at=booking.starts_at,
                seat=seat,
                booking_id=booking.id,
            )
        )


async def _place_once(
    session: AsyncSession, booking_type: BookingType, request: BookingRequest, now: datetime
) -> Placed:
    existing = (
        await session.execute(select(Booking).where(Booking.request_key == request.request_key))
    ).scalar_one_or_none()
    if existing is not None:
        return Placed(existing, duplicate=True)
    kind = booking_type.kind(request.kind)
    assert kind is not None, "the form offers only known kinds"
    problems = check_time(booking_type, kind, request.starts_at, now)
    if problems:
        return Placed(None, tuple(problems))
    free = await _free_numbers(session, booking_type, request.card_number, request.kind, request.starts_at)
    if isinstance(free, Violation):
        return Placed(None, (free,))
    booking = Booking(
        user_id=request.user_id,
        chat_id=request.chat_id,
        card_number=request.card_number,
        type=booking_type.id,
        kind=request.kind,
        starts_at=request.starts_at,
        status="pending",
        fields=request.fields,
        request_key=request.request_key,
        created_at=now,
    )
    session.add(booking)
    await session.flush()
    _take(session, booking_type, booking, *free)
    await session.flush()
    return Placed(booking)


BeforePlacing = Callable[[AsyncSession], Awaitable[None]]
AfterPlacing = Callable[[AsyncSession, Booking], Awaitable[None]]


class _NotPlaced(Exception):
    """Rolls back what `before` did when the booking cannot be placed."""

    def __init__(self, placed: Placed) -> None:
        self.placed = placed


async def place_booking(
    db: Database,
    booking_type: BookingType,
    request: BookingRequest,
    now: datetime,
    before: BeforePlacing | None = None,
    also: AfterPlacing | None = None,
) -> Placed:
    """Place the booking in one transaction (retried when it loses a race). `before` runs first in the same
    transaction (a change frees the old booking's quota use and seat) and is undone if nothing is placed;
    `also` runs after a booking was placed: the outbox notification."""
    for attempt in range(ATTEMPTS):
        try:
            async with db.session() as session:
                if before is not None:
                    await before(session)
                placed = await _place_once(session, booking_type, request, now)
                if placed.booking is None:
                    raise _NotPlaced(placed)
                if also is not None and not placed.duplicate:
                    await also(session, placed.booking)
                return placed
        except _NotPlaced as refused:
            return refused.placed
        except (IntegrityError, OperationalError):  # a lost race, or SQLite's writer lock: try again
            await asyncio.sleep(random.uniform(0, 0.01 * (attempt + 1)))
    raise BookingBusy()


async def _free_limits(session: AsyncSession, booking: Booking) -> None:
    await session.execute(delete(QuotaUse).where(QuotaUse.booking_id == booking.id))
    await session.execute(delete(SlotSeat).where(SlotSeat.booking_id == booking.id))


async def own_booking(session: AsyncSession, booking_id: int, user_id: int) -> Booking | None:
    booking = await session.get(Booking, booking_id)
    return booking if booking is not None and booking.user_id == user_id else None


async def last_booking(session: AsyncSession, user_id: int, type_id: str) -> Booking | None:
    """The holder's latest booking of a type (its values are offered again: same phone, same car)."""
    return (
        await session.execute(
            select(Booking)
            .where(Booking.user_id == user_id, Booking.type == type_id)
            .order_by(Booking.created_at.desc(), Booking.id.desc())
            .limit(1)
        )
    ).scalar_one_or_none()


def changeable(booking: Booking, now: datetime) -> bool:
    """Pending or confirmed, and still ahead: the holder may change or cancel it."""
    return booking.status in ACTIVE and booking.starts_at > now


async def cancel(session: AsyncSession, booking_id: int, user_id: int, now: datetime) -> Booking | None:
    """The holder cancels an upcoming booking of their own; its quota use and seat are freed."""
    booking = await own_booking(session, booking_id, user_id)
    if booking is None or not changeable(booking, now):
        return None
    booking.status, booking.decided_at = "cancelled", now
    await _free_limits(session, booking)
    return booking


async def decide(
    session: AsyncSession, booking_id: int, approve: bool, reason: str | None, now: datetime
) -> Booking | None:
    """Staff confirm or reject a pending booking (None: not pending any more, e.g. decided by a colleague)."""
    booking = await session.get(Booking, booking_id, with_for_update=True)
    if booking is None or booking.status != "pending":
        return None
    booking.status, booking.reason, booking.decided_at = ("confirmed" if approve else "rejected"), reason, now
    if not approve:
        await _free_limits(session, booking)
    return booking


async def undo_rejection(
    session: AsyncSession, booking_type: BookingType, booking_id: int, now: datetime, window: timedelta
) -> Booking | Violation | None:
    """A rejection taken back within `window`: pending again, its quota use and seat taken again (a
    Violation when someone took them meanwhile; None when it is not a rejection within the window)."""
    booking = await session.get(Booking, booking_id, with_for_update=True)
    if booking is None or booking.status != "rejected" or booking.decided_at is None:
        return None
    if now - booking.decided_at > window:
        return None
    free = await _free_numbers(session, booking_type, booking.card_number, booking.kind, booking.starts_at)
    if isinstance(free, Violation):
        return free
    _take(session, booking_type, booking, *free)
    booking.status, booking.reason, booking.decided_at = "pending", None, None
    await session.flush()
    return booking


async def bookings_of(session: AsyncSession, user_id: int, limit: int | None = 20) -> list[Booking]:
    rows = await session.execute(
        select(Booking).where(Booking.user_id == user_id).order_by(Booking.starts_at.desc()).limit(limit)
    )
    return list(rows.scalars())


def anonymise(booking: Booking) -> None:
    """What stays of a forgotten holder's booking: card, type, time and status (the quota use and seat
    rows point at it), nothing that names or reaches the person."""
    booking.user_id, booking.chat_id, booking.fields = None, 0, {}


async def pending(session: AsyncSession) -> list[tuple[Booking, CardHolder | None]]:
    """Bookings waiting for a staff decision, soonest appointment first, with their holders."""
    rows = await session.execute(
        select(Booking, CardHolder)
        .outerjoin(CardHolder, CardHolder.card_number == Booking.card_number)
        .where(Booking.status == "pending")
        .order_by(Booking.starts_at, Booking.id)
    )
    return [(booking, holder) for booking, holder in rows]
