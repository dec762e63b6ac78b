"""LOG_FORMAT=json: one JSON object a line, masked like the text format; booking changes are logged."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Callable, Iterator

import pytest

from bot.booking.actions import log_state_change
from bot.log_format import JsonFormatter
from bot.log_privacy import MaskingFilter


@pytest.fixture
def json_logs() -> Iterator[Callable[[], list[dict[str, str]]]]:
    """The handler configure_logging installs for LOG_FORMAT=json, writing to a buffer."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(MaskingFilter())
    root = logging.getLogger()
    level, root.level = root.level, logging.INFO
    root.addHandler(handler)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    root.removeHandler(handler)
    root.level = level


def test_json_lines_are_masked_and_carry_the_exception(json_logs) -> None:  # type: ignore[no-untyped-def]
    try:
        raise ValueError("phone 13912345678")
    except ValueError:
        logging.getLogger("cardbot.test").exception("user %s failed", "13912345678")
    [line] = json_logs()
    assert line["level"] == "ERROR" and line["logger"] == "cardbot.test"
    assert line["message"] == "user 139******78 failed"
    assert "ValueError" in line["exception"] and "13912345678" not in line["exception"]


def test_a_booking_state_change_is_one_line_without_personal_data(  # type: ignore[no-untyped-def]
    json_logs, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Other tests' logging set-ups (e.g. Alembic's) may have disabled or raised this logger.
    booking_log = logging.getLogger("bot.booking.actions")
    monkeypatch.setattr(booking_log, "disabled", False)
    monkeypatch.setattr(booking_log, "level", logging.NOTSET)
    log_state_change(12, "confirmed", "staff decision")
    [line] = json_logs()
    assert line["message"] == "booking 12 -> confirmed (staff decision)" and line["level"] == "INFO"
