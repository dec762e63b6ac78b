"""The rules of knowledge/bookings.yaml at their edges, table-driven."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.booking.rules import (
    bookable_days,
    check_time,
    free_slots,
    opening_text,
    quota_violation,
    service_year,
    slot_starts,
)
from bot.kb.loader import KnowledgeBase
from bot.kb.schema import BookingType, Opening

SH = ZoneInfo("Asia/Shanghai")


def local(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=SH)


@pytest.fixture(scope="module")
def airport(shipped: KnowledgeBase) -> BookingType:
    return shipped.booking_types["airport"]


@pytest.fixture(scope="module")
def hospital(shipped: KnowledgeBase) -> BookingType:
    return shipped.booking_types["hospital"]


@pytest.mark.parametrize(
    ("kind", "flight", "now", "codes"),
    [
        ("domestic-departure", "2026-11-23 12:00", "2026-11-23 10:00", []),  # exactly 2 h ahead: allowed
        ("domestic-departure", "2026-11-23 12:00", "2026-11-23 10:01", ["too_late"]),  # one minute inside
        ("domestic-arrival", "2026-11-23 12:00", "2026-11-23 09:59", []),
        ("intl-departure", "2026-11-23 12:00", "2026-11-23 09:00", []),  # exactly 3 h
        ("intl-arrival", "2026-11-23 12:00", "2026-11-23 09:01", ["too_late"]),
        ("intl-arrival", "2026-11-23 08:00", "2026-11-23 09:00", ["in_past"]),  # the flight has gone
        ("domestic-departure", "2027-02-21 12:00", "2026-11-23 10:00", []),  # the 90th day
        ("domestic-departure", "2027-02-22 12:00", "2026-11-23 10:00", ["too_far"]),
        ("intl-departure", "2027-01-01 06:00", "2026-12-31 23:00", []),  # across the new year
    ],
)
def test_airport_notice_and_horizon(
    airport: BookingType, kind: str, flight: str, now: str, codes: list[str]
) -> None:
    found = check_time(airport, airport.kind(kind), local(flight), local(now))  # type: ignore[arg-type]
    assert [v.code for v in found] == codes


@pytest.mark.parametrize(
    ("slot", "now", "codes"),
    [
        ("2026-11-24 10:00", "2026-11-23 10:00", []),  # exactly 24 h
        ("2026-11-24 10:00", "2026-11-23 10:01", ["too_late"]),
        ("2026-11-23 15:00", "2026-11-23 09:00", ["too_late"]),  # same day: call instead
        ("2026-12-07 08:00", "2026-11-23 10:00", []),  # 14 days ahead
        ("2026-12-08 08:00", "2026-11-23 10:00", ["too_far"]),
        ("2026-11-28 09:00", "2026-11-23 10:00", ["closed"]),  # Saturday
        ("2026-11-25 12:00", "2026-11-23 10:00", ["closed"]),  # lunch break
        ("2026-11-25 17:00", "2026-11-23 10:00", []),  # the last slot, 17:00-17:30
        ("2026-11-25 17:30", "2026-11-23 10:00", ["closed"]),
        ("2026-11-25 09:15", "2026-11-23 10:00", ["off_slot"]),
    ],
)
def test_hospital_notice_horizon_and_hours(
    hospital: BookingType, slot: str, now: str, codes: list[str]
) -> None:
    found = check_time(hospital, hospital.kind("zhongyi"), local(slot), local(now))  # type: ignore[arg-type]
    assert [v.code for v in found] == codes


def test_closed_says_the_opening_hours_in_the_readers_language(hospital: BookingType) -> None:
    saturday, now = local("2026-11-28 09:00"), local("2026-11-23 10:00")
    [closed] = check_time(hospital, hospital.kind("zhongyi"), saturday, now)  # type: ignore[arg-type]
    assert closed.text.of("zh") == "该时间不在服务时间内（周一至周五 08:00–12:00、14:00–17:30）。"
    assert closed.text.of("en") == "That time is outside opening hours (Mon–Fri 08:00–12:00, 14:00–17:30)."
    apart = Opening.model_validate({"weekdays": [1, 3, 6], "periods": [["09:00", "11:30"]]})
    assert opening_text(apart).of("zh") == "周一、周三、周六 09:00–11:30"
    assert opening_text(apart).of("en") == "Mon, Wed, Sat 09:00–11:30"


def test_same_day_hospital_request_gives_the_green_channel_phone(hospital: BookingType) -> None:
    [violation] = check_time(
        hospital,
        hospital.kind("zhongyi"),
        local("2026-11-23 15:00"),  # type: ignore[arg-type]
        local("2026-11-23 09:00"),
    )
    phone = hospital.kind("zhongyi").phone  # type: ignore[union-attr]
    assert phone and phone in violation.text.of("zh") and phone in violation.text.of("en")


def test_a_31_december_booking_for_a_1_january_flight_counts_in_the_new_year() -> None:
    booked_on = datetime(2026, 12, 31, 15, 0, tzinfo=UTC)  # 23:00 in Shanghai
    flight = datetime(2027, 1, 1, 6, 0, tzinfo=SH)
    assert booked_on.astimezone(SH).year == 2026 and service_year(flight) == 2027


@pytest.mark.parametrize(("used", "blocked"), [(0, False), (1, False), (2, True), (3, True)])
def test_the_yearly_quota(airport: BookingType, hospital: BookingType, used: int, blocked: bool) -> None:
    assert (quota_violation(airport, used) is not None) == blocked
    assert quota_violation(hospital, used) is None  # the hospital channel has no yearly quota


def test_slots_of_a_day_and_the_last_free_seat(hospital: BookingType) -> None:
    day = date(2026, 11, 25)
    starts = slot_starts(hospital, day, SH)
    assert (
        len(starts) == 8 + 7
        and starts[0] == local("2026-11-25 08:00")
        and starts[-1] == local("2026-11-25 17:00")
    )
    now = local("2026-11-23 10:00")
    kind = hospital.kind("renmin")
    one_left = {starts[0]: 1}
    assert starts[0] in free_slots(hospital, kind, day, now, SH, one_left)  # type: ignore[arg-type]
    full = {starts[0]: 2}
    assert starts[0] not in free_slots(hospital, kind, day, now, SH, full)  # type: ignore[arg-type]
    assert slot_starts(hospital, date(2026, 11, 29), SH) == []  # Sunday


def test_the_date_picker_offers_only_allowed_days(airport: BookingType, hospital: BookingType) -> None:
    now = local("2026-11-23 16:00")  # Monday afternoon
    days = bookable_days(hospital, hospital.kind("dier"), now, SH)  # type: ignore[arg-type]
    assert days[0] == date(2026, 11, 24) and date(2026, 11, 28) not in days and days[-1] == date(2026, 12, 7)
    late = local("2026-11-23 21:30")
    airport_days = bookable_days(airport, airport.kind("intl-departure"), late, SH)  # type: ignore[arg-type]
    assert airport_days[0] == date(2026, 11, 24)  # 23:59 is under 3 h away
    assert bookable_days(airport, airport.kind("domestic-arrival"), late, SH)[0] == date(2026, 11, 23)  # type: ignore[arg-type]
