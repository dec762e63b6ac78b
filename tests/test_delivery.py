"""Nothing lost, nothing sent twice, nothing left behind (issue 8, "Data and delivery"): the outbox,
reminders, hand-overs, /forget, booking ids and changes, edited messages, through the real Application
on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from bot.app import set_command_menus
from bot.booking import actions as booking_actions
from bot.booking import outbox
from bot.booking.outbox import MAX_ATTEMPTS, MAX_BACKOFF, SendFailure
from bot.handlers.outbox_sender import drain_outbox
from bot.handlers.reminders import send_reminder
from bot.handlers.staff import repost_overdue
from bot.kb.loader import KnowledgeBase
from db.models import Booking, OutboxMessage, QuotaUse, Reminder, User
from db.session import Database
from tests.telegram_harness import ADMIN, STAFF_CHAT, Harness
from tests.test_reminders import confirmed_airport_booking, reminder_rows, reminder_texts
from tests.test_telegram_booking import HOLDER, STAFFER, STRANGER, build, fill_airport, tap
from tests.test_telegram_booking import bot as bot  # noqa: F401  (the booking fixture, reused)

PHONE, PLATE, PASSENGER = "13800138000", "粤A12345", "李四"  # what fill_airport types


async def rows(bot: Harness) -> list[OutboxMessage]:  # noqa: F811
    async with bot.svc.db.session() as session:
        return list((await session.execute(select(OutboxMessage).order_by(OutboxMessage.id))).scalars())


async def enqueue(bot: Harness, chat_id: int, text: str, **kwargs) -> int:  # type: ignore[no-untyped-def]  # noqa: F811
    async with bot.svc.db.session() as session:
        row = await outbox.enqueue(session, chat_id, text, bot.clock(), **kwargs)
        await session.flush()
        return row.id


def texts_to(bot: Harness, chat_id: int) -> list[str]:  # noqa: F811
    return [m.get("text", "") for m in bot.fake.messages_to(chat_id)]


async def place_airport(bot: Harness, day: str, used: int = 0) -> Booking:  # noqa: F811
    """A domestic drop-off; with `used` (a returning holder) the form fills in the last booking's details."""
    if used == 0:
        await fill_airport(bot, day=day)
    else:
        await bot.say(HOLDER, "/book")
        assert f"本年度已使用 {used}/2 次" in bot.fake.last_text(HOLDER)
        await tap(bot, HOLDER, "国内航班送机")
        await tap(bot, HOLDER, day)
        for text in ["14:30", "CZ3101"]:
            await bot.say(HOLDER, text)
        await tap(bot, HOLDER, "是")
    await tap(bot, HOLDER, "✅ 确认提交")
    async with bot.svc.db.session() as session:
        return (await session.execute(select(Booking).order_by(Booking.id.desc()).limit(1))).scalar_one()


async def quota_uses(bot: Harness) -> int:  # noqa: F811
    async with bot.svc.db.session() as session:
        return int(await session.scalar(select(func.count()).select_from(QuotaUse)) or 0)


# --- 1. the outbox never wedges ---------------------------------------------------------------------


async def test_the_back_off_is_capped_before_it_is_computed(bot: Harness) -> None:  # noqa: F811
    message_id = await enqueue(bot, STAFF_CHAT, "x")
    async with bot.svc.db.session() as session:
        (await session.get(OutboxMessage, message_id)).attempts = 5  # type: ignore[union-attr]
    # 2**1000 seconds overflows timedelta: the cap must come first.
    assert outbox.backoff(1000) == MAX_BACKOFF
    assert await outbox.failed(bot.svc.db, message_id, SendFailure("500"), bot.clock()) == "pending"
    [row] = await rows(bot)
    assert row.next_attempt_at - bot.clock() == timedelta(seconds=64)


async def test_a_refused_or_broken_row_never_blocks_the_ones_behind_it(
    bot: Harness,  # noqa: F811
    caplog: pytest.LogCaptureFixture,
) -> None:
    bot.fake.blocked.add(HOLDER)
    blocked = await enqueue(bot, HOLDER, "to a holder who blocked the bot")
    broken = await enqueue(bot, STAFF_CHAT, "corrupt buttons", buttons=[[("only a label",)]])  # type: ignore[list-item]
    fine = await enqueue(bot, STAFF_CHAT, "behind them")
    with caplog.at_level(logging.WARNING):
        assert await drain_outbox(bot.job_context()) == [fine]
    state = {row.id: row for row in await rows(bot)}
    assert state[blocked].status == "dead" and "Forbidden" in (state[blocked].last_error or "")
    assert f"outbox message {blocked} to chat {HOLDER} is a dead letter" in caplog.text
    assert state[broken].status == "pending" and state[broken].attempts == 1  # not Telegram's fault: retried
    assert texts_to(bot, STAFF_CHAT) == ["behind them"]
    bot.clock.advance(timedelta(hours=1))
    await drain_outbox(bot.job_context())
    tries = [c for c in bot.fake.calls_of("sendMessage") if c["text"] == "to a holder who blocked the bot"]
    assert len(tries) == 1  # never again


async def test_too_many_attempts_make_a_dead_letter(bot: Harness) -> None:  # noqa: F811
    message_id = await enqueue(bot, STAFF_CHAT, "flaky")
    async with bot.svc.db.session() as session:
        (await session.get(OutboxMessage, message_id)).attempts = MAX_ATTEMPTS - 1  # type: ignore[union-attr]
    bot.fake.fail_next("sendMessage", status=500)
    await drain_outbox(bot.job_context())
    [row] = await rows(bot)
    assert row.status == "dead" and row.attempts == MAX_ATTEMPTS


async def test_a_429_is_honoured_for_the_whole_batch_without_counting_attempts(bot: Harness) -> None:  # noqa: F811
    for number in range(3):
        await enqueue(bot, STAFF_CHAT, f"notice {number}")
    bot.fake.fail_next("sendMessage", status=429, retry_after=30)
    assert await drain_outbox(bot.job_context()) == []
    first, *rest = await rows(bot)
    assert first.attempts == 1 and [r.attempts for r in rest] == [0, 0]
    assert {r.next_attempt_at for r in (first, *rest)} == {bot.clock() + timedelta(seconds=30)}
    bot.clock.advance(timedelta(seconds=29))
    assert await drain_outbox(bot.job_context()) == []
    bot.clock.advance(timedelta(seconds=2))
    await drain_outbox(bot.job_context())
    assert texts_to(bot, STAFF_CHAT) == ["notice 0", "notice 1", "notice 2"]


# --- 2. never sent twice ------------------------------------------------------------------------------


async def test_overlapping_drains_and_two_instances_send_each_row_once(
    bot: Harness,  # noqa: F811
    database: Database,
    shipped: KnowledgeBase,
) -> None:
    for number in range(30):
        await enqueue(bot, STAFF_CHAT, f"notice {number}")
    other = await build(database, shipped, bot.clock)
    async with other.app:
        await asyncio.gather(
            drain_outbox(bot.job_context()),
            drain_outbox(bot.job_context()),
            drain_outbox(other.job_context()),
            drain_outbox(other.job_context()),
        )
        sent = texts_to(bot, STAFF_CHAT) + texts_to(other, STAFF_CHAT)
    assert sorted(sent) == sorted(f"notice {number}" for number in range(30))
    assert {row.status for row in await rows(bot)} == {"sent"}


async def test_a_failed_calendar_file_does_not_send_the_text_again(bot: Harness) -> None:  # noqa: F811
    await place_airport(bot, "bk:c:2026-12-01")
    notice = bot.last_message(STAFF_CHAT)
    bot.fake.fail_next("sendDocument", status=500)
    await bot.press(STAFFER, bot.button(notice, "st:ok:"), notice)
    bot.clock.advance(timedelta(minutes=1))
    await drain_outbox(bot.job_context())
    confirmed = [m for m in bot.fake.messages_to(HOLDER) if "已确认" in m.get("text", "")]
    documents = [m for m in bot.fake.messages_to(HOLDER) if "document" in m]
    assert len(confirmed) == 1 and len(documents) == 1


# --- 3. /forget ---------------------------------------------------------------------------------------


async def test_forget_cancels_upcoming_bookings_anonymises_past_ones_and_keeps_the_quota(
    bot: Harness,  # noqa: F811
) -> None:
    past = await place_airport(bot, "bk:c:2026-12-01")
    notice = bot.last_message(STAFF_CHAT)
    await bot.press(STAFFER, bot.button(notice, "st:ok:"), notice)
    bot.clock.now = past.starts_at + timedelta(days=1)  # the first flight has been served
    upcoming = await place_airport(bot, "bk:c:2026-12-10", used=1)
    await bot.say(HOLDER, "/forget")
    prompt = bot.last_message(HOLDER)
    assert "预约将被取消" in prompt["text"]
    await bot.press(HOLDER, "forget:yes", prompt)

    assert f"预约 #{upcoming.id} 已取消" in bot.fake.last_text(STAFF_CHAT)
    async with bot.svc.db.session() as session:
        kept = {b.id: b for b in (await session.execute(select(Booking))).scalars()}
        assert await session.get(User, HOLDER) is None
    assert kept[upcoming.id].status == "cancelled" and kept[past.id].status == "confirmed"
    assert all(b.user_id is None and b.fields == {} and b.chat_id == 0 for b in kept.values())
    assert {r.status for r in await reminder_rows(bot)} <= {"cancelled", "sent", "dropped"}
    for row in await rows(bot):
        assert PHONE not in row.text and PLATE not in row.text and PASSENGER not in row.text
        assert row.document is None or PHONE not in row.document
    # The served booking's quota use stays with the card: binding again does not give it back.
    assert await quota_uses(bot) == 1
    await bot.say(HOLDER, "/bind BY0001")
    await bot.say(HOLDER, "/book")
    assert "本年度已使用 1/2 次" in bot.fake.last_text(HOLDER)


async def test_forget_does_not_reset_the_binding_lockout(bot: Harness) -> None:  # noqa: F811
    for number in range(5):
        await bot.say(STRANGER, f"/bind XX{number:04d}")
    await bot.say(STRANGER, "/bind BY9999")
    locked = bot.fake.last_text(STRANGER)
    await bot.say(STRANGER, "/forget")
    await bot.press(STRANGER, "forget:yes", bot.last_message(STRANGER))
    await bot.say(STRANGER, "/bind BY9998")
    assert bot.fake.last_text(STRANGER) == locked


# --- 4. ids, buttons and jobs ------------------------------------------------------------------------


async def test_ids_are_never_reused(database: Database) -> None:
    async with database.session() as session:
        first = await outbox.enqueue(session, 1, "a", _now())
        await session.flush()
        first_id = first.id
        await session.delete(first)
    async with database.session() as session:
        second = await outbox.enqueue(session, 1, "b", _now())
        await session.flush()
        assert second.id > first_id


def _now():  # type: ignore[no-untyped-def]
    from tests.telegram_harness import FakeClock

    return FakeClock()()


async def test_an_old_staff_button_cannot_reach_a_later_booking(bot: Harness) -> None:  # noqa: F811
    first = await place_airport(bot, "bk:c:2026-12-01")
    old_notice = bot.last_message(STAFF_CHAT)
    async with bot.svc.db.session() as session:  # gone, as the old /forget's cascade removed bookings
        await session.delete(await session.get(Booking, first.id))
    later = await place_airport(bot, "bk:c:2026-12-02")
    assert later.id > first.id
    await bot.press(STAFFER, bot.button(old_notice, "st:ok:"), old_notice)
    assert bot.fake.callback_answers[-1]["text"] == "该预约已处理过了。"
    async with bot.svc.db.session() as session:
        assert (await session.get(Booking, later.id)).status == "pending"  # type: ignore[union-attr]


async def test_cancelling_and_muting_remove_the_reminder_jobs(bot: Harness) -> None:  # noqa: F811
    booking = await confirmed_airport_booking(bot)
    assert sum(job.name.startswith("reminder:") for job in bot.app.job_queue.jobs()) == 2
    await bot.say(HOLDER, "/reminders")
    listing = bot.last_message(HOLDER)
    await bot.press(HOLDER, bot.button(listing, "rm:"), listing)
    assert sum(job.name.startswith("reminder:") for job in bot.app.job_queue.jobs()) == 1
    await bot.say(HOLDER, "/mybookings")
    await bot.press(HOLDER, f"bkx:{booking.id}", bot.last_message(HOLDER))
    await bot.press(HOLDER, f"bkx:{booking.id}:yes", bot.last_message(HOLDER))  # confirmed
    assert not [job for job in bot.app.job_queue.jobs() if job.name.startswith("reminder:")]


async def test_a_reminder_job_sends_only_for_its_own_booking(bot: Harness) -> None:  # noqa: F811
    booking = await confirmed_airport_booking(bot)
    first, _ = await reminder_rows(bot)
    bot.clock.now = first.due_at
    assert await send_reminder(bot.job_context(), first.id, booking.id + 1) is None
    assert reminder_texts(bot) == [] and (await reminder_rows(bot))[0].status == "scheduled"
    assert await send_reminder(bot.job_context(), first.id, booking.id) is None
    assert len(reminder_texts(bot)) == 1


# --- 5 and 9. reminders through outages and refusals -------------------------------------------------


def reminder_jobs(bot: Harness, reminder_id: int) -> list:  # type: ignore[type-arg]  # noqa: F811
    return [j for j in bot.app.job_queue.jobs() if j.name == f"reminder:{reminder_id}"]


async def first_reminder_due(bot: Harness) -> Reminder:  # noqa: F811
    """A confirmed booking, and the clock at its first reminder."""
    await confirmed_airport_booking(bot)
    first, _ = await reminder_rows(bot)
    bot.clock.now = first.due_at
    return first


async def fire(bot: Harness, reminder_id: int) -> None:  # noqa: F811
    """What the scheduler does when a one-off job is due: take it off, run it."""
    [job] = reminder_jobs(bot, reminder_id)
    job.schedule_removal()
    await job.run(bot.app)


async def test_a_reminder_due_during_a_database_outage_is_retried(
    bot: Harness,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    first = await first_reminder_due(bot)
    real = booking_actions.take_reminder

    async def database_down(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise OperationalError("SELECT 1", {}, ConnectionRefusedError("database down"))

    monkeypatch.setattr(booking_actions, "take_reminder", database_down)
    await fire(bot, first.id)
    [retry] = reminder_jobs(bot, first.id)  # scheduled again with back-off, not dropped
    assert retry.data.attempt == 1
    monkeypatch.setattr(booking_actions, "take_reminder", real)
    await fire(bot, first.id)
    assert len(reminder_texts(bot)) == 1 and (await reminder_rows(bot))[0].status == "sent"


async def test_a_blocked_holders_reminder_stops_at_the_refusal(
    bot: Harness,  # noqa: F811
    caplog: pytest.LogCaptureFixture,
) -> None:
    first = await first_reminder_due(bot)
    bot.fake.blocked.add(HOLDER)
    calls_before = len(bot.fake.calls_of("sendMessage"))
    with caplog.at_level(logging.WARNING):
        await fire(bot, first.id)
    assert reminder_jobs(bot, first.id) == []  # no retry
    assert len(bot.fake.calls_of("sendMessage")) == calls_before + 1
    assert (await reminder_rows(bot))[0].status == "failed"
    [dead] = [row for row in await rows(bot) if row.status == "dead"]
    assert dead.chat_id == HOLDER and "预约提醒" in dead.text and "dead letter" in caplog.text


# --- 6. a change with the yearly quota used up -------------------------------------------------------


async def test_a_change_works_when_the_yearly_quota_is_used_up(bot: Harness) -> None:  # noqa: F811
    first = await place_airport(bot, "bk:c:2026-12-01")
    await place_airport(bot, "bk:c:2026-12-02", used=1)
    assert await quota_uses(bot) == 2
    await bot.say(HOLDER, "/mybookings")
    await bot.press(HOLDER, f"bkm:{first.id}", bot.last_message(HOLDER))
    await tap(bot, HOLDER, "bk:c:2026-12-05")
    await bot.say(HOLDER, "09:15")
    await tap(bot, HOLDER, "✅ 确认提交")
    assert "已提交" in bot.fake.last_text(HOLDER)
    async with bot.svc.db.session() as session:
        statuses = sorted(b.status for b in (await session.execute(select(Booking))).scalars())
        uses = {u.booking_id for u in (await session.execute(select(QuotaUse))).scalars()}
    assert statuses == ["cancelled", "pending", "pending"] and first.id not in uses and len(uses) == 2


async def test_a_change_that_cannot_be_placed_keeps_the_old_booking(bot: Harness) -> None:  # noqa: F811
    first = await place_airport(bot, "bk:c:2026-12-01")
    await bot.say(HOLDER, "/mybookings")
    await bot.press(HOLDER, f"bkm:{first.id}", bot.last_message(HOLDER))
    await tap(bot, HOLDER, "bk:c:2026-12-05")
    await bot.say(HOLDER, "09:15")
    bot.clock.now = bot.clock.now.replace(month=12, day=5, hour=1)  # 09:00 Shanghai: under 2 hours' notice
    await tap(bot, HOLDER, "✅ 确认提交")
    async with bot.svc.db.session() as session:
        assert (await session.get(Booking, first.id)).status == "pending"  # type: ignore[union-attr]
    assert await quota_uses(bot) == 1


# --- 7. edited messages ------------------------------------------------------------------------------


async def test_an_edited_question_is_not_answered_again(bot: Harness) -> None:  # noqa: F811
    await bot.say(HOLDER, "接机服务怎么预约")
    asked = bot.fake.messages[(HOLDER, bot.last_message(HOLDER)["message_id"] - 1)]
    before = len(bot.fake.messages_to(HOLDER))
    await bot.feed(bot.fake.make_edited_text_update(asked, "送机服务怎么预约"))
    assert len(bot.fake.messages_to(HOLDER)) == before


async def test_an_edited_old_message_does_not_feed_the_form(bot: Harness) -> None:  # noqa: F811
    await bot.say(HOLDER, "随便问问")
    old = bot.fake.messages[(HOLDER, bot.last_message(HOLDER)["message_id"] - 1)]
    await bot.say(HOLDER, "/book")
    await tap(bot, HOLDER, "国内航班送机")
    await tap(bot, HOLDER, "bk:c:2026-12-01")
    step = bot.fake.last_text(HOLDER)
    await bot.feed(bot.fake.make_edited_text_update(old, "14:30"))
    assert bot.fake.last_text(HOLDER) == step
    view = await booking_actions.current(bot.svc, booking_actions.Who(HOLDER, "张三", "zh"))
    assert view is not None and view.screen is not None and view.screen.text in step


async def handed_over(bot: Harness, question: str) -> dict:  # type: ignore[type-arg]  # noqa: F811
    await bot.say(HOLDER, question)
    declined = bot.last_message(HOLDER)
    await bot.press(HOLDER, bot.button(declined, "ho:"), declined)
    return bot.last_message(STAFF_CHAT)


async def test_an_edited_staff_reply_reaches_the_holder_once(bot: Harness) -> None:  # noqa: F811
    post = await handed_over(bot, "月球上能用这张卡吗")
    await bot.say(STAFFER, "不能", chat_id=STAFF_CHAT, chat_type="supergroup", reply_to_message=post)
    reply = bot.fake.messages[(STAFF_CHAT, bot.last_message(STAFF_CHAT)["message_id"] - 1)]
    assert reply["text"] == "不能"
    await bot.feed(bot.fake.make_edited_text_update(reply, "不能，抱歉"))
    assert [t for t in texts_to(bot, HOLDER) if "工作人员回复" in t] == ["💬 工作人员回复：\n不能"]


# --- 8. long texts and the re-post job ---------------------------------------------------------------


async def test_a_4096_character_question_reaches_staff_and_a_4096_character_reply_the_holder(
    bot: Harness,  # noqa: F811
) -> None:
    question = "月" * 4096
    post = await handed_over(bot, question)
    assert "过长已截断" in post["text"] and len(post["text"]) <= 4096
    bot.clock.advance(timedelta(minutes=61))
    await repost_overdue(bot.job_context())
    repost = bot.last_message(STAFF_CHAT)
    assert repost["text"].startswith("⏰") and "过长已截断" in repost["text"]
    answer = "答" * 4096
    await bot.say(STAFFER, answer, chat_id=STAFF_CHAT, chat_type="supergroup", reply_to_message=repost)
    parts = [t for t in texts_to(bot, HOLDER) if "工作人员回复" in t]
    assert len(parts) == 2 and sum(part.count("答") for part in parts) == 4096
    assert bot.fake.last_text(STAFF_CHAT) == "✅ 已送达用户。"


async def test_one_hand_over_that_fails_never_blocks_the_others(bot: Harness) -> None:  # noqa: F811
    await handed_over(bot, "月球上能用这张卡吗")
    await handed_over(bot, "火星上能用这张卡吗")
    bot.clock.advance(timedelta(minutes=61))
    bot.fake.fail_next("sendMessage", status=400, description="Bad Request: message is too long")
    await repost_overdue(bot.job_context())
    reposts = [t for t in texts_to(bot, STAFF_CHAT) if t.startswith("⏰")]
    assert len(reposts) == 1 and "火星" in reposts[0]
    assert [row.status for row in await rows(bot)] == ["dead"]
    bot.clock.advance(timedelta(minutes=5))
    await repost_overdue(bot.job_context())  # the refused one waits its hour, not 5 minutes
    assert len([t for t in texts_to(bot, STAFF_CHAT) if t.startswith("⏰")]) == 1


# --- /outbox ------------------------------------------------------------------------------------------


async def test_admins_see_dead_letters_with_outbox(bot: Harness) -> None:  # noqa: F811
    await bot.say(ADMIN, "/outbox")
    assert bot.fake.last_text(ADMIN) == "没有未能送达的消息。"
    bot.fake.blocked.add(HOLDER)
    await enqueue(bot, HOLDER, "<b>您的预约</b> 已确认 &amp; 祝顺利")
    await drain_outbox(bot.job_context())
    await bot.say(ADMIN, "/outbox")
    listing = bot.fake.last_text(ADMIN)
    assert "Forbidden" in listing and "您的预约 已确认 & 祝顺利" in listing
    await bot.say(STAFFER, "/outbox")
    assert "未能送达" not in bot.fake.last_text(STAFFER)
    await set_command_menus(bot.app)
    assert "outbox" in [c["command"] for c in bot.fake.commands[f"chat:{ADMIN}"][""]]
    assert "outbox" not in [c["command"] for c in bot.fake.commands["default"][""]]
