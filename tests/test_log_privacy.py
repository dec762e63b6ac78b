from __future__ import annotations

import logging

import pytest
from sqlalchemy.exc import IntegrityError

from bot.clock import utc_now
from bot.log_privacy import MaskingFilter, mask
from db.models import User
from db.session import Database


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


@pytest.mark.parametrize(
    ("raw", "masked"),
    [
        ("id 110101199003077777.", "id 110*************77."),
        ("id 11010119900307777X", "110*************7X"),
        ('{"holder_name": "王英才", "passenger_names": "王英才，李四"}', '"holder_name": "王**"'),
        ('{"holder_name": "王英才", "passenger_names": "王英才，李四"}', '"passenger_names": "王*****"'),
        ("持卡人：李四（ZD0002）", "持卡人：李*（ZD0002）"),
        ("就诊人姓名：欧阳娜娜", "就诊人姓名：欧***"),
        ("first_name='Alice'", "first_name='A****'"),
    ],
)
def test_id_numbers_and_names_from_booking_fields_are_masked(raw: str, masked: str) -> None:
    assert masked in mask(raw)


def test_what_is_not_personal_stays_readable() -> None:
    line = "outbox message 12 sent; filename=booking-12.ics; card ZD0002"
    assert mask(line) == line


def test_a_traceback_is_masked_too(caplog: pytest.LogCaptureFixture) -> None:
    caplog.handler.addFilter(MaskingFilter())
    try:
        raise ValueError(
            "[parameters: ('13912345678', '粤A12345', '110101199003077777', {'holder_name': '王英才'})]"
        )
    except ValueError:
        logging.getLogger("cardbot.test").exception("database error")
    shown = caplog.handler.format(caplog.records[-1])
    assert "Traceback" in shown and "ValueError" in shown
    for secret in ("13912345678", "粤A12345", "110101199003077777", "王英才"):
        assert secret not in shown and secret not in caplog.text


async def test_database_errors_do_not_carry_sql_parameters(database: Database) -> None:
    async with database.session() as session:
        session.add(User(id=1, first_name="王英才", language="zh", created_at=utc_now()))
    with pytest.raises(IntegrityError) as raised:
        async with database.session() as session:
            session.add(User(id=1, first_name="13912345678", language="zh", created_at=utc_now()))
    assert "13912345678" not in str(raised.value) and "王英才" not in str(raised.value)
