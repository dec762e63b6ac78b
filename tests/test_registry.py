"""The card-holder registry file: encodings, normalisation, per-card tiers, columns, lengths, the CLI."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot import settings as settings_module
from bot.cli import main
from bot.clock import parse_day
from bot.holders.registry import (
    RegistryFileError,
    bind_card,
    import_registry,
    normalize_mobile,
    parse_registry,
    parse_registry_bytes,
    read_registry,
    store_registry,
)
from bot.holders.users import ensure_user
from db.models import CardHolder
from db.session import Database
from tests.knowledge_factory import CARDS

HEADER = "card_number,card,holder_name,tier,valid_until\n"
ROWS = "ZD0001,zhangdian,张三,standard,2030-12-31\nBY0001,baiyun,王英才,standard,2030-12-31\n"
NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


def messages(text: str) -> list[str]:
    return [str(problem) for problem in parse_registry(text, CARDS).problems]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_every_usual_encoding_reads_the_same(encoding: str) -> None:
    registry = parse_registry_bytes((HEADER + ROWS).encode(encoding), CARDS)
    assert not registry.problems
    assert [(r.card_number, r.holder_name) for r in registry.rows] == [
        ("ZD0001", "张三"),
        ("BY0001", "王英才"),
    ]


def test_binary_and_unknown_encodings_are_one_clear_error() -> None:
    with pytest.raises(RegistryFileError, match="binary"):
        parse_registry_bytes(b"\x00\x01\x02", CARDS)
    with pytest.raises(RegistryFileError, match="neither UTF-8 nor GBK"):
        parse_registry_bytes("card_number\n".encode() + b"\x81\x30\xff\xff", CARDS)


def test_card_numbers_are_normalised_once() -> None:
    registry = parse_registry(
        HEADER + " zd0001 ,zhangdian,张三,standard,2030/12/31\nＢＹ０００２,baiyun,王,standard,2030-1-5\n",
        CARDS,
    )
    assert [(r.card_number, r.valid_until) for r in registry.rows] == [
        ("ZD0001", date(2030, 12, 31)),
        ("BY0002", date(2030, 1, 5)),
    ]
    assert messages(
        HEADER + "zd0001,zhangdian,甲,standard,2030-12-31\nZD0001,zhangdian,乙,standard,2030-12-31\n"
    ) == ["line 3: card_number ZD0001 repeats line 2"]
    assert messages(HEADER + "ZD 01,zhangdian,甲,standard,2030-12-31\n") == [
        "line 2: card_number 'ZD 01' may hold only letters, digits, '-' and '_'"
    ]


def test_a_tier_must_belong_to_the_rows_card() -> None:
    assert messages(HEADER + "BY0001,baiyun,王,outstanding,2030-12-31\n") == [
        "line 2: tier 'outstanding' is not a tier of card baiyun (known: standard)"
    ]
    assert messages(HEADER + "X1,tianhe,王,vip,2030-12-31\n") == [
        "line 2: unknown card 'tianhe' (known: baiyun, zhangdian)",
        "line 2: unknown tier 'vip' (known: outstanding, standard)",
    ]


def test_columns_unknown_missing_twice_and_rows_too_wide_are_reported() -> None:
    assert messages("card_number,card,holder_name,tier,valid_until,branch,备注\n") == [
        "line 1: unknown column(s): branch, 备注 (known: card_number, card, holder_name, tier, valid_until, mobile)"
    ]
    assert messages("card_number,card,card\n") == [
        "line 1: missing column(s): holder_name, tier, valid_until",
        "line 1: column(s) named twice: card",
    ]
    assert messages(HEADER + "ZD0001,zhangdian,张三,standard,2030-12-31,extra\n\n\n") == [
        "line 2: 6 values, the header has 5"
    ]
    assert (
        messages(" Card_Number ,CARD,holder_name,tier,valid_until\n" + ROWS) == []
    )  # header case and spaces


def test_mobiles_are_normalised_and_never_echoed() -> None:
    text = "card_number,card,holder_name,tier,valid_until,mobile\n"
    registry = parse_registry(
        text
        + "ZD0001,zhangdian,甲,standard,2030-12-31,+86 138-0013-8000\nZD0002,zhangdian,乙,standard,2030-12-31,\n",
        CARDS,
    )
    assert [r.mobile for r in registry.rows] == ["13800138000", None]
    problems = messages(text + "ZD0003,zhangdian,丙,standard,2030-12-31,1380013800\n")
    assert problems == ["line 2: mobile is not an 11-digit mainland mobile number"]
    assert normalize_mobile("0086 13800138000") == "13800138000" and normalize_mobile("12800138000") is None


async def test_over_long_values_are_refused_alike_on_every_database(database: Database) -> None:
    long_name = "名" * 65
    registry = parse_registry(
        HEADER
        + f"ZD0001,zhangdian,{long_name},standard,2030-12-31\n{'Z' * 33},zhangdian,甲,standard,2030-12-31\n",
        CARDS,
    )
    assert [str(p) for p in registry.problems] == [
        "line 2: holder_name is 65 characters long; at most 64 allowed",
        "line 3: card_number is 33 characters long; at most 32 allowed",
    ]
    with pytest.raises(ValueError):
        await store_registry(database, registry)
    assert (
        await store_registry(
            database, parse_registry(HEADER + f"ZD0001,zhangdian,{'名' * 64},standard,2030-12-31\n", CARDS)
        )
        == 1
    )
    async with database.session() as session:
        assert (await session.execute(select(func.count()).select_from(CardHolder))).scalar_one() == 1
        user = await ensure_user(session, 1, "甲", "zh", NOW)
        # An over-long number at /bind is simply wrong, on PostgreSQL too (no database error).
        assert (await bind_card(session, user, "Z" * 300, NOW, NOW.date())).status == "wrong"
        assert (await bind_card(session, user, " zd0001", NOW, NOW.date())).status == "bound"


async def test_a_registered_mobile_is_a_second_check(database: Database) -> None:
    text = "card_number,card,holder_name,tier,valid_until,mobile\nZD0001,zhangdian,甲,standard,2030-12-31,13800138000\n"
    async with database.session() as session:
        await import_registry(session, parse_registry(text, CARDS))
        user = await ensure_user(session, 1, "甲", "zh", NOW)
        assert (await bind_card(session, user, "ZD0001", NOW, NOW.date())).status == "need_mobile"
        wrong = await bind_card(session, user, "ZD0001", NOW, NOW.date(), mobile="13900139000")
        assert (wrong.status, wrong.tries_left) == ("wrong_mobile", 4)
        assert (
            await bind_card(session, user, "ZD0001", NOW, NOW.date(), mobile="138 0013 8000")
        ).status == "bound"


def test_a_missing_file_is_one_clear_line(tmp_path: Path) -> None:
    with pytest.raises(RegistryFileError, match="no such file"):
        read_registry(tmp_path / "missing.csv", CARDS)


async def test_the_command_line_imports_gbk_and_reports_problems_by_file_and_line(
    database: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", database.url)
    settings_module.get_settings.cache_clear()
    good, bad = tmp_path / "good.csv", tmp_path / "bad.csv"
    good.write_bytes((HEADER + ROWS).encode("gbk"))
    bad.write_text(HEADER + "ZD0009,zhangdian,甲,vip,2030-12-31\n", encoding="utf-8")
    try:
        assert await asyncio.to_thread(main, ["cardholders", "import", str(tmp_path / "nope.csv")]) == 1
        assert capsys.readouterr().err.strip() == f"{tmp_path / 'nope.csv'}: no such file"
        assert await asyncio.to_thread(main, ["cardholders", "import", str(bad)]) == 1
        out = capsys.readouterr().out
        assert f"{bad}:2: unknown tier 'vip'" in out and "nothing imported" in out
        assert await asyncio.to_thread(main, ["cardholders", "import", str(good)]) == 0
        assert "imported 2 card holder(s)" in capsys.readouterr().out
    finally:
        settings_module.get_settings.cache_clear()
    async with database.session() as session:
        assert (await session.get(CardHolder, "ZD0001")).holder_name == "张三"  # type: ignore[union-attr]


def test_days_as_staff_type_them() -> None:
    today = date(2026, 11, 23)
    assert parse_day("2026-12-01", today) == date(2026, 12, 1)
    assert parse_day("12/1", today) == date(2026, 12, 1)
    assert parse_day("明天", today) == date(2026, 11, 24) and parse_day("Today", today) == today
    for wrong in ("2026-13-01", "someday", "1-2-3", ""):
        with pytest.raises(ValueError):
            parse_day(wrong, today)
