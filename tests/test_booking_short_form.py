"""The short booking form through the real Application: interaction counts, typed dates, the calendar,
refusals at the start, fields that do not apply, one message edited in place, staff rejection with undo."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from bot.booking.actions import UNDO_WINDOW
from bot.booking.store import BookingRequest, place_booking
from bot.handlers.outbox_sender import drain_outbox
from bot.kb.loader import KnowledgeBase
from db.models import Booking, QuotaUse
from db.session import Database
from tests.fake_telegram import FakeBotApi
from tests.telegram_harness import STAFF_CHAT, FakeClock, Harness
from tests.test_telegram_booking import DOCTOR_FAN, HOLDER, STAFFER, build, fill_airport, tap
from tests.test_telegram_booking import bot as bot  # noqa: F401  (the booking fixture, reused)

AIRPORT_DEPARTURE = "bk:c:domestic-departure"


def prompts(bot: Harness, user: int) -> str:
    """Everything the user was shown (sent and edited), as one text."""
    return "\n".join(m.get("text", "") for m in bot.fake.messages_to(user))


async def submit(bot: Harness, user: int) -> None:
    await tap(bot, user, "✅ 确认提交")


# --- interaction counts (the targets) -------------------------------------------------------


async def test_first_time_and_returning_holders_book_a_domestic_drop_off_within_the_targets(
    bot: Harness,  # noqa: F811
) -> None:
    start = bot.interactions
    await bot.say(HOLDER, "/book")
    await tap(bot, HOLDER, AIRPORT_DEPARTURE)
    await tap(bot, HOLDER, "bk:c:2026-11-30")
    await bot.say(HOLDER, "下午三点")
    assert "下午三点 → 2026-11-30 周一 15:00" in bot.fake.last_text(HOLDER)  # every parsed value echoed
    await bot.say(HOLDER, "cz 3101")
    await tap(bot, HOLDER, "1")  # passengers
    await bot.say(HOLDER, "王英才")
    await bot.say(HOLDER, "138 0013 8000")
    await tap(bot, HOLDER, "0")  # nobody seeing off: their names are not asked
    await tap(bot, HOLDER, "1")  # one car
    await bot.say(HOLDER, "粤a12345")
    await tap(bot, HOLDER, "否")  # luggage; no sign board on a departure
    await submit(bot, HOLDER)
    first_time = bot.interactions - start
    assert "已提交" in bot.fake.last_text(HOLDER)

    start = bot.interactions
    await bot.say(HOLDER, "/book")
    await tap(bot, HOLDER, AIRPORT_DEPARTURE)
    await tap(bot, HOLDER, "bk:c:2026-11-30")
    await bot.say(HOLDER, "20:00")
    await bot.say(HOLDER, "CZ3999")
    await tap(bot, HOLDER, "是")
    summary = bot.fake.last_text(HOLDER)
    assert "联系电话：13800138000（已预填）" in summary and "车牌号：粤A12345（已预填）" in summary
    await submit(bot, HOLDER)
    returning = bot.interactions - start
    async with bot.svc.db.session() as session:
        assert await session.scalar(select(func.count()).select_from(Booking)) == 2
    print(f"\nairport drop-off interactions from /book: first-time {first_time}, returning {returning}")
    assert first_time <= 14 and returning <= 8


async def test_the_hospital_booking_takes_at_most_six_interactions(bot: Harness) -> None:  # noqa: F811
    start = bot.interactions
    await bot.say(DOCTOR_FAN, "/book")
    await tap(bot, DOCTOR_FAN, "区中医院")
    await bot.say(DOCTOR_FAN, "后天上午9点")  # date and slot in one message
    await bot.say(DOCTOR_FAN, "0533 2345678")
    await bot.say(DOCTOR_FAN, "复查")
    await submit(bot, DOCTOR_FAN)
    first_time = bot.interactions - start

    start = bot.interactions
    await bot.say(DOCTOR_FAN, "/book")
    await tap(bot, DOCTOR_FAN, "区中医院")
    await tap(bot, DOCTOR_FAN, "bk:c:2026-11-26")
    await tap(bot, DOCTOR_FAN, "10:00")
    await bot.say(DOCTOR_FAN, "心内科")
    await submit(bot, DOCTOR_FAN)
    returning = bot.interactions - start
    async with bot.svc.db.session() as session:
        rows = list((await session.execute(select(Booking).order_by(Booking.id))).scalars())
    assert [b.fields["phone"] for b in rows] == ["0533-2345678", "0533-2345678"]
    assert rows[0].fields["patient_name"] == "李企业"  # from the registry
    print(f"\nhospital interactions from /book: first-time {first_time}, returning {returning}")
    assert first_time <= 6 and returning <= 6


async def test_filled_in_details_can_be_changed_one_tap_each(bot: Harness) -> None:  # noqa: F811
    await fill_airport(bot)
    await submit(bot, HOLDER)
    await bot.say(HOLDER, "/book")
    await tap(bot, HOLDER, AIRPORT_DEPARTURE)
    await bot.say(HOLDER, "12月8日 16:00")
    await bot.say(HOLDER, "MU5100")
    await tap(bot, HOLDER, "否")
    await tap(bot, HOLDER, "✏️ 修改预填信息")
    asked = bot.last_message(HOLDER)
    assert "持卡人姓名" in asked["text"] and ("✓ 王英才", "bk:c:offer") in bot.fake.buttons(asked)
    await tap(bot, HOLDER, "✓ 王英才")
    await tap(bot, HOLDER, "1")  # one passenger this time: last time's two names are not offered
    assert "bk:c:offer" not in [d for _, d in bot.fake.buttons(bot.last_message(HOLDER))]
    await tap(bot, HOLDER, "bk:back")
    await tap(bot, HOLDER, "✓ 2")  # passengers as last time
    await tap(bot, HOLDER, "✓ 王英才、李四")
    await bot.say(HOLDER, "13900139000")  # a new phone
    for _ in range(4):  # escorts, their names, vehicles, plates: as last time
        await tap(bot, HOLDER, "bk:c:offer")
    summary = bot.fake.last_text(HOLDER)
    assert "联系电话：13900139000\n" in summary and "（已预填）" not in summary
    assert "送机/接机人员姓名：张三" in summary and "车牌号：粤A12345" in summary


# --- typed dates and times ---------------------------------------------------------------------------

# Monday 2026-11-23 10:00 in Shanghai; domestic departure: 2 hours' notice, 90 days ahead.
TYPED: list[tuple[str, str, str]] = [
    ("zh", "明天下午3点", "2026-11-24 周二 15:00"),
    ("zh", "12月5日", "2026-12-05 周六"),
    ("zh", "下周三", "2026-12-02 周三"),  # the Wednesday of next calendar week
    ("zh", "后天上午9点半", "2026-11-25 周三 09:30"),
    ("zh", "周五", "2026-11-27 周五"),
    ("zh", "星期日晚上8点", "2026-11-29 周日 20:00"),
    ("zh", "12/5 14:00", "2026-12-05 周六 14:00"),  # ambiguous 12/5 is month/day, as Chinese writes it
    ("zh", "3天后", "2026-11-26 周四"),
    ("zh", "十二月五日", "2026-12-05 周六"),
    ("zh", "2026年12月5日 下午三点", "2026-12-05 周六 15:00"),
    ("zh", "11月1日", "最多可提前 90 天"),  # no year: next year's, out of reach
    ("zh", "2026-11-01", "已经过去了"),  # past
    ("zh", "2月30日", "没有这一天"),
    ("zh", "今天11点", "2 小时"),  # too late for online booking: the changes phone is given
    ("en", "tomorrow 3pm", "2026-11-24 Tue 15:00"),
    ("en", "next Friday", "2026-11-27 Fri"),
    ("en", "Dec 5", "2026-12-05 Sat"),
    ("en", "2026-12-05 15:30", "2026-12-05 Sat 15:30"),
    ("en", "in 3 days", "2026-11-26 Thu"),
    ("en", "someday", "couldn't read"),
]


async def test_typed_dates_and_times_in_chinese_and_english(bot: Harness) -> None:  # noqa: F811
    contact = bot.svc.knowledge.booking_types["airport"].changes_contact
    assert len(TYPED) == 20
    for lang, typed, expected in TYPED:
        code = "en" if lang == "en" else "zh-hans"
        await bot.say(HOLDER, "/book", language_code=code)
        form = bot.last_message(HOLDER)
        await bot.press(HOLDER, AIRPORT_DEPARTURE, form, language_code=code)
        await bot.say(HOLDER, typed, language_code=code)
        shown = bot.fake.last_text(HOLDER)
        assert expected in shown, (typed, shown)
        if typed == "今天11点":
            assert contact and contact in shown


# --- the calendar ------------------------------------------------------------------------------------


def calendar_days(message: dict) -> list[str]:  # type: ignore[type-arg]
    return [d.removeprefix("bk:c:") for _, d in FakeBotApi.buttons(message) if d.startswith("bk:c:2")]


async def test_the_calendar_pages_across_month_and_year_ends(
    database: Database, shipped: KnowledgeBase
) -> None:
    from bot.holders.registry import import_registry, parse_registry
    from tests.test_telegram_booking import CARDS, REGISTRY

    async with database.session() as session:
        await import_registry(session, parse_registry(REGISTRY, CARDS))
    clock = FakeClock(datetime(2026, 12, 28, 2, 0, tzinfo=UTC))  # Monday 28 December, 10:00 Shanghai
    bot = await build(database, shipped, clock)
    async with bot.app:
        await bot.say(DOCTOR_FAN, "/bind ZD0001")
        await bot.say(DOCTOR_FAN, "/book")
        await tap(bot, DOCTOR_FAN, "区中医院")
        december = bot.last_message(DOCTOR_FAN)
        assert "2026年12月" in december["text"]
        assert calendar_days(december) == ["2026-12-29", "2026-12-30", "2026-12-31"]
        assert [t for t, _ in FakeBotApi.buttons(december)].count("◀") == 0
        await tap(bot, DOCTOR_FAN, "▶")
        january = bot.last_message(DOCTOR_FAN)
        assert january["message_id"] == december["message_id"]  # paged in place
        assert "2027年1月" in january["text"]
        days = calendar_days(january)
        assert days[0] == "2027-01-01" and "2027-01-02" not in days  # Saturday: a placeholder
        assert days[-1] == "2027-01-11"  # 14 days ahead, weekdays only
        assert "▶" not in [t for t, _ in FakeBotApi.buttons(january)]
        await tap(bot, DOCTOR_FAN, "bk:n")  # a day that cannot be booked answers, and changes nothing
        assert bot.fake.callback_answers[-1]["text"] == "这一天不可预约。"
        await tap(bot, DOCTOR_FAN, "◀")
        assert "2026年12月" in bot.fake.last_text(DOCTOR_FAN)

        await bot.say(HOLDER, "/bind BY0001")
        await bot.say(HOLDER, "/book")
        await tap(bot, HOLDER, AIRPORT_DEPARTURE)
        pages = []
        while True:
            message = bot.last_message(HOLDER)
            pages.append(message["text"].split("：", 1)[0])
            if "▶" not in [t for t, _ in FakeBotApi.buttons(message)]:
                break
            await tap(bot, HOLDER, "▶")
        assert pages == ["📅 2026年12月", "📅 2027年1月", "📅 2027年2月", "📅 2027年3月"]
        assert calendar_days(bot.last_message(HOLDER))[-1] == "2027-03-28"  # 90 days ahead


# --- no dead ends ------------------------------------------------------------------------------------


async def use_up_the_quota(bot: Harness, month: int) -> None:
    airport = bot.svc.knowledge.booking_types["airport"]
    for day in (10, 11):
        at = datetime(2026, month, day, 14, 0, tzinfo=bot.svc.settings.tz)
        request = BookingRequest(HOLDER, HOLDER, "BY0001", "domestic-departure", at, {}, f"quota{day}")
        assert (await place_booking(bot.svc.db, airport, request, bot.clock.now)).booking is not None


async def test_a_used_up_quota_is_refused_when_the_form_starts(
    bot: Harness,  # noqa: F811
    database: Database,
    shipped: KnowledgeBase,
) -> None:
    june = await build(database, shipped, FakeClock(datetime(2026, 6, 1, 2, 0, tzinfo=UTC)))
    async with june.app:
        await use_up_the_quota(june, 6)
        await june.say(HOLDER, "/book")
        refusal = june.last_message(HOLDER)
    contact = june.svc.knowledge.booking_types["airport"].changes_contact
    assert "已用完" in refusal["text"] and contact and contact in refusal["text"]
    assert "/mybookings" in refusal["text"] and not june.fake.buttons(refusal)  # nothing to tap in vain


async def test_near_the_year_end_a_used_up_quota_leaves_only_next_years_days(bot: Harness) -> None:  # noqa: F811
    await use_up_the_quota(bot, 12)  # 2026's two uses; today is 2026-11-23, 90 days reach into 2027
    await bot.say(HOLDER, "/book")
    await tap(bot, HOLDER, AIRPORT_DEPARTURE)
    calendar = bot.last_message(HOLDER)
    assert "2027年1月" in calendar["text"] and calendar_days(calendar)[0] == "2027-01-01"
    assert "2027 年已使用 0/2 次" in calendar["text"]
    await bot.say(HOLDER, "12月20日")
    assert "2026 年的预约次数已用完" in bot.fake.last_text(HOLDER)


async def test_a_confirm_that_can_no_longer_succeed_leaves_no_dead_button(bot: Harness) -> None:  # noqa: F811
    await fill_airport(bot)  # 2026-12-01 14:30, domestic: 2 hours' notice
    bot.clock.now = datetime(2026, 12, 1, 5, 0, tzinfo=UTC)  # 13:00 on the day: too late now
    await submit(bot, HOLDER)
    back_at_time = bot.last_message(HOLDER)
    contact = bot.svc.knowledge.booking_types["airport"].changes_contact
    assert "来不及在线预约" in back_at_time["text"] and contact in back_at_time["text"]
    assert "请输入航班起飞/抵达时间" in back_at_time["text"]  # asked again, not the same confirm button
    await bot.say(HOLDER, "18:00")
    assert "确认提交吗" in bot.fake.last_text(HOLDER)

    await use_up_the_quota(bot, 12)  # meanwhile the year's uses went elsewhere
    await submit(bot, HOLDER)
    closed = bot.last_message(HOLDER)
    assert "已用完" in closed["text"] and contact in closed["text"] and not bot.fake.buttons(closed)
    await bot.say(HOLDER, "区总工会电话")  # the form is closed: questions are answered again
    assert "总工会" in bot.fake.last_text(HOLDER) and "bk:" not in str(bot.last_message(HOLDER))


async def test_fields_that_do_not_apply_are_skipped_and_counts_agree_with_names(bot: Harness) -> None:  # noqa: F811
    await bot.say(HOLDER, "/book")
    await tap(bot, HOLDER, "国内航班接机")
    await bot.say(HOLDER, "12月3日 9:00")
    await bot.say(HOLDER, "CZ3101")
    await tap(bot, HOLDER, "2")
    await bot.say(HOLDER, "王英才")
    assert "请输入 2 个" in bot.fake.last_text(HOLDER)  # two passengers need two names
    await bot.say(HOLDER, "王英才、李四")
    await bot.say(HOLDER, "13800138000")
    await tap(bot, HOLDER, "0")
    await tap(bot, HOLDER, "0")
    assert "是否有托运行李" in bot.fake.last_text(HOLDER)  # no escort names, no plates
    await tap(bot, HOLDER, "否")
    assert "接机时是否举牌" in bot.fake.last_text(HOLDER)  # an arrival: the sign board is asked
    await tap(bot, HOLDER, "是")
    summary = bot.fake.last_text(HOLDER)
    shown = prompts(bot, HOLDER)
    assert "送机/接机人员姓名" not in shown and "车牌号" not in shown
    assert "乘机人姓名：王英才、李四" in summary and "接机时是否举牌：是" in summary


# --- one message, edited in place --------------------------------------------------------------------


async def test_the_form_is_one_message_edited_in_place_and_old_buttons_are_refused(bot: Harness) -> None:  # noqa: F811
    await bot.say(HOLDER, "/book")
    old_form = bot.last_message(HOLDER)
    await bot.say(HOLDER, "/book")  # a fresh form: the old message loses its buttons
    form = bot.last_message(HOLDER)
    assert form["message_id"] != old_form["message_id"]
    stripped = [m for m in bot.fake.messages_to(HOLDER) if m["message_id"] == old_form["message_id"]][-1]
    assert not bot.fake.buttons(stripped)
    await bot.press(HOLDER, AIRPORT_DEPARTURE, old_form)  # an old message's button: refused gracefully
    assert bot.fake.callback_answers[-1]["text"] == "这个按钮已失效，请用最新的预约消息操作。"
    assert bot.fake.callback_answers[-1].get("show_alert") in (True, "true", "True")
    sends = len(bot.fake.calls_of("sendMessage"))
    await tap(bot, HOLDER, AIRPORT_DEPARTURE)
    await tap(bot, HOLDER, "bk:c:2026-12-01")
    await bot.say(HOLDER, "14:30")
    await bot.say(HOLDER, "not a flight")
    assert len(bot.fake.calls_of("sendMessage")) == sends  # typed answers are acknowledged by the edit
    latest = bot.last_message(HOLDER)
    assert latest["message_id"] == form["message_id"]
    assert (
        latest["text"].startswith("航班号格式不对")
        and "✓ 时间：14:30 → 2026-12-01 周二 14:30" in latest["text"]
    )
    await bot.press(HOLDER, "bk:back", old_form)
    assert bot.fake.callback_answers[-1]["text"] == "这个按钮已失效，请用最新的预约消息操作。"
    await bot.press(HOLDER, "bk:cancel", old_form)
    assert "航班号" in bot.last_message(HOLDER)["text"]  # the live form is untouched


# --- staff -------------------------------------------------------------------------------------------


async def notice_of_a_new_booking(bot: Harness) -> dict:  # type: ignore[type-arg]
    await fill_airport(bot)
    await submit(bot, HOLDER)
    return bot.last_message(STAFF_CHAT)


async def quota_uses(bot: Harness) -> int:
    async with bot.svc.db.session() as session:
        return int(await session.scalar(select(func.count()).select_from(QuotaUse)) or 0)


async def test_staff_reject_with_a_typed_reason_and_undo_it(bot: Harness) -> None:  # noqa: F811
    notice = await notice_of_a_new_booking(bot)
    # The holder's name once, as the form's field; the card line does not repeat it.
    assert "\n卡号：BY0001\n" in notice["text"] and notice["text"].count("持卡人姓名：王英才") == 1
    await bot.press(STAFFER, bot.button(notice, "st:no:"), notice)
    asking = bot.last_message(STAFF_CHAT)
    assert "直接回复本消息" in asking["text"]
    told_before = len(bot.fake.messages_to(HOLDER))
    await bot.say(
        STAFFER,
        "航班已取消，请改订后重新预约",
        chat_id=STAFF_CHAT,
        chat_type="supergroup",
        reply_to_message=asking,
    )
    rejected = [m for m in bot.fake.messages_to(STAFF_CHAT) if m["message_id"] == notice["message_id"]][-1]
    assert "❌ 已拒绝：航班已取消" in rejected["text"] and bot.button(rejected, "st:un:")
    assert await quota_uses(bot) == 0
    await drain_outbox(bot.job_context())
    assert len(bot.fake.messages_to(HOLDER)) == told_before  # held back during the undo window

    bot.clock.advance(UNDO_WINDOW / 2)
    await bot.press(STAFFER, bot.button(rejected, "st:un:"), rejected)
    undone = bot.last_message(STAFF_CHAT)
    assert "已撤销拒绝" in undone["text"] and bot.button(undone, "st:ok:")
    assert await quota_uses(bot) == 1
    bot.clock.advance(UNDO_WINDOW)
    await drain_outbox(bot.job_context())
    assert len(bot.fake.messages_to(HOLDER)) == told_before  # the withdrawn rejection never went out

    await bot.press(STAFFER, bot.button(undone, "st:no:"), undone)
    preset = bot.last_message(STAFF_CHAT)
    await bot.press(STAFFER, bot.button(preset, "st:rj:"), preset)
    bot.clock.advance(UNDO_WINDOW + timedelta(seconds=1))
    final = bot.last_message(STAFF_CHAT)
    await bot.press(STAFFER, bot.button(final, "st:un:"), final)
    assert bot.fake.callback_answers[-1]["text"] == "已超过撤销时限或已撤销。"
    await drain_outbox(bot.job_context())
    told = bot.fake.last_text(HOLDER)
    contact = bot.svc.knowledge.booking_types["airport"].changes_contact
    assert "原因：该时段已无法安排" in told and "处理时间：2026-11-23" in told
    assert "/book" in told and contact in told


async def test_a_typed_reason_from_someone_not_staff_is_refused(bot: Harness) -> None:  # noqa: F811
    notice = await notice_of_a_new_booking(bot)
    await bot.press(STAFFER, bot.button(notice, "st:no:"), notice)
    asking = bot.last_message(STAFF_CHAT)
    await bot.say(9999, "随便拒绝", chat_id=STAFF_CHAT, chat_type="supergroup", reply_to_message=asking)
    assert bot.fake.last_text(STAFF_CHAT) == "仅限工作人员操作。"
    async with bot.svc.db.session() as session:
        assert (await session.execute(select(Booking.status))).scalar_one() == "pending"


async def test_an_undo_is_refused_when_the_slot_was_taken_meanwhile(bot: Harness) -> None:  # noqa: F811
    await bot.say(DOCTOR_FAN, "/book")
    await tap(bot, DOCTOR_FAN, "区中医院")
    await bot.say(DOCTOR_FAN, "后天上午9点")
    await bot.say(DOCTOR_FAN, "0533 2345678")
    await bot.say(DOCTOR_FAN, "复查")
    await submit(bot, DOCTOR_FAN)
    notice = bot.last_message(STAFF_CHAT)
    await bot.press(STAFFER, bot.button(notice, "st:no:"), notice)
    asking = bot.last_message(STAFF_CHAT)
    await bot.press(STAFFER, bot.button(asking, "st:rj:"), asking)
    hospital = bot.svc.knowledge.booking_types["hospital"]
    at = datetime(2026, 11, 25, 9, 0, tzinfo=bot.svc.settings.tz)
    for n in range(hospital.capacity_per_slot or 0):  # the freed seat, and the other, are taken meanwhile
        request = BookingRequest(HOLDER, HOLDER, f"ZD9{n}", "zhongyi", at, {}, f"other{n}")
        assert (await place_booking(bot.svc.db, hospital, request, bot.clock.now)).booking is not None
    rejected = bot.last_message(STAFF_CHAT)
    await bot.press(STAFFER, bot.button(rejected, "st:un:"), rejected)
    assert bot.fake.callback_answers[-1]["text"].startswith("无法撤销：该时段已约满")
    async with bot.svc.db.session() as session:
        assert (await session.get(Booking, 1)).status == "rejected"  # type: ignore[union-attr]


async def test_keeping_a_booking_puts_the_list_back(bot: Harness) -> None:  # noqa: F811
    await fill_airport(bot)
    await submit(bot, HOLDER)
    await bot.say(HOLDER, "/mybookings")
    listing = bot.last_message(HOLDER)
    await bot.press(HOLDER, bot.button(listing, "bkx:"), listing)
    asking = bot.last_message(HOLDER)
    await bot.press(HOLDER, "bkl", asking)
    assert bot.fake.callback_answers[-1]["text"] == "好的，预约保留。"
    back = bot.last_message(HOLDER)
    assert back["message_id"] == listing["message_id"] and back["text"] == listing["text"]
    assert bot.fake.buttons(back) == bot.fake.buttons(listing)
