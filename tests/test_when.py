"""Typed dates and times, pure: the conventions of bot/booking/when.py at month and year ends."""

from __future__ import annotations

from datetime import date

import pytest

from bot.booking.when import parse_when

SUNDAY = date(2026, 12, 27)
NEW_YEARS_EVE = date(2026, 12, 31)


@pytest.mark.parametrize(
    ("today", "typed", "day", "at"),
    [
        (NEW_YEARS_EVE, "1月2日", date(2027, 1, 2), None),  # no year: the next one ahead
        (NEW_YEARS_EVE, "明天早上8点", date(2027, 1, 1), "08:00"),
        (NEW_YEARS_EVE, "5号", date(2027, 1, 5), None),  # a day of the month: next month's once past
        (NEW_YEARS_EVE, "下周一", date(2027, 1, 4), None),
        (SUNDAY, "周日", SUNDAY, None),  # a bare weekday that is today means today
        (SUNDAY, "next Sunday", date(2027, 1, 3), None),  # "next" never means today
        (SUNDAY, "下周日", date(2027, 1, 3), None),
        (SUNDAY, "这周六", None, None),  # this week's Saturday has passed
        (SUNDAY, "3pm", None, "15:00"),  # a time alone: the day comes from the form
        (SUNDAY, "Jan 3rd 2027 9:30am", date(2027, 1, 3), "09:30"),
        (SUNDAY, "3 January at 14:00", date(2027, 1, 3), "14:00"),
        (SUNDAY, "２０２７－０１－０３　１５：３０", date(2027, 1, 3), "15:30"),  # full-width
    ],
)
def test_dates_and_times(today: date, typed: str, day: date | None, at: str | None) -> None:
    parsed = parse_when(typed, today)
    if day is None and at is None:
        assert parsed.error is not None and "已经过去" in parsed.error.of("zh")
        return
    assert parsed.error is None, parsed.error
    assert (parsed.day, parsed.at) == (day, at)
