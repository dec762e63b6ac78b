"""A confirmed booking as an .ics calendar file."""

from __future__ import annotations

from datetime import datetime, timedelta

from icalendar import Alarm, Calendar, Event


def booking_ics(
    booking_id: int,
    title: str,
    start: datetime,
    duration: timedelta,
    location: str,
    description: str,
    reminders: list[int],
) -> str:
    calendar = Calendar()
    calendar.add("prodid", "-//cardbot//bookings//ZH")
    calendar.add("version", "2.0")
    event = Event()
    event.add("uid", f"booking-{booking_id}@cardbot")
    event.add("dtstamp", start)
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
    return calendar.to_ical().decode("utf-8")
