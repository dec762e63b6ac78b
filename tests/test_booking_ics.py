"""The .ics of a confirmed booking, parsed back with icalendar and held to RFC 5545's essentials."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar

from bot.booking.calendar import booking_ics, booking_uid
from tests.telegram_harness import STAFF_CHAT, Harness
from tests.test_telegram_booking import HOLDER, STAFFER, fill_airport, tap
from tests.test_telegram_booking import bot as bot  # noqa: F401  (the booking fixture, reused)

ZONE = ZoneInfo("Asia/Shanghai")
CREATED = datetime(2026, 11, 23, 2, 5, tzinfo=UTC)


def make(start: datetime) -> Calendar:
    text = booking_ics(
        7, "接机", start, timedelta(hours=1), "国内商务贵宾厅", "改期请致电", [1440, 120], CREATED
    )
    return Calendar.from_ical(text)


def test_the_event_declares_its_timezone_stamp_and_a_stable_uid() -> None:
    calendar = make(datetime(2026, 12, 1, 14, 30, tzinfo=ZONE))
    assert calendar["VERSION"] == "2.0" and calendar["PRODID"]
    [event] = calendar.walk("VEVENT")
    [timezone] = calendar.walk("VTIMEZONE")
    tzid = event["DTSTART"].params["TZID"]
    assert tzid == "Asia/Shanghai" and str(timezone["TZID"]) == tzid  # every TZID used is declared
    assert timezone.walk("STANDARD")  # with its offsets
    assert event.decoded("DTSTAMP") == CREATED  # when the booking was made, in UTC
    assert event["DTSTAMP"].to_ical().endswith(b"Z")
    assert event.decoded("DTSTART") == datetime(2026, 12, 1, 14, 30, tzinfo=ZONE)
    assert event.decoded("DTEND") - event.decoded("DTSTART") == timedelta(hours=1)
    assert [a.decoded("TRIGGER") for a in event.walk("VALARM")] == [
        timedelta(minutes=-1440),
        timedelta(minutes=-120),
    ]
    moved = make(datetime(2026, 12, 2, 9, 0, tzinfo=ZONE))
    [moved_event] = moved.walk("VEVENT")
    assert str(moved_event["UID"]) == str(event["UID"]) == booking_uid(7)  # a re-import updates the event


async def test_the_holder_gets_booking_id_ics_through_telegram(bot: Harness) -> None:  # noqa: F811
    await fill_airport(bot)
    await tap(bot, HOLDER, "✅ 确认提交")
    notice = bot.last_message(STAFF_CHAT)
    await bot.press(STAFFER, bot.button(notice, "st:ok:"), notice)
    [document] = [m["document"] for m in bot.fake.messages_to(HOLDER) if "document" in m]
    assert document["file_name"] == "booking-1.ics"  # named after the booking, not the outbox row
    uploaded = bot.fake.files[document["file_id"]]
    [event] = Calendar.from_ical(uploaded.content.decode("utf-8")).walk("VEVENT")
    assert str(event["UID"]) == booking_uid(1)
    assert event.decoded("DTSTART") == datetime(2026, 12, 1, 14, 30, tzinfo=ZONE)
    assert event.decoded("DTSTAMP") == bot.clock.now  # created when submitted (the clock did not move)
