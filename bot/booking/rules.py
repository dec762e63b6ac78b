"""The booking rules of knowledge/bookings.yaml, applied. Pure: no database, no clock of its own.

Every time here is aware: `now` in UTC (or any zone), appointment times in the rules' zone (TIMEZONE).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.kb.schema import BookingKind, BookingType, Opening
from bot.texts import Listed, Text, Weekday


@dataclass(frozen=True)
class Violation:
    code: str  # in_past | too_late | too_far | closed | off_slot | full | quota
    text: Text  # why, and what to do instead, in the reader's language


def min_notice(booking: BookingType, kind: BookingKind) -> timedelta:
    minutes = kind.min_notice_minutes if kind.min_notice_minutes is not None else booking.min_notice_minutes
    return timedelta(minutes=minutes or 0)


def _hours(minutes: timedelta) -> str:
    hours = minutes.total_seconds() / 3600
    return f"{hours:g}"


def last_day(booking: BookingType, now: datetime, zone: ZoneInfo) -> date:
    return now.astimezone(zone).date() + timedelta(days=booking.horizon_days)


def is_open(booking: BookingType, start: datetime) -> bool:
    """For slot bookings: the slot lies inside an opening period of an opening weekday."""
    opening = booking.opening
    if opening is None:
        return True
    if start.isoweekday() not in opening.weekdays:
        return False
    end = (start + timedelta(minutes=booking.slot_minutes or 0)).time()
    begins = start.time()
    return any(a <= begins and end <= b and end > begins for a, b in opening.periods)


def opening_text(opening: Opening) -> Text:
    """The opening hours as people write them, from the data: 周一至周五 08:00–12:00、14:00–17:30 (Mon–Fri
    08:00–12:00, 14:00–17:30)."""
    days = sorted(opening.weekdays)
    consecutive = days == list(range(days[0], days[-1] + 1)) and len(days) > 2
    names = (
        Text("weekday_range", {"first": Weekday(days[0]), "last": Weekday(days[-1])})
        if consecutive
        else Listed(tuple(Weekday(d) for d in days))
    )
    periods = Listed(tuple(f"{a:%H:%M}–{b:%H:%M}" for a, b in opening.periods))
    return Text("opening_hours", {"days": names, "periods": periods})


def slot_starts(booking: BookingType, day: date, zone: ZoneInfo) -> list[datetime]:
    """Every slot of a day in opening hours (none on closed days)."""
    if (
        booking.opening is None
        or booking.slot_minutes is None
        or day.isoweekday() not in booking.opening.weekdays
    ):
        return []
    step = timedelta(minutes=booking.slot_minutes)
    starts = []
    for begin, end in booking.opening.periods:
        current = datetime.combine(day, begin, zone)
        closing = datetime.combine(day, end, zone)
        while current + step <= closing:
            starts.append(current)
            current += step
    return starts


def check_time(booking: BookingType, kind: BookingKind, start: datetime, now: datetime) -> list[Violation]:
    """Why this appointment time cannot be booked now; empty when it can."""
    zone = start.tzinfo
    assert isinstance(zone, ZoneInfo), "appointment times carry the rules' zone"
    if start <= now:
        return [Violation("in_past", Text("rule_in_past"))]
    problems = []
    notice = min_notice(booking, kind)
    if start - now < notice:
        if booking.timing == "slots":
            why = Text(
                "rule_too_late_slots", {"hours": _hours(notice), "hospital": kind.title, "phone": kind.phone}
            )
        else:
            why = Text(
                "rule_too_late_typed",
                {"hours": _hours(notice), "service": kind.title, "contact": booking.changes_contact or ""},
            )
        problems.append(Violation("too_late", why))
    if start.date() > last_day(booking, now, zone):
        last = f"{last_day(booking, now, zone)}"
        problems.append(Violation("too_far", Text("too_far", {"days": booking.horizon_days, "last": last})))
    if booking.timing == "slots":
        if booking.opening is not None and not is_open(booking, start):
            problems.append(
                Violation("closed", Text("rule_closed", {"hours": opening_text(booking.opening)}))
            )
        elif start not in slot_starts(booking, start.date(), zone):
            problems.append(Violation("off_slot", Text("rule_off_slot")))
    return problems


def service_year(start: datetime) -> int:
    """Quotas count per calendar year of the service date (in the rules' zone), not of the booking date."""
    return start.year


def quota_violation(booking: BookingType, used: int) -> Violation | None:
    if booking.yearly_quota is not None and used >= booking.yearly_quota:
        return Violation("quota", Text("rule_quota", {"quota": booking.yearly_quota}))
    return None


def full_violation() -> Violation:
    return Violation("full", Text("rule_full"))


def bookable_days(booking: BookingType, kind: BookingKind, now: datetime, zone: ZoneInfo) -> list[date]:
    """Days the date picker offers: slot bookings need a slot passing every rule; typed times need some
    time of the day far enough ahead."""
    today = now.astimezone(zone).date()
    days = [today + timedelta(days=n) for n in range(booking.horizon_days + 1)]
    if booking.timing == "slots":
        return [
            d
            for d in days
            if any(not check_time(booking, kind, s, now) for s in slot_starts(booking, d, zone))
        ]
    last_minute = timedelta(hours=23, minutes=59)
    return [
        d for d in days if datetime.combine(d, time(), zone) + last_minute - now >= min_notice(booking, kind)
    ]


def free_slots(
    booking: BookingType,
    kind: BookingKind,
    day: date,
    now: datetime,
    zone: ZoneInfo,
    taken: Mapping[datetime, int],
) -> list[datetime]:
    """Slots of the day that pass every rule and still have a seat (`taken`: bookings per slot start)."""
    capacity = booking.capacity_per_slot or 0
    return [
        s
        for s in slot_starts(booking, day, zone)
        if not check_time(booking, kind, s, now) and taken.get(s, 0) < capacity
    ]
