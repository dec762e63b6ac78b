"""Fault matrix: every Telegram error (429 with retry_after, 400, 403, timeout, 500) × every kind of send
(answer, staff notice, outcome, its .ics, reminder, hand-over re-post, agenda), through the real
Application and the fake Bot API, on SQLite and PostgreSQL.

Each send is delivered exactly once (after the retry its kind has), or dead-lettered with a log line and
never tried again; and a notice queued after the failure still goes out (nothing is wedged)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.handlers.outbox_sender import drain_outbox
from bot.handlers.reminders import staff_agenda
from bot.handlers.staff import repost_overdue
from db.models import OutboxMessage
from tests.telegram_harness import ADMIN, STAFF_CHAT, Harness
from tests.test_delivery import enqueue, fire, first_reminder_due, handed_over, place_airport, reminder_jobs
from tests.test_reminders import confirmed_airport_booking, reminder_rows
from tests.test_telegram_booking import HOLDER, STAFFER, tap
from tests.test_telegram_booking import bot as bot  # noqa: F401  (the booking fixture, reused)

ERRORS: dict[str, dict[str, Any]] = {
    "429": {"status": 429, "retry_after": 1},
    "400": {"status": 400, "description": "Bad Request: chat not found"},
    "403": {"status": 403, "description": "Forbidden: bot was blocked by the user"},
    "timeout": {"timeout": True},
    "500": {"status": 500},
}
PERMANENT = {"400", "403"}

Step = Callable[[Harness], Awaitable[None]]


@dataclass(frozen=True)
class Kind:
    prepare: Step  # everything up to the send
    trigger: Step  # the send itself
    retry: Step  # what tries again: the outbox job, the reminder's own job, the next re-post run
    method: str
    chat: int
    delivered: Callable[[dict[str, Any]], bool]  # is this message the send in question?
    direct: bool = False  # a reply inside a handler: no retry of its own, a dead letter when refused


async def nothing(bot: Harness) -> None:  # noqa: F811
    return None


async def drain(bot: Harness) -> None:  # noqa: F811
    bot.clock.advance(timedelta(minutes=1))
    await drain_outbox(bot.job_context())


async def staff_confirms(bot: Harness) -> None:  # noqa: F811
    notice = bot.last_message(STAFF_CHAT)
    await bot.press(STAFFER, bot.button(notice, "st:ok:"), notice)


async def place(bot: Harness) -> None:  # noqa: F811
    await place_airport(bot, "bk:c:2026-12-01")


async def reminder_due(bot: Harness) -> None:  # noqa: F811
    await first_reminder_due(bot)


async def fire_first_reminder(bot: Harness) -> None:  # noqa: F811
    first, _ = await reminder_rows(bot)
    if reminder_jobs(bot, first.id):
        await fire(bot, first.id)


async def retry_reminder(bot: Harness) -> None:  # noqa: F811
    bot.clock.advance(timedelta(minutes=1))
    await fire_first_reminder(bot)


async def hand_over_an_hour_ago(bot: Harness) -> None:  # noqa: F811
    await handed_over(bot, "月球上能用这张卡吗")
    bot.clock.advance(timedelta(minutes=61))


async def repost(bot: Harness) -> None:  # noqa: F811
    await repost_overdue(bot.job_context())


async def next_repost(bot: Harness) -> None:  # noqa: F811
    bot.clock.advance(timedelta(minutes=5))
    await repost_overdue(bot.job_context())


async def agenda_day(bot: Harness) -> None:  # noqa: F811
    await confirmed_airport_booking(bot)
    bot.clock.now = bot.clock.now.replace(month=12, day=1, hour=0)  # 08:00 on the day in Shanghai


async def agenda(bot: Harness) -> None:  # noqa: F811
    await staff_agenda(bot.job_context())


async def ask(bot: Harness) -> None:  # noqa: F811
    await bot.say(HOLDER, "接机服务怎么预约")


def text_has(fragment: str) -> Callable[[dict[str, Any]], bool]:
    return lambda message: fragment in message.get("text", "")


KINDS: dict[str, Kind] = {
    "answer": Kind(
        nothing, ask, nothing, "sendMessage", HOLDER, lambda m: "text" in m and "抱歉" not in m["text"], True
    ),
    "staff notice": Kind(
        lambda bot: _fill(bot),
        lambda bot: tap(bot, HOLDER, "✅ 确认提交"),
        drain,
        "sendMessage",
        STAFF_CHAT,
        text_has("新预约"),
    ),
    "outcome": Kind(place, staff_confirms, drain, "sendMessage", HOLDER, text_has("已确认")),
    "outcome .ics": Kind(place, staff_confirms, drain, "sendDocument", HOLDER, lambda m: "document" in m),
    "reminder": Kind(
        reminder_due, fire_first_reminder, retry_reminder, "sendMessage", HOLDER, text_has("预约提醒")
    ),
    "re-post": Kind(
        hand_over_an_hour_ago, repost, next_repost, "sendMessage", STAFF_CHAT, text_has("超过1小时未回复")
    ),
    "agenda": Kind(agenda_day, agenda, drain, "sendMessage", STAFF_CHAT, text_has("今日预约")),
}


async def _fill(bot: Harness) -> None:  # noqa: F811
    from tests.test_telegram_booking import fill_airport

    await fill_airport(bot)


def deliveries(bot: Harness, kind: Kind) -> int:  # noqa: F811
    return sum(kind.delivered(m) for m in bot.fake.messages_to(kind.chat))


async def dead_letters(bot: Harness, chat: int) -> list[OutboxMessage]:  # noqa: F811
    async with bot.svc.db.session() as session:
        rows = await session.execute(
            select(OutboxMessage).where(OutboxMessage.status == "dead", OutboxMessage.chat_id == chat)
        )
        return list(rows.scalars())


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
@pytest.mark.parametrize("error", list(ERRORS))
@pytest.mark.parametrize("kind_name", list(KINDS))
async def test_every_send_is_delivered_once_or_dead_lettered(
    bot: Harness,  # noqa: F811
    kind_name: str,
    error: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    kind = KINDS[kind_name]
    await kind.prepare(bot)
    before = deliveries(bot, kind)
    bot.fake.fail_next(kind.method, chat_id=kind.chat, **ERRORS[error])
    with caplog.at_level(logging.INFO):
        await kind.trigger(bot)
        await enqueue(bot, ADMIN, "queued after the failure")
        for _ in range(2):  # the retry, and one more: a dead letter is never tried again
            await kind.retry(bot)
        await drain(bot)

    calls = [c for c in bot.fake.calls_of(kind.method) if c.get("chat_id") == kind.chat]
    if kind.direct or error in PERMANENT:
        assert deliveries(bot, kind) == before
        assert await dead_letters(bot, kind.chat), "refused for good: kept as a dead letter"
        assert "dead letter" in caplog.text
        assert not [r for r in caplog.records if r.levelno >= logging.WARNING and "retry" in r.getMessage()]
    else:
        assert deliveries(bot, kind) == before + 1, "delivered exactly once after the retry"
        assert await dead_letters(bot, kind.chat) == []
    if kind.direct:
        assert bot.fake.last_text(HOLDER) == "抱歉，系统出了点问题，请稍后再试。"
    else:
        refused = sum(1 for method, params, _ in bot.fake.errors if method == kind.method and params in calls)
        assert refused <= 1 or error == "timeout", "a refused send is not tried again and again"
    assert "queued after the failure" in bot.fake.last_text(ADMIN)  # nothing is wedged behind it
