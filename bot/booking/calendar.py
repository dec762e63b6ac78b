"""A confirmed booking as an .ics calendar file (RFC 5545): one event per booking, its UID fixed by the
booking id (a calendar that imports it twice updates rather than duplicates), DTSTAMP the booking's
creation, and a VTIMEZONE for the TZID its times carry."""

from __future__ import annotations

from datetime import datetime, timedelta


def booking_uid(booking_id: int) -> str:
    return f"booking-{booking_id}@cardbot"


def booking_ics(
    booking_id: int,
    title: str,
    start: datetime,
    duration: timedelta,
    location: str,
    description: str,
    reminders: list[int],
    created: datetime,
) -> str:
    from icalendar import Alarm, Calendar, Event  # here: ~3 MiB resident, for confirmed bookings only

    calendar = Calendar()
    calendar.add("prodid", "-//cardbot//bookings//ZH")
    calendar.add("version", "2.0")
    event = Event()
    event.add("uid", booking_uid(booking_id))
    event.add("dtstamp", created)
    event.add("dtstart", start)
    event.add("dtend", start + duration)
    event.add("summary", title)
    event.add("location", location)
    event.add("description", description)
    for minutes in reminders:
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", title)
        alarm.add("trigger", timedelta(minutes=-minutes))
        event.add_component(alarm)
    calendar.add_component(event)
    calendar.add_missing_timezones()  # a VTIMEZONE for Asia/Shanghai, which DTSTART/DTEND name as TZID
    return calendar.to_ical().decode("utf-8")
