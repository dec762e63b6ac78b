"""Reminders with a controlled clock: on time, once, across restarts and crashes; agenda and nudges."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import select, update

from bot.booking.reminders import CLAIM_LEASE
from bot.handlers.reminders import nudge_staff, restore_reminders, send_reminder, staff_agenda
from bot.kb.loader import KnowledgeBase
from db.models import Booking, Reminder
from db.session import Database
from tests.telegram_harness import STAFF_CHAT, Harness
from tests.test_telegram_booking import HOLDER, STAFFER, build, fill_airport, tap
from tests.test_telegram_booking import bot as bot  # noqa: F401  (the booking fixture, reused)


async def confirmed_airport_booking(bot: Harness) -> Booking:  # noqa: F811
    await fill_airport(bot)  # domestic departure, 2026-12-01 14:30 Shanghai
    await tap(bot, HOLDER, "✅ 确认提交")
    notice = bot.last_message(STAFF_CHAT)
    await bot.press(STAFFER, bot.button(notice, "st:ok:"), notice)
    async with bot.svc.db.session() as session:
        return (await session.execute(select(Booking))).scalar_one()


async def reminder_rows(bot: Harness) -> list[Reminder]:  # noqa: F811
    async with bot.svc.db.session() as session:
        return list((await session.execute(select(Reminder).order_by(Reminder.due_at))).scalars())


def reminder_texts(bot: Harness) -> list[str]:  # noqa: F811
    return [m.get("text", "") for m in bot.fake.messages_to(HOLDER) if "预约提醒" in m.get("text", "")]


async def test_confirmation_schedules_jobs_at_the_offsets(bot: Harness) -> None:  # noqa: F811
    booking = await confirmed_airport_booking(bot)
    rows = await reminder_rows(bot)
    assert [booking.starts_at - r.due_at for r in rows] == [timedelta(hours=24), timedelta(hours=2)]
    jobs = {job.name: job for job in bot.app.job_queue.jobs()}
    for row in rows:
        assert f"reminder:{row.id}" in jobs


async def test_a_reminder_fires_at_its_time_with_the_service_point(bot: Harness) -> None:  # noqa: F811
    await confirmed_airport_booking(bot)
    first, second = await reminder_rows(bot)
    bot.clock.now = second.due_at
    assert await send_reminder(bot.job_context(), second.id) is None  # done, nothing to retry
    [text] = reminder_texts(bot)
    contact = bot.svc.knowledge.booking_types["airport"].changes_contact
    assert "服务地点：国内商务贵宾厅" in text and contact and contact in text
    assert await send_reminder(bot.job_context(), second.id) is None  # the job firing twice sends once
    assert len(reminder_texts(bot)) == 1


async def test_cancelling_removes_the_reminders(bot: Harness) -> None:  # noqa: F811
    booking = await confirmed_airport_booking(bot)
    await bot.say(HOLDER, "/mybookings")
    await bot.press(HOLDER, f"bkx:{booking.id}", bot.last_message(HOLDER))
    assert {r.status for r in await reminder_rows(bot)} == {"scheduled"}  # nothing before the confirmation
    await bot.press(HOLDER, f"bkx:{booking.id}:yes", bot.last_message(HOLDER))
    rows = await reminder_rows(bot)
    assert {r.status for r in rows} == {"cancelled"}
    bot.clock.now = rows[0].due_at
    await send_reminder(bot.job_context(), rows[0].id)
    assert reminder_texts(bot) == []


async def test_after_a_restart_a_missed_reminder_is_sent_once_late_and_a_past_one_dropped(
    bot: Harness,
    database: Database,
    shipped: KnowledgeBase,  # noqa: F811
) -> None:
    await confirmed_airport_booking(bot)
    first, second = await reminder_rows(bot)
    # The bot is down from before the 24-hour reminder until 30 minutes after it.
    clock = bot.clock
    clock.now = first.due_at + timedelta(minutes=30)
    restarted = await build(database, shipped, clock)
    async with restarted.app:
        assert await restore_reminders(restarted.app) == 2
        for job in restarted.app.job_queue.jobs():
            if job.name == f"reminder:{first.id}":
                await job.run(restarted.app)
        assert len([m for m in restarted.fake.messages_to(HOLDER) if "预约提醒" in m["text"]]) == 1
        # Down again until after the appointment: the 2-hour reminder is dropped, not sent.
        clock.now = second.due_at + timedelta(hours=3)
        again = await build(database, shipped, clock)
        async with again.app:
            assert await restore_reminders(again.app) == 1
            await send_reminder(again.job_context(), second.id)
            assert [m for m in again.fake.messages_to(HOLDER) if "预约提醒" in m.get("text", "")] == []
    statuses = {r.id: r.status for r in await reminder_rows(bot)}
    assert statuses == {first.id: "sent", second.id: "dropped"}


async def test_a_crash_between_claim_and_send_neither_duplicates_nor_loses(bot: Harness) -> None:  # noqa: F811
    await confirmed_airport_booking(bot)
    first, _ = await reminder_rows(bot)
    bot.clock.now = first.due_at
    async with bot.svc.db.session() as session:  # the process claimed it, then died before sending
        await session.execute(
            update(Reminder).where(Reminder.id == first.id).values(status="sending", claimed_at=bot.clock.now)
        )
    results = await asyncio.gather(*(send_reminder(bot.job_context(), first.id) for _ in range(5)))
    assert results == [None] * 5 and reminder_texts(bot) == []  # still within the claim's lease: nobody sends
    bot.clock.advance(CLAIM_LEASE + timedelta(seconds=1))
    await asyncio.gather(*(send_reminder(bot.job_context(), first.id) for _ in range(5)))
    assert len(reminder_texts(bot)) == 1


async def test_reminders_are_listed_and_can_be_muted(bot: Harness) -> None:  # noqa: F811
    await confirmed_airport_booking(bot)
    await bot.say(HOLDER, "/reminders")
    listing = bot.last_message(HOLDER)
    mute = bot.button(listing, "rm:")
    await bot.press(HOLDER + 1, mute, listing)
    assert bot.fake.callback_answers[-1]["text"] == "这条内容不属于您。"
    await bot.press(HOLDER, mute, listing)
    muted = next(r for r in await reminder_rows(bot) if f"rm:{r.id}" == mute)
    assert muted.status == "muted"
    bot.clock.now = muted.due_at
    await send_reminder(bot.job_context(), muted.id)
    assert reminder_texts(bot) == []


async def test_staff_get_the_agenda_and_a_nudge_for_bookings_left_pending(bot: Harness) -> None:  # noqa: F811
    await fill_airport(bot)
    await tap(bot, HOLDER, "✅ 确认提交")
    bot.clock.advance(timedelta(minutes=59))
    await nudge_staff(bot.job_context())
    assert "超过1小时未处理" not in bot.fake.last_text(STAFF_CHAT)
    bot.clock.advance(timedelta(minutes=2))
    await nudge_staff(bot.job_context())
    assert "超过1小时未处理" in bot.fake.last_text(STAFF_CHAT)
    bot.clock.now = bot.clock.now.replace(year=2026, month=12, day=1, hour=0)  # 08:00 on the day, Shanghai
    await staff_agenda(bot.job_context())
    assert "今日预约（2026-12-01）" in bot.fake.last_text(STAFF_CHAT) and "14:30" in bot.fake.last_text(
        STAFF_CHAT
    )


async def test_a_change_is_a_new_booking_and_the_old_one_loses_its_reminders(bot: Harness) -> None:  # noqa: F811
    old = await confirmed_airport_booking(bot)
    await bot.say(HOLDER, "/mybookings")
    await bot.press(HOLDER, f"bkm:{old.id}", bot.last_message(HOLDER))
    assert "请选择日期" in bot.fake.last_text(HOLDER)  # kind and details carried over
    await tap(bot, HOLDER, "bk:c:2026-12-05")
    await bot.say(HOLDER, "09:15")
    assert "CZ3101" in bot.fake.last_text(HOLDER) and "确认提交吗" in bot.fake.last_text(HOLDER)
    await tap(bot, HOLDER, "✅ 确认提交")
    async with bot.svc.db.session() as session:
        statuses = {b.id: b.status for b in (await session.execute(select(Booking))).scalars()}
    assert statuses[old.id] == "cancelled" and sorted(statuses.values()) == ["cancelled", "pending"]
    assert {r.status for r in await reminder_rows(bot)} == {"cancelled"}
    assert "预约已改期" in "".join(m.get("text", "") for m in bot.fake.messages_to(STAFF_CHAT))
