"""Staff and admin operations through the real Application and the fake Bot API: /stats, registry upload,
/export, /agenda, /pending, /unbind, who may use them, and the command menus."""

from __future__ import annotations

import asyncio
import io
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from openpyxl import load_workbook
from sqlalchemy import select

from bot import settings as settings_module
from bot.answers.qa import Answerer
from bot.app import set_command_menus
from bot.cli import main
from bot.holders.registry import import_registry, parse_registry
from bot.kb.loader import KnowledgeBase
from bot.services import Services
from db.models import Booking, CardHolder, Handover, QuestionLog, Reminder, User, Vote
from db.session import Database
from tests.knowledge_factory import CARDS, SHIPPED
from tests.telegram_harness import ADMIN, STAFF_CHAT, FakeClock, Harness, make_harness
from tests.test_telegram_bot import settings

HOLDER, OTHER, STRANGER, STAFFER = 301, 302, 303, 555
REGISTRY = (
    "card_number,card,holder_name,tier,valid_until,mobile\n"
    "ZD0002,zhangdian,李四,outstanding,2030-12-31,\n"
    "ZD0003,zhangdian,赵六,standard,2030-12-31,+86 138-0013-8000\n"
    "BY0001,baiyun,王英才,standard,2030-12-31,\n"
)
NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # FakeClock's start: Monday 10:00 in Shanghai


@pytest.fixture
async def bot(database: Database, shipped: KnowledgeBase) -> AsyncIterator[Harness]:
    async with database.session() as session:
        await import_registry(session, parse_registry(REGISTRY, CARDS))
    clock = FakeClock()
    svc = Services(settings(Path("knowledge")), shipped, Answerer(shipped), database, clock)
    harness = make_harness(svc, clock)
    harness.fake.members[(STAFF_CHAT, STAFFER)] = "member"
    async with harness.app:
        yield harness


async def staff_say(bot: Harness, user: int, text: str) -> None:
    await bot.say(user, text, chat_id=STAFF_CHAT, chat_type="supergroup")


async def send_file(bot: Harness, user: int, name: str, content: bytes) -> None:
    await bot.feed(bot.fake.make_document_update(user, name, content))


async def holders(bot: Harness) -> dict[str, CardHolder]:
    async with bot.svc.db.session() as session:
        return {h.card_number: h for h in (await session.execute(select(CardHolder))).scalars()}


async def registry_rows(bot: Harness) -> set[tuple[object, ...]]:
    return {
        (h.card_number, h.card, h.holder_name, h.tier, h.valid_until, h.mobile)
        for h in (await holders(bot)).values()
    }


# --- statistics --------------------------------------------------------------------------------------


def at(days_ago: int, hour: int = 2) -> datetime:
    return NOW.replace(hour=hour) - timedelta(days=days_ago)


async def seed_statistics(db: Database) -> None:
    """7 days: 3 answered, 2 unsure, 2 declined; 2 👍 1 👎; 4 hand-overs (of the 3 the one-hour rule can judge,
    one replied within the hour; the 4th is 10 minutes old);
    airport 1 pending + 2 confirmed, hospital 1 cancelled; reminders 2 sent, 1 dropped, 1 late.
    Before the 7 days (inside 30): one more answered question and one airport booking."""
    async with db.session() as session:
        session.add(User(id=HOLDER, first_name="甲", created_at=at(40)))
        await session.flush()
        outcomes = [
            (0, True, "answered"),
            (0, True, "answered"),
            (0, False, "unsure"),
            (0, False, "alternative"),
            (0, False, "declined"),
            (3, True, "answered"),
            (3, False, "handover"),
            (12, True, "answered"),
        ]
        questions = [
            QuestionLog(
                user_id=HOLDER, text="q", card="baiyun", score=0.5, answered=a, outcome=o, created_at=at(d)
            )
            for d, a, o in outcomes
        ]
        session.add_all(questions)
        await session.flush()
        for question, value in zip(questions[:3], (1, 1, -1), strict=True):
            session.add(Vote(question_id=question.id, user_id=HOLDER, value=value, at=at(0)))
        for created, delay in [
            (at(1), timedelta(minutes=30)),
            (at(1), timedelta(hours=2)),
            (at(1), None),
            (NOW - timedelta(minutes=10), None),
        ]:
            session.add(
                Handover(
                    user_id=HOLDER,
                    chat_id=HOLDER,
                    text="人工",
                    created_at=created,
                    first_reply_at=created + delay if delay else None,
                )
            )
        for n, (kind, status, days_ago) in enumerate(
            [
                ("airport", "pending", 0),
                ("airport", "confirmed", 1),
                ("airport", "confirmed", 2),
                ("hospital", "cancelled", 2),
                ("airport", "confirmed", 20),
            ]
        ):
            session.add(booking(n, kind, status, created=at(days_ago), starts=at(-10)))
        await session.flush()
        for status, due in [
            ("sent", at(1)),
            ("sent", at(2)),
            ("dropped", at(3)),
            ("scheduled", at(0, hour=1)),  # due an hour ago and still not sent: late
            ("scheduled", at(-1)),  # not due yet: not counted
            ("muted", at(1)),  # the holder muted it: not counted
        ]:
            session.add(Reminder(booking_id=2, offset_minutes=60, due_at=due, status=status))


def booking(n: int, kind: str, status: str, created: datetime, starts: datetime, **fields: str) -> Booking:
    return Booking(
        user_id=HOLDER,
        chat_id=HOLDER,
        card_number="BY0001" if kind == "airport" else "ZD0002",
        type=kind,
        kind="domestic-departure" if kind == "airport" else "zhongyi",
        starts_at=starts,
        status=status,
        fields=fields or {"phone": "13800138000"},
        request_key=f"key{n}",
        created_at=created,
    )


async def test_stats_sends_a_png_chart_with_the_numbers_in_the_caption(bot: Harness) -> None:
    await seed_statistics(bot.svc.db)
    await bot.say(ADMIN, "/stats")
    sent = bot.last_message(ADMIN)
    caption = sent["caption"]
    assert caption.splitlines() == [
        "📊 统计 2026-11-17 至 2026-11-23（7 天）",
        "问题 7：已回答 3（43%）· 不确定 2（29%）· 未回答 2（29%）",
        "评价：👍 2 · 👎 1",
        "转人工 4：已回复 2，1小时内首次回复 1/3（33%）",
        "预约：白云机场贵宾接送机: 待确认 1, 已确认 2; 医院就医绿色通道: 已取消 1",
        "提醒（已到期 4）：已发送 2 · 已放弃 1 · 未送达 1",
    ]
    photo = sent["photo"][-1]
    assert bot.fake.files[photo["file_id"]].content.startswith(b"\x89PNG\r\n\x1a\n")
    assert (photo["width"], photo["height"]) == (1000, 700)

    await bot.say(ADMIN, "/stats 30d", language_code="en")
    caption = bot.fake.last_text(ADMIN).splitlines()
    assert caption[0] == "📊 Statistics 2026-10-25 to 2026-11-23 (30 days)"
    assert caption[1].startswith("Questions 8: answered 4 (50%)")
    assert "confirmed 3" in caption[4]


async def test_stats_refuses_other_periods_and_other_users(bot: Harness) -> None:
    await bot.say(ADMIN, "/stats 12d")
    assert bot.fake.last_text(ADMIN).startswith("用法：/stats")
    await bot.say(STAFFER, "/stats")
    assert bot.fake.last_text(STAFFER) == "仅限管理员操作。"
    assert not bot.fake.calls_of("sendPhoto")


def test_stats_caption_of_thirty_busy_days_fits_telegram() -> None:
    from collections import Counter
    from datetime import date

    from bot.admin.stats import Stats, summary

    first = date(2026, 10, 25)
    numbers = Stats(first, first + timedelta(days=29), {first: Counter(answered=10**6)})
    statuses = ("pending", "confirmed", "rejected", "cancelled")
    numbers.bookings.update({(f"type{n}", s): 99999 for n in range(6) for s in statuses})
    assert len(summary(numbers, {f"type{n}": "很长的服务名称" * 2 for n in range(6)}, "zh")) <= 1024


async def test_the_command_line_prints_the_same_numbers(
    bot: Harness, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    await seed_statistics(bot.svc.db)
    monkeypatch.setenv("DATABASE_URL", bot.svc.db.url)
    settings_module.get_settings.cache_clear()
    try:
        with time_machine.travel(NOW, tick=False):
            assert await asyncio.to_thread(main, ["stats", "--days", "7"]) == 0
    finally:
        settings_module.get_settings.cache_clear()
    out = capsys.readouterr().out
    assert "问题 7：已回答 3（43%）· 不确定 2（29%）· 未回答 2（29%）" in out
    assert "转人工 4：已回复 2，1小时内首次回复 1/3（33%）" in out
    assert "2026-11-23  answered 2  unsure 2  declined 1" in out


# --- registry upload ---------------------------------------------------------------------------------


async def test_an_admin_uploads_a_gbk_registry(bot: Harness) -> None:
    csv = "card_number,card,holder_name,tier,valid_until\nzd0009 ,zhangdian,孙七,standard,2031/6/30\n"
    await send_file(bot, ADMIN, "持卡人.csv", csv.encode("gbk"))
    assert bot.fake.last_text(ADMIN) == "✅ 持卡人名单已导入：1 条（gb18030）。"
    added = (await holders(bot))["ZD0009"]  # trimmed and upper-cased once, here
    assert added.holder_name == "孙七" and str(added.valid_until) == "2031-06-30"
    await bot.say(OTHER, "/bind zd0009")
    assert "绑定成功：孙七" in bot.fake.last_text(OTHER)


async def test_a_registry_with_bad_rows_changes_nothing_and_lists_every_problem(bot: Harness) -> None:
    before = await registry_rows(bot)
    csv = (
        "\ufeffcard_number,card,holder_name,tier,valid_until,branch\n"
        "ZD0100,zhangdian,好人,standard,2030-12-31,x\n"
    )
    await send_file(bot, ADMIN, "r.csv", csv.encode("utf-8"))
    assert "r.csv:1: unknown column(s): branch (known: card_number," in bot.fake.last_text(ADMIN)
    csv = (
        "card_number,card,holder_name,tier,valid_until\n"
        "ZD0100,zhangdian,好人,standard,2030-12-31\n"
        "BY0100,baiyun,<坏>,outstanding,2030-12-31\n"
        f"ZD0101,zhangdian,{'长' * 65},standard,2030-12-31\n"
        "zd0100,zhangdian,重复,standard,2030-13-01\n"
    )
    await send_file(bot, ADMIN, "r.csv", csv.encode("utf-8-sig"))
    report = bot.fake.last_text(ADMIN).splitlines()
    assert report[0] == "❌ 名单有 4 个问题，未导入任何数据："
    assert report[1:] == [
        "r.csv:3: tier 'outstanding' is not a tier of card baiyun (known: standard)",
        "r.csv:4: holder_name is 65 characters long; at most 64 allowed",
        "r.csv:5: valid_until '2030-13-01' is not a date like 2027-12-31",
        "r.csv:5: card_number ZD0100 repeats line 2",
    ]
    assert await registry_rows(bot) == before  # all or nothing: not even the good row


async def test_a_long_report_fits_one_message_and_says_how_many_more(bot: Harness) -> None:
    rows = "".join(f"ZD{n:04d},zhangdian,甲,vip,2030-12-31\n" for n in range(500))
    await send_file(bot, ADMIN, "r.csv", ("card_number,card,holder_name,tier,valid_until\n" + rows).encode())
    report = bot.fake.last_text(ADMIN).splitlines()
    assert report[0] == "❌ 名单有 500 个问题，未导入任何数据："
    shown = len(report) - 2
    assert 20 < shown < 500 and report[-1] == f"……另有 {500 - shown} 个问题"
    assert report[1] == "r.csv:2: unknown tier 'vip' (known: outstanding, standard)"


async def test_a_file_too_big_is_refused_before_it_is_fetched(bot: Harness) -> None:
    await send_file(bot, ADMIN, "r.csv", b"x" * (10 * 1024 * 1024 + 1))
    assert bot.fake.last_text(ADMIN) == "❌ 文件过大（上限 10 MB），未导入。"
    assert not bot.fake.calls_of("getFile")


async def test_a_file_that_is_not_text_is_refused_clearly(bot: Harness) -> None:
    await send_file(bot, ADMIN, "r.csv", b"PK\x03\x04\x00\x00binary")
    assert bot.fake.last_text(ADMIN).startswith("❌ 无法读取该文件：not a CSV text file")


async def test_only_admins_may_upload_a_registry(bot: Harness) -> None:
    before = await registry_rows(bot)
    csv = "card_number,card,holder_name,tier,valid_until\nZD0200,zhangdian,冒充,standard,2030-12-31\n"
    await send_file(bot, STAFFER, "r.csv", csv.encode())
    assert bot.fake.last_text(STAFFER) == "仅限管理员操作。"
    assert not bot.fake.calls_of("getFile")
    assert await registry_rows(bot) == before


# --- binding: mobile check and unbinding -------------------------------------------------------------


async def test_the_registered_mobile_is_asked_for_and_checked(
    bot: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    await bot.say(HOLDER, "/bind ZD0003")
    assert bot.fake.last_text(HOLDER) == "请发送登记的手机号，以确认是您本人："
    await bot.say(HOLDER, "13900139000")
    assert "还可尝试 4 次" in bot.fake.last_text(HOLDER)
    await bot.say(HOLDER, "138 0013 8000")
    assert "绑定成功：赵六" in bot.fake.last_text(HOLDER)
    assert (await holders(bot))["ZD0003"].mobile == "13800138000"  # stored normalised
    assert "13800138000" not in caplog.text and "13900139000" not in caplog.text
    await bot.say(OTHER, "/bind ZD0003 13800138000")  # number and mobile at once: taken already
    assert "已被其他账号绑定" in bot.fake.last_text(OTHER)


async def test_staff_unbind_a_card_so_its_holder_gets_it_back(bot: Harness) -> None:
    await bot.say(OTHER, "/bind ZD0002")  # someone else bound the holder's number
    await bot.say(HOLDER, "/bind ZD0002")
    assert "已被其他账号绑定" in bot.fake.last_text(HOLDER)
    await bot.say(STRANGER, "/unbind ZD0002")
    assert bot.fake.last_text(STRANGER) == "仅限工作人员操作。"
    await staff_say(bot, STAFFER, "/unbind zd0002")
    assert bot.fake.last_text(STAFF_CHAT) == f"已解除卡号 ZD0002 的绑定（用户 {OTHER}），并已通知该用户。"
    assert "卡号 ZD0002 的绑定已由工作人员解除" in bot.fake.last_text(OTHER)
    await bot.say(HOLDER, "/bind ZD0002")
    assert "绑定成功：李四" in bot.fake.last_text(HOLDER)
    await staff_say(bot, STAFFER, "/unbind BY0001")
    assert bot.fake.last_text(STAFF_CHAT) == "卡号 BY0001 当前没有绑定任何账号。"


# --- staff on demand ---------------------------------------------------------------------------------


async def seed_bookings(db: Database) -> None:
    async with db.session() as session:
        session.add(User(id=HOLDER, first_name="甲", created_at=NOW))
        await session.flush()
        fields = {"flight_no": "CZ3101", "plates": "粤A12345", "holder_name": "王英才", "phone": "=1+2"}
        session.add(booking(1, "airport", "pending", NOW, datetime(2026, 12, 1, 6, 30, tzinfo=UTC), **fields))
        session.add(
            booking(2, "hospital", "confirmed", NOW, datetime(2026, 11, 24, 1, 0, tzinfo=UTC), need="复查")
        )
        session.add(booking(3, "airport", "confirmed", NOW, datetime(2027, 1, 5, 6, 0, tzinfo=UTC)))


async def test_staff_ask_for_a_days_agenda_and_the_pending_bookings(bot: Harness) -> None:
    await seed_bookings(bot.svc.db)
    await staff_say(bot, STAFFER, "/agenda 2026-12-01")
    assert bot.fake.last_text(STAFF_CHAT).splitlines() == [
        "📋 2026-12-01 的预约",
        "#1 2026-12-01 14:30 白云机场贵宾接送机 · 国内航班送机 [待确认]",
    ]
    await staff_say(bot, STAFFER, "/agenda 明天")
    assert "#2 2026-11-24 09:00 医院就医绿色通道 · 区中医院 [已确认]" in bot.fake.last_text(STAFF_CHAT)
    await staff_say(bot, STAFFER, "/agenda")
    assert bot.fake.last_text(STAFF_CHAT) == "📋 今日（2026-11-23）无预约。"
    await staff_say(bot, STAFFER, "/agenda someday")
    assert bot.fake.last_text(STAFF_CHAT).startswith("用法：/agenda")
    await staff_say(bot, STAFFER, "/pending")
    assert bot.fake.last_text(STAFF_CHAT).splitlines() == [
        "⏳ 待确认的预约（1）",
        "#1 2026-12-01 14:30 白云机场贵宾接送机 · 国内航班送机 [待确认] · 王英才",
    ]
    await staff_say(bot, STRANGER, "/pending")  # in the staff chat but not a member of staff
    assert bot.fake.last_text(STAFF_CHAT) == "仅限工作人员操作。"


async def test_export_gives_every_field_in_an_xlsx(bot: Harness) -> None:
    await seed_bookings(bot.svc.db)
    await staff_say(bot, STAFFER, "/export 2026-11-24 2026-12-31")
    sent = bot.last_message(STAFF_CHAT)
    assert sent["caption"] == "预约导出：2 条（2026-11-24 – 2026-12-31）"
    assert sent["document"]["file_name"] == "bookings-2026-11-24-2026-12-31.xlsx"
    sheet = load_workbook(io.BytesIO(bot.fake.files[sent["document"]["file_id"]].content)).active
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[0]
    assert header[:5] == ("编号", "服务", "类别", "状态", "预约时间")
    for label in ("航班号", "车牌号", "联系电话", "就诊需求（科室或症状）", "持卡人姓名"):
        assert label in header
    by_id = {row[0]: dict(zip(header, row, strict=True)) for row in rows[1:]}
    assert set(by_id) == {1, 2}  # #3 is in January: outside the range
    first = by_id[1]
    assert first["航班号"] == "CZ3101" and first["车牌号"] == "粤A12345" and first["持卡人"] == "王英才"
    assert first["联系电话"] == "=1+2"  # text, never a formula
    assert first["预约时间"] == datetime(2026, 12, 1, 14, 30)  # Shanghai wall time
    assert by_id[2]["就诊需求（科室或症状）"] == "复查" and by_id[2]["状态"] == "confirmed"

    await bot.say(ADMIN, "/export")  # admins too, in their private chat; no range: every booking
    assert bot.fake.last_text(ADMIN) == "预约导出：3 条（全部）"
    await bot.say(STRANGER, "/export")
    assert bot.fake.last_text(STRANGER) == "仅限工作人员操作。"
    await bot.say(ADMIN, "/export 2026-12-31 2026-11-01")
    assert bot.fake.last_text(ADMIN).startswith("用法：/export")


async def test_an_english_reader_gets_english_headings_and_service_names(bot: Harness) -> None:
    await seed_bookings(bot.svc.db)
    await bot.say(ADMIN, "/export 2026-12-01 2026-12-01", language_code="en")
    sent = bot.last_message(ADMIN)
    assert sent["caption"] == "Bookings export: 1 (2026-12-01 – 2026-12-01)"
    sheet = load_workbook(io.BytesIO(bot.fake.files[sent["document"]["file_id"]].content)).active
    header, row = sheet.iter_rows(values_only=True)
    assert header[:7] == ("No.", "Service", "Kind", "Status", "Appointment", "Card number", "Card holder")
    assert "Flight number" in header and "Plate numbers" in header
    assert not [h for h in header if re.search(r"[\u4e00-\u9fff]", h)]
    booked = dict(zip(header, row, strict=True))
    assert (booked["Service"], booked["Kind"]) == ("Airport VIP pick-up / drop-off", "Domestic departure")
    assert booked["Flight number"] == "CZ3101" and booked["Card holder"] == "王英才"  # values as typed


async def test_the_command_line_exports_the_same_workbook(
    bot: Harness, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    await seed_bookings(bot.svc.db)
    monkeypatch.setenv("DATABASE_URL", bot.svc.db.url)
    settings_module.get_settings.cache_clear()
    target = tmp_path / "out.xlsx"
    try:
        assert await asyncio.to_thread(main, ["export", "--from", "2026-12-01", str(target)]) == 0
    finally:
        settings_module.get_settings.cache_clear()
    rows = list(load_workbook(target).active.iter_rows(values_only=True))
    assert [row[0] for row in rows[1:]] == [1, 3]


# --- menus -------------------------------------------------------------------------------------------


async def test_each_audience_sees_only_its_commands(bot: Harness) -> None:
    await set_command_menus(bot.app)

    def names(scope: str, language: str = "") -> set[str]:
        return {c["command"] for c in bot.fake.commands[scope][language]}

    staff_and_admin = {"stats", "export", "unbind", "agenda", "pending", "unanswered"}
    assert not names("default") & staff_and_admin and not names("default", "en") & staff_and_admin
    assert {"stats", "export", "unbind", "unanswered", "bind"} <= names(f"chat:{ADMIN}")
    assert names(f"chat:{STAFF_CHAT}") == {"agenda", "pending", "export", "unbind"}
    assert names(f"chat:{STAFF_CHAT}", "en") == names(f"chat:{STAFF_CHAT}")


@pytest.mark.parametrize("command", [["stats"], ["export", "out.xlsx"]])
def test_the_command_line_on_a_database_without_schema_says_what_to_do(
    command: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}")
    monkeypatch.setenv("KNOWLEDGE_DIR", str(SHIPPED))
    monkeypatch.chdir(tmp_path)
    settings_module.get_settings.cache_clear()
    try:
        with pytest.raises(SystemExit) as stopped:
            main(command)
    finally:
        settings_module.get_settings.cache_clear()
    assert str(stopped.value.code).startswith("database error (no such table")
    assert "python -m bot db upgrade" in str(stopped.value.code)
    assert not (tmp_path / "out.xlsx").exists()
