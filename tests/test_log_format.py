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
def json_logs(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[], list[dict[str, str]]]]:
    """The handler configure_logging installs for LOG_FORMAT=json, writing to a buffer; attached to the
    loggers under test themselves, so other tests' logging set-ups cannot divert their records."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(MaskingFilter())
    loggers = [logging.getLogger(name) for name in ("cardbot.test", "bot.booking.actions")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        monkeypatch.setattr(logger, "propagate", False)
        logger.setLevel(logging.INFO)  # setLevel, not the attribute: it clears the enabled-for cache
        logger.addHandler(handler)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    for logger, level in zip(loggers, levels, strict=True):
        logger.removeHandler(handler)
        logger.setLevel(level)


def test_json_lines_are_masked_and_carry_the_exception(json_logs) -> None:  # type: ignore[no-untyped-def]
    try:
        raise ValueError("phone 13912345678")
    except ValueError:
        logging.getLogger("cardbot.test").exception("user %s failed", "13912345678")
    [line] = json_logs()
    assert line["level"] == "ERROR" and line["logger"] == "cardbot.test"
    assert line["message"] == "user 139******78 failed"
    assert "ValueError" in line["exception"] and "13912345678" not in line["exception"]


def test_a_booking_state_change_is_one_line_without_personal_data(json_logs) -> None:  # type: ignore[no-untyped-def]
    log_state_change(12, "confirmed", "staff decision")
    [line] = json_logs()
    assert line["message"] == "booking 12 -> confirmed (staff decision)" and line["level"] == "INFO"
