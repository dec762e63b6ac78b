"""Booking conversations through the real Application: form, validation, back/cancel, restart, staff."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.answers.qa import Answerer
from bot.booking.actions import UNDO_WINDOW
from bot.handlers.outbox_sender import drain_outbox
from bot.holders.registry import import_registry, parse_registry
from bot.kb.loader import KnowledgeBase
from bot.services import Services
from db.models import Booking, OutboxMessage, SlotSeat
from db.session import Database
from tests.knowledge_factory import CARDS
from tests.telegram_harness import STAFF_CHAT, FakeClock, Harness, make_harness
from tests.test_telegram_bot import settings

HOLDER, DOCTOR_FAN, STRANGER, STAFFER = 201, 202, 203, 555
REGISTRY = (
    "card_number,card,holder_name,tier,valid_until\nBY0001,baiyun,王英才,standard,2030-12-31\n"
    "ZD0001,zhangdian,李企业,standard,2030-12-31\n"
)


async def build(database: Database, knowledge: KnowledgeBase, clock: FakeClock | None = None) -> Harness:
    clock = clock or FakeClock()  # Monday 2026-11-23 10:00 in Shanghai
    svc = Services(settings(Path("knowledge")), knowledge, Answerer(knowledge), database, clock)
    return make_harness(svc, clock)


@pytest.fixture
async def bot(database: Database, shipped: KnowledgeBase) -> AsyncIterator[Harness]:
    async with database.session() as session:
        await import_registry(session, parse_registry(REGISTRY, CARDS))
    harness = await build(database, shipped)
    async with harness.app:
        await harness.say(HOLDER, "/bind BY0001")
        await harness.say(DOCTOR_FAN, "/bind ZD0001")
        harness.fake.members[(STAFF_CHAT, STAFFER)] = "member"
        yield harness


async def tap(bot: Harness, user: int, label_or_data: str) -> None:
    """Press the button with this label or data on the user's latest message, paging the calendar (▶) to it."""
    for _ in range(14):
        message = bot.last_message(user)
        buttons = bot.fake.buttons(message)
        data = next((d for text, d in buttons if label_or_data in (text, d)), None)
        if data is not None:
            await bot.press(user, data, message)
            return
        await bot.press(user, next(d for text, d in buttons if text == "▶"), message)
    raise AssertionError(f"no button {label_or_data}")


async def fill_airport(
    bot: Harness, kind: str = "国内航班送机", day: str = "bk:c:2026-12-01", used: int = 0
) -> None:
    await bot.say(HOLDER, "/book")
    assert f"本年度已使用 {used}/2 次" in bot.fake.last_text(HOLDER)
    await tap(bot, HOLDER, kind)
    await tap(bot, HOLDER, day)
    # The holder's name comes from the registry; the sign board is asked on arrivals only.
    for text in ["14:30", "CZ3101", "2", "王英才，李四", "13800138000", "1", "张三", "1", "粤A12345"]:
        await bot.say(HOLDER, text)
    await tap(bot, HOLDER, "是")
    if "接机" in kind:
        await tap(bot, HOLDER, "否")


async def test_airport_booking_end_to_end_with_staff_confirmation(bot: Harness) -> None:
    await fill_airport(bot)
    summary = bot.fake.last_text(HOLDER)
    assert "国内商务贵宾厅" in summary and "CZ3101" in summary and "粤A12345" in summary
    assert "持卡人姓名：王英才（已预填）" in summary and "举牌" not in summary
    confirm = bot.last_message(HOLDER)
    await tap(bot, HOLDER, "✅ 确认提交")
    assert "已提交" in bot.fake.last_text(HOLDER)
    await bot.press(HOLDER, bot.button(confirm, "bk:ok:"), confirm)  # a double tap
    async with bot.svc.db.session() as session:
        assert len(list((await session.execute(select(Booking))).scalars())) == 1

    notice = bot.last_message(STAFF_CHAT)
    assert (
        "新预约" in notice["text"] and "13800138000" in notice["text"] and "航班号：CZ3101" in notice["text"]
    )
    await bot.press(STRANGER, bot.button(notice, "st:ok:"), notice)
    assert bot.fake.callback_answers[-1]["text"] == "仅限工作人员操作。"
    await bot.press(STAFFER, bot.button(notice, "st:ok:"), notice)
    told, calendar = bot.fake.messages_to(HOLDER)[-2:]
    assert "已确认" in told["text"] and calendar["document"]["file_name"].endswith(".ics")
    [document] = bot.fake.calls_of("sendDocument")
    assert str(document["chat_id"]) == str(HOLDER)
    await bot.press(STAFFER, bot.button(notice, "st:ok:"), notice)  # a colleague too late
    assert bot.fake.callback_answers[-1]["text"] == "该预约已处理过了。"


async def test_invalid_inputs_are_re_asked_with_a_specific_message(bot: Harness) -> None:
    await bot.say(HOLDER, "/book")
    await tap(bot, HOLDER, "国际航班接机")
    await tap(bot, HOLDER, "bk:c:2026-11-23")
    await bot.say(HOLDER, "12:30")  # 2.5 h ahead, international needs 3 h
    assert "3 小时" in bot.fake.last_text(HOLDER)
    await bot.say(HOLDER, "25:99")
    assert "时间" in bot.fake.last_text(HOLDER)
    await bot.say(HOLDER, "18:00")
    await bot.say(HOLDER, "not a flight")
    assert "CZ3101" in bot.fake.last_text(HOLDER)  # the example in the error


async def test_back_cancel_and_a_restart_mid_form(
    bot: Harness, database: Database, shipped: KnowledgeBase
) -> None:
    await bot.say(HOLDER, "/book")
    await tap(bot, HOLDER, "国内航班接机")
    await tap(bot, HOLDER, "bk:c:2026-12-02")
    await tap(bot, HOLDER, "bk:back")
    assert "请选择日期" in bot.fake.last_text(HOLDER)
    await tap(bot, HOLDER, "bk:c:2026-12-03")
    await bot.say(HOLDER, "09:00")

    restarted = await build(database, shipped, bot.clock)  # a new process on the same database
    async with restarted.app:
        await restarted.say(HOLDER, "CZ3101")
        assert "乘机人数" in restarted.fake.last_text(HOLDER)  # continues at the next field
        await restarted.press(HOLDER, "bk:cancel", restarted.last_message(HOLDER))
        assert restarted.fake.last_text(HOLDER) == "已取消本次预约填写。"
        await restarted.say(HOLDER, "区总工会电话多少")  # questions work again
        assert "86385035" in restarted.fake.last_text(HOLDER)


async def test_hospital_slots_same_day_quota_free_and_rejection_with_reason(bot: Harness) -> None:
    await bot.say(DOCTOR_FAN, "/book")
    await tap(bot, DOCTOR_FAN, "区中医院")
    days = [d for _, d in bot.fake.buttons(bot.last_message(DOCTOR_FAN)) if d.startswith("bk:c:")]
    assert days[0] == "bk:c:2026-11-24" and "bk:c:2026-11-28" not in days  # not today, not Saturday
    await tap(bot, DOCTOR_FAN, "bk:c:2026-11-25")
    await tap(bot, DOCTOR_FAN, "09:00")
    for text in ["0533-2126305", "心内科复查"]:
        await bot.say(DOCTOR_FAN, text)
    assert "本年度" not in bot.fake.last_text(DOCTOR_FAN)  # no yearly quota for the hospital channel
    await tap(bot, DOCTOR_FAN, "✅ 确认提交")
    notice = bot.last_message(STAFF_CHAT)
    await bot.press(STAFFER, bot.button(notice, "st:no:"), notice)
    reasons = bot.last_message(STAFF_CHAT)
    await bot.press(STAFFER, "st:rj:" + bot.button(reasons, "st:rj:").split(":", 2)[2], reasons)
    bot.clock.advance(UNDO_WINDOW)  # the holder hears once the undo window has passed
    await drain_outbox(bot.job_context())
    told = bot.fake.last_text(DOCTOR_FAN)
    assert "未能安排" in told and "0533-2286525" in told and "/book" in told  # why, when, what next


async def test_a_day_and_a_full_slot_typed_together_are_refused_in_the_form(bot: Harness) -> None:
    full = datetime(2026, 11, 25, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    async with bot.svc.db.session() as session:
        for seat in (1, 2):  # capacity_per_slot: 2
            taken = Booking(
                user_id=None,
                chat_id=0,
                card_number="ZD0001",
                type="hospital",
                kind="zhongyi",
                starts_at=full,
                status="confirmed",
                fields={},
                request_key=f"full-{seat}",
                created_at=bot.clock(),
            )
            session.add(taken)
            await session.flush()
            session.add(
                SlotSeat(type="hospital", kind="zhongyi", starts_at=full, seat=seat, booking_id=taken.id)
            )
    await bot.say(DOCTOR_FAN, "/book")
    await tap(bot, DOCTOR_FAN, "区中医院")
    await bot.say(DOCTOR_FAN, "11月25日 9:00")  # the date step: the day and the slot in one message
    assert "这个时段已约满" in bot.fake.last_text(DOCTOR_FAN)
    offered = [text for text, _ in bot.fake.buttons(bot.last_message(DOCTOR_FAN))]
    assert "09:30" in offered and "09:00" not in offered
    await bot.say(DOCTOR_FAN, "9:30")
    assert "联系电话" in bot.fake.last_text(DOCTOR_FAN)


async def test_mybookings_cancel_and_someone_elses_booking(bot: Harness) -> None:
    await fill_airport(bot)
    await tap(bot, HOLDER, "✅ 确认提交")
    await bot.say(HOLDER, "/mybookings")
    listing = bot.last_message(HOLDER)
    assert "待确认" in listing["text"]
    cancel = bot.button(listing, "bkx:")
    await bot.press(STRANGER, cancel, listing)  # callback data naming another user's booking
    assert bot.fake.callback_answers[-1]["text"].startswith("该预约无法取消（已结束或不属于您）。")
    await bot.press(HOLDER, cancel, listing)  # asks first, in the list message
    asking = bot.last_message(HOLDER)
    assert asking["message_id"] == listing["message_id"] and "确定取消预约" in asking["text"]
    await bot.press(HOLDER, bot.button(asking, "bkx:"), asking)
    redrawn = bot.last_message(HOLDER)
    assert redrawn["message_id"] == listing["message_id"]  # the list is updated in place
    assert "已取消" in redrawn["text"] and not [
        d for _, d in bot.fake.buttons(redrawn) if d.startswith("bkx:")
    ]
    assert "持卡人取消预约" in bot.fake.last_text(STAFF_CHAT)


async def test_a_holder_with_more_bookings_than_the_list_shows_cancels_the_oldest(bot: Harness) -> None:
    now = bot.clock()
    async with bot.svc.db.session() as session:
        many = [
            Booking(
                user_id=HOLDER,
                chat_id=HOLDER,
                card_number="BY0001",
                type="airport",
                kind="domestic-departure",
                starts_at=now + timedelta(days=3 + n),
                status="pending",
                fields={},
                request_key=f"many-{n}",
                created_at=now,
            )
            for n in range(21)
        ]
        session.add_all(many)
    oldest = many[0].id  # the earliest appointment: /mybookings lists the 20 latest, not this one
    await bot.say(HOLDER, "/mybookings")
    listing = bot.last_message(HOLDER)
    assert f"#{oldest} " not in listing["text"] and f"#{many[1].id} " in listing["text"]
    await bot.press(STRANGER, f"bkx:{oldest}", listing)  # someone else's id is still refused
    assert bot.fake.callback_answers[-1]["text"].startswith("该预约无法取消")
    await bot.press(HOLDER, f"bkx:{oldest}", listing)
    asking = bot.last_message(HOLDER)
    assert "确定取消预约" in asking["text"] and f"#{oldest}" in asking["text"]
    await bot.press(HOLDER, f"bkx:{oldest}:yes", asking)
    async with bot.svc.db.session() as session:
        assert (await session.get(Booking, oldest)).status == "cancelled"
        assert (await session.get(Booking, many[1].id)).status == "pending"


async def test_a_notification_that_fails_is_retried_from_the_outbox(bot: Harness) -> None:
    await fill_airport(bot)
    bot.fake.fail_next("sendMessage", times=1, status=500)  # the staff notice fails ...
    await tap(bot, HOLDER, "✅ 确认提交")
    async with bot.svc.db.session() as session:
        [pending] = list((await session.execute(select(OutboxMessage))).scalars())
        assert pending.sent_at is None and pending.attempts == 1
    bot.clock.advance(timedelta(seconds=5))
    await drain_outbox(bot.job_context())  # ... the job sends it later
    assert "新预约" in bot.fake.last_text(STAFF_CHAT)


async def test_booking_needs_a_bound_card(bot: Harness) -> None:
    await bot.say(STRANGER, "/book")
    assert "/bind" in bot.fake.last_text(STRANGER)


async def test_the_form_starts_from_an_answer_and_from_the_menu(bot: Harness) -> None:
    await bot.say(HOLDER, "接机 举牌")
    answer = bot.last_message(HOLDER)
    await bot.press(HOLDER, bot.button(answer, "bk:start"), answer)
    assert "请选择服务类型" in bot.fake.last_text(HOLDER)
    await bot.say(HOLDER, "区总工会电话")  # the form waits for a button: a typed question is still answered
    assert "86385035" in bot.fake.last_text(HOLDER)
    assert "bk:start" not in [d for _, d in bot.fake.buttons(bot.last_message(HOLDER))]
    await bot.say(DOCTOR_FAN, "/menu")
    menu = bot.last_message(DOCTOR_FAN)
    await bot.press(DOCTOR_FAN, bot.button(menu, "bk:start"), menu)
    assert "请选择医院" in bot.fake.last_text(DOCTOR_FAN)
