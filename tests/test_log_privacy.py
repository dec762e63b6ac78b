from __future__ import annotations

import logging

import pytest

from bot.log_privacy import MaskingFilter, mask


@pytest.mark.parametrize(
    ("raw", "masked"),
    [
        ("call 13560135683", "call 135******83"),
        ("landline 0533-2126305 ok", "landline 053*******05 ok"),
        ("(020)86132888", "(02********88"),
        ("plate 粤A12345 and 粤AD12345", "plate 粤A****5 and 粤A*****5"),
        ("booking #12, card ZD0002, 2026-11-23", "booking #12, card ZD0002, 2026-11-23"),
    ],
)
def test_phones_and_plates_are_masked(raw: str, masked: str) -> None:
    assert mask(raw) == masked


def test_the_filter_masks_arguments_too(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("cardbot.test")
    caplog.handler.addFilter(MaskingFilter())
    logger.warning("user %s plate %s", "13912345678", "京A12345")
    assert "13912345678" not in caplog.text and "京A12345" not in caplog.text
    assert "139******78" in caplog.text
