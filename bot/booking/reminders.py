"""Reminders before appointments, kept as rows: scheduled on confirmation, claimed once, sent, or dropped.

Exactly once: a sender first *claims* the row (one UPDATE that only succeeds while it is scheduled), commits,
then sends, then marks it sent. Two instances, or a double-fired job, cannot both claim it. A crash after
the claim and before "sent" leaves it claimed; after CLAIM_LEASE it is claimable again, so nothing is lost.
The one duplicate left possible: Telegram accepted the message and the process died before marking it sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, or_, select, true, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.kb.schema import BookingType
from bot.texts import Lang, t
from db.models import Booking, Reminder, User

CLAIM_LEASE = timedelta(minutes=5)
STAFF_ACTION_WITHIN = timedelta(hours=1)


def schedule_for(session: AsyncSession, booking: Booking, booking_type: BookingType) -> list[Reminder]:
    rows = [
        Reminder(
            booking_id=booking.id,
            offset_minutes=minutes,
            status="scheduled",
            due_at=booking.starts_at - timedelta(minutes=minutes),
        )
        for minutes in booking_type.reminder_offsets_minutes
    ]
    session.add_all(rows)
    return rows


async def cancel_for(session: AsyncSession, booking_id: int) -> list[int]:
    """Cancel the booking's pending reminders; returns their ids (their scheduler jobs go too)."""
    ids = list(
        (
            await session.execute(
                select(Reminder.id).where(Reminder.booking_id == booking_id, Reminder.status == "scheduled")
            )
        ).scalars()
    )
    if ids:
        await session.execute(update(Reminder).where(Reminder.id.in_(ids)).values(status="cancelled"))
    return ids


def _claimable(now: datetime):  # type: ignore[no-untyped-def]
    return or_(
        Reminder.status == "scheduled",
        and_(Reminder.status == "sending", Reminder.claimed_at < now - CLAIM_LEASE),
    )


async def claim(
    session: AsyncSession, reminder_id: int, now: datetime, booking_id: int | None = None
) -> tuple[Booking, User | None] | None:
    """Take the reminder for sending; returns its booking and holder, or None if it is not ours to send
    (also when `booking_id`, carried by the job, is not the reminder's booking)."""
    same_booking = Reminder.booking_id == booking_id if booking_id is not None else true()
    claimed = (
        await session.execute(
            update(Reminder)
            .where(Reminder.id == reminder_id, same_booking, _claimable(now))
            .values(status="sending", claimed_at=now)
            .returning(Reminder.booking_id)
        )
    ).scalar_one_or_none()
    if claimed is None:
        return None
    row = (
        await session.execute(
            select(Booking, User).outerjoin(User, User.id == Booking.user_id).where(Booking.id == claimed)
        )
    ).one()
    return row[0], row[1]


async def finish(session: AsyncSession, reminder_id: int, status: str, now: datetime) -> None:
    """sent, dropped, or back to scheduled when the send failed (tried again by the next start or job)."""
    values: dict[str, object] = {"status": status}
    if status == "sent":
        values["sent_at"] = now
    await session.execute(update(Reminder).where(Reminder.id == reminder_id).values(**values))


async def restorable(session: AsyncSession, now: datetime) -> list[tuple[int, int, datetime]]:
    """(reminder id, booking id, due) of every reminder still to send."""
    rows = await session.execute(
        select(Reminder.id, Reminder.booking_id, Reminder.due_at)
        .where(_claimable(now))
        .order_by(Reminder.due_at)
    )
    return [(rid, bid, due) for rid, bid, due in rows.all()]


@dataclass(frozen=True)
class Upcoming:
    reminder: Reminder
    booking: Booking


async def upcoming_for(session: AsyncSession, user_id: int, now: datetime) -> list[Upcoming]:
    rows = await session.execute(
        select(Reminder, Booking)
        .join(Booking, Booking.id == Reminder.booking_id)
        .where(Booking.user_id == user_id, Reminder.status == "scheduled", Reminder.due_at > now)
        .order_by(Reminder.due_at)
    )
    return [Upcoming(r, b) for r, b in rows.all()]


async def mute(session: AsyncSession, reminder_id: int, user_id: int) -> bool:
    """Only the holder's own scheduled reminder; the caller removes its scheduler job."""
    reminder = await session.get(Reminder, reminder_id)
    if reminder is None or reminder.status != "scheduled":
        return False
    booking = await session.get(Booking, reminder.booking_id)
    if booking is None or booking.user_id != user_id:
        return False
    reminder.status = "muted"
    return True


def reminder_text(booking: Booking, booking_type: BookingType, lang: Lang, zone: ZoneInfo) -> str:
    kind = booking_type.kind(booking.kind)
    start = booking.starts_at.astimezone(zone)
    what = booking_type.describe(booking.kind, lang)
    lines = [t("reminder", lang, id=booking.id, what=what, at=f"{start:%Y-%m-%d %H:%M}")]
    if kind is not None and kind.service_point:
        lines.append(t("reminder_point", lang, point=kind.service_point))
    if kind is not None and kind.phone:
        lines.append(t("reminder_phone", lang, name=kind.specialist or "", phone=kind.phone))
    if booking_type.changes_contact:
        lines.append(t("reminder_changes", lang, contact=booking_type.changes_contact))
    return "\n".join(lines)


async def day_agenda(session: AsyncSession, start: datetime, end: datetime) -> list[Booking]:
    rows = await session.execute(
        select(Booking)
        .where(
            Booking.starts_at >= start, Booking.starts_at < end, Booking.status.in_(("pending", "confirmed"))
        )
        .order_by(Booking.starts_at)
    )
    return list(rows.scalars())


async def waiting_for_staff(session: AsyncSession, now: datetime) -> list[Booking]:
    """Pending bookings no staff member acted on within an hour of being posted (or raised again)."""
    since = now - STAFF_ACTION_WITHIN
    rows = await session.execute(
        select(Booking)
        .where(
            Booking.status == "pending",
            Booking.created_at <= since,
            or_(Booking.raised_at.is_(None), Booking.raised_at <= since),
        )
        .order_by(Booking.id)
    )
    return list(rows.scalars())
