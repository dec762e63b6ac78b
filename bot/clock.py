"""The one source of 'now' for the domain, so tests control time (the rules are in TIMEZONE, storage UTC)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


_DAY_WORDS = {"today": 0, "今天": 0, "今日": 0, "tomorrow": 1, "明天": 1, "yesterday": -1, "昨天": -1}


def parse_day(text: str, today: date) -> date:
    """A day as staff type it: 2026-11-24 (or 2026/11/24), 11-24 (this year), today/tomorrow/今天/明天."""
    word = text.strip().lower()
    if word in _DAY_WORDS:
        return today + timedelta(days=_DAY_WORDS[word])
    parts = word.replace("/", "-").split("-")
    try:
        if len(parts) == 2:
            return date(today.year, int(parts[0]), int(parts[1]))
        if len(parts) == 3 and len(parts[0]) == 4:
            return date(int(parts[0]), int(parts[1]), int(parts[2]))
    except ValueError:
        pass
    raise ValueError(f"'{text}' is not a day like 2026-11-24")
