"""The one source of 'now' for the domain, so tests control time (the rules are in TIMEZONE, storage UTC)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)
