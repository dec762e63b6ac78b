"""Privacy: /privacy tells the truth, staff follow-ups carry only what staff need, and what is kept about
people is erased after RETENTION_DAYS by a daily job (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from bot.booking.retention import purge
from bot.handlers.privacy import enforce_retention
from bot.handlers.reminders import nudge_staff
from db.models import Booking, Handover, OutboxMessage, QuestionLog, User, Vote
from db.session import Database
from tests.telegram_harness import STAFF_CHAT, Harness
from tests.test_telegram_booking import HOLDER, fill_airport, tap
from tests.test_telegram_booking import bot as bot  # noqa: F401  (the booking fixture, reused)

PERSONAL = ("13800138000", "王英才", "粤A12345", "CZ3101", "李四")


async def test_privacy_says_what_is_stored_and_for_how_long(bot: Harness) -> None:  # noqa: F811
    bot.svc.settings.retention_days = 30
    await bot.say(HOLDER, "/privacy")
    text = bot.fake.last_text(HOLDER)
    assert "不保存手机号" not in text
    assert "联系电话" in text and "车牌号" in text and "30 天" in text
    await bot.say(HOLDER, "/privacy", language_code="en")
    assert "phone" in bot.fake.last_text(HOLDER) and "30 days" in bot.fake.last_text(HOLDER)


def staff_texts_after(bot: Harness, count: int) -> list[str]:  # noqa: F811
    return [m.get("text", "") for m in bot.fake.messages_to(STAFF_CHAT)[count:]]


async def test_cancellation_change_and_nudge_notices_carry_no_personal_details(bot: Harness) -> None:  # noqa: F811
    await fill_airport(bot)
    await tap(bot, HOLDER, "✅ 确认提交")
    [new] = staff_texts_after(bot, 0)
    assert all(value in new for value in ("13800138000", "王英才", "粤A12345"))  # the first notice is whole

    seen = len(bot.fake.messages_to(STAFF_CHAT))
    bot.clock.advance(timedelta(minutes=61))
    await nudge_staff(bot.job_context())
    await bot.say(HOLDER, "/mybookings")
    mine = bot.last_message(HOLDER)
    await bot.press(HOLDER, bot.button(mine, "bkm:"), mine)
    await tap(bot, HOLDER, "bk:c:2026-12-05")
    await bot.say(HOLDER, "09:15")
    await tap(bot, HOLDER, "✅ 确认提交")
    await bot.say(HOLDER, "/mybookings")
    mine = bot.last_message(HOLDER)
    await bot.press(HOLDER, bot.button(mine, "bkx:"), mine)
    asking = bot.last_message(HOLDER)
    await bot.press(HOLDER, bot.button(asking, "bkx:"), asking)  # "yes, cancel it"

    follow_ups = staff_texts_after(bot, seen)
    nudge, changed, cancelled = (
        next(t for t in follow_ups if marker in t) for marker in ("超过1小时未处理", "已改期", "持卡人取消")
    )
    for text in (nudge, changed, cancelled):
        assert "#" in text and "白云机场贵宾接送机" in text and "时间：" in text
        assert not [value for value in PERSONAL if value in text], text
    assert "#1" in nudge and "#1" in changed and "#2" in cancelled


# --- retention ------------------------------------------------------------------------------------------

NOW = datetime(2027, 6, 1, 2, 0, tzinfo=UTC)
FIELDS = {"holder_name": "王英才", "phone": "13800138000"}


def _booking(number: int, status: str, starts: datetime, decided: datetime | None) -> Booking:
    return Booking(
        id=number,
        user_id=1,
        chat_id=1,
        card_number="BY0001",
        type="airport",
        kind="domestic-departure",
        starts_at=starts,
        status=status,
        fields=dict(FIELDS),
        request_key=f"key{number}",
        created_at=starts - timedelta(days=3),
        decided_at=decided,
    )


async def seed(database: Database) -> None:
    year, month = timedelta(days=365), timedelta(days=30)
    async with database.session() as session:
        session.add(User(id=1, first_name="王英才", language="zh", created_at=NOW - 2 * year))
        await session.flush()
        session.add_all(
            [
                _booking(1, "confirmed", NOW - year - month, NOW - year - 2 * month),  # long past
                _booking(2, "cancelled", NOW + month, NOW - year - month),  # cancelled long ago
                _booking(3, "confirmed", NOW - month, NOW - 2 * month),  # past, recently
                _booking(4, "cancelled", NOW + month, NOW - month),  # cancelled recently
                _booking(5, "pending", NOW + month, None),  # still open
            ]
        )
        old, recent = (
            QuestionLog(
                user_id=1,
                text=text,
                card="baiyun",
                score=0.5,
                answered=True,
                outcome="answered",
                created_at=at,
            )
            for text, at in (("去年的问题 13800138000", NOW - year - month), ("最近的问题", NOW))
        )
        session.add_all([old, recent])
        await session.flush()
        session.add(Vote(question_id=old.id, user_id=1, value=1, at=NOW - year - month))
        session.add(
            Handover(user_id=1, chat_id=1, question_id=old.id, text=old.text, created_at=old.created_at)
        )
        for created in (NOW - year - month, NOW):
            session.add(
                OutboxMessage(
                    chat_id=STAFF_CHAT,
                    text="新预约 13800138000",
                    created_at=created,
                    next_attempt_at=created,
                    attempts=0,
                    sent_at=created,
                )
            )


async def test_retention_erases_what_is_older_than_the_setting(database: Database) -> None:
    await seed(database)
    async with database.session() as session:
        purged = await purge(session, NOW, timedelta(days=365))
    assert (purged.bookings, purged.questions, purged.handovers, purged.outbox) == (2, 1, 1, 1)
    async with database.session() as session:
        fields = {b.id: b.fields for b in (await session.execute(select(Booking))).scalars()}
        assert fields == {1: {}, 2: {}, 3: FIELDS, 4: FIELDS, 5: FIELDS}  # rows stay, details go
        assert [q.text for q in (await session.execute(select(QuestionLog))).scalars()] == ["最近的问题"]
        assert await session.scalar(select(func.count()).select_from(Vote)) == 0
        assert await session.scalar(select(func.count()).select_from(Handover)) == 0
        assert await session.scalar(select(func.count()).select_from(OutboxMessage)) == 1
    async with database.session() as session:  # the next day: nothing more to do
        again = await purge(session, NOW + timedelta(days=1), timedelta(days=365))
    assert (again.bookings, again.questions, again.handovers, again.outbox) == (0, 0, 0, 0)


async def test_the_daily_job_uses_the_configured_retention(bot: Harness, database: Database) -> None:  # noqa: F811
    await seed(database)
    bot.clock.now = NOW
    bot.svc.settings.retention_days = 20
    await enforce_retention(bot.job_context())
    async with database.session() as session:
        kept = {b.id for b in (await session.execute(select(Booking))).scalars() if b.fields}
    assert kept == {5}  # with 20 days, the bookings closed a month ago lose their details too
    assert any(job.callback is enforce_retention for job in bot.app.job_queue.jobs())
