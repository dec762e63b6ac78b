"""Several instances behave as one bot: one leader runs the periodic jobs (and another takes over when it
dies), each update is handled once, and one chat's updates are applied in order."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import event, text
from telegram import Update

from bot.answers.qa import Answerer
from bot.app import LEADERSHIP_KEY
from bot.booking import outbox
from bot.kb.loader import KnowledgeBase
from bot.runtime.leader import InstanceLock, InstanceLockedError, Leadership
from bot.runtime.updates import OrderedUpdateProcessor, UpdateLedger
from bot.services import Services
from db.session import Database
from tests.fake_telegram import FakeBotApi
from tests.telegram_harness import STAFF_CHAT, FakeClock, Harness, make_harness
from tests.test_telegram_bot import settings

ALICE, BOB = 301, 302


def updates(fake: FakeBotApi, user_id: int, texts: list[str]) -> list[Update]:
    return [Update.de_json(fake.make_text_update(user_id, body), None) for body in texts]


# --- updates once and in order ---------------------------------------------------------------------


async def test_an_update_delivered_twice_is_handled_once_across_instances(postgres: Database) -> None:
    clock, fake, handled = FakeClock(), FakeBotApi(), []
    first, second = (OrderedUpdateProcessor(8, UpdateLedger(postgres, clock)) for _ in range(2))
    [update] = updates(fake, ALICE, ["区中医院电话"])

    async def handle(by: str) -> None:
        handled.append(by)

    await first.process_update(update, handle("first"))
    await first.process_update(update, handle("first again"))  # redelivered to the same instance
    await second.process_update(update, handle("second"))  # and to the other one
    assert handled == ["first"]
    [later] = updates(fake, ALICE, ["another question"])
    await second.process_update(later, handle("second"))
    assert handled == ["first", "second"]


async def test_updates_delivered_at_once_to_two_instances_are_each_handled_once(
    postgres: Database,
) -> None:
    """The ledger records concurrent updates in one statement: still each update once, by one instance."""
    clock, fake, handled = FakeClock(), FakeBotApi(), []
    first, second = (OrderedUpdateProcessor(64, UpdateLedger(postgres, clock)) for _ in range(2))
    burst = [updates(fake, 1000 + n, ["区中医院电话"])[0] for n in range(40)]

    async def handle(update_id: int) -> None:
        handled.append(update_id)

    inserts: list[str] = []
    record = lambda *args: inserts.append(args[2]) if "processed_updates" in args[2] else None  # noqa: E731
    event.listen(postgres.engine.sync_engine, "before_cursor_execute", record)
    await asyncio.gather(
        *(
            processor.process_update(update, handle(update.update_id))
            for update in burst
            for processor in (first, second)
        )
    )
    event.remove(postgres.engine.sync_engine, "before_cursor_execute", record)
    assert sorted(handled) == sorted(update.update_id for update in burst)
    assert len(inserts) < len(burst)  # gathered: not one round trip per update


async def test_an_update_delivered_twice_to_the_one_sqlite_instance_is_handled_once(
    database: Database,
) -> None:
    processor, fake, handled = (
        OrderedUpdateProcessor(8, UpdateLedger(database, FakeClock())),
        FakeBotApi(),
        [],
    )
    [update] = updates(fake, ALICE, ["区中医院电话"])

    async def handle(by: str) -> None:
        handled.append(by)

    for attempt in ("first", "again"):
        await processor.process_update(update, handle(attempt))
    assert handled == ["first"]


async def test_old_update_ids_are_pruned(postgres: Database) -> None:
    from datetime import timedelta

    clock = FakeClock()
    ledger = UpdateLedger(postgres, clock)
    assert await ledger.first_delivery(1)
    clock.advance(timedelta(days=3))
    assert await ledger.prune(clock()) == 1
    assert await UpdateLedger(postgres, clock).first_delivery(1)  # a new instance: the row is gone


async def test_one_chat_in_order_while_other_chats_run_at_once() -> None:
    processor, fake = OrderedUpdateProcessor(16), FakeBotApi()
    order: list[str] = []
    bob_done = asyncio.Event()

    async def handle(name: str, delay: float) -> None:
        await asyncio.sleep(delay)
        order.append(name)

    async def alice_first() -> None:
        await bob_done.wait()  # blocks Alice's chat until Bob's update finished: Bob is not held up by her
        order.append("alice-0")

    async def bob() -> None:
        order.append("bob")
        bob_done.set()

    alice = updates(fake, ALICE, [f"q{i}" for i in range(10)])
    tasks = [asyncio.create_task(processor.process_update(alice[0], alice_first()))]
    tasks += [
        asyncio.create_task(processor.process_update(u, handle(f"alice-{i}", random.uniform(0, 0.01))))
        for i, u in enumerate(alice[1:], start=1)
    ]
    tasks.append(asyncio.create_task(processor.process_update(updates(fake, BOB, ["hi"])[0], bob())))
    await asyncio.wait_for(asyncio.gather(*tasks), 10)
    assert order[0] == "bob"
    assert [name for name in order if name.startswith("alice")] == [f"alice-{i}" for i in range(10)]


# --- one leader --------------------------------------------------------------------------------------


@pytest.fixture
async def postgres(postgres_migrated: str) -> AsyncIterator[Database]:
    """PostgreSQL only: SQLite has no advisory locks, a second instance is refused there instead."""
    from db.models import Base

    db = Database(postgres_migrated)
    tables = ", ".join(table.name for table in Base.metadata.sorted_tables)
    async with db.engine.begin() as connection:
        await connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    yield db
    await db.dispose()


async def instance(database: Database, knowledge: KnowledgeBase, clock: FakeClock) -> Harness:
    svc = Services(settings(Path("knowledge")), knowledge, Answerer(knowledge), database, clock)
    return make_harness(svc, clock)


def job(harness: Harness, name: str):  # type: ignore[no-untyped-def]
    [found] = [j for j in harness.app.job_queue.jobs() if j.name == name]
    return found.callback


async def test_two_instances_running_the_periodic_jobs_send_each_notice_once(
    postgres: Database, shipped: KnowledgeBase
) -> None:
    clock = FakeClock()
    one, two = await instance(postgres, shipped, clock), await instance(postgres, shipped, clock)
    async with one.app, two.app:
        await asyncio.gather(*(job(h, "lead")(h.job_context()) for h in (one, two)))
        leaders = [h.app.bot_data[LEADERSHIP_KEY].is_leader for h in (one, two)]
        assert sorted(leaders) == [False, True]
        async with postgres.session() as session:
            for number in range(3):
                await outbox.enqueue(session, STAFF_CHAT, f"notice {number}", clock())
        # Each job fires on both instances at once (claims of single rows within one instance are the
        # outbox's own business: here the jobs of one instance do not overlap).
        for name in ("drain_outbox", "staff_agenda", "drain_outbox", "staff_agenda"):
            await asyncio.gather(*(job(h, name)(h.job_context()) for h in (one, two)))
        sent = [m["text"] for h in (one, two) for m in h.fake.messages_to(STAFF_CHAT)]
        assert sorted(t for t in sent if t.startswith("notice")) == ["notice 0", "notice 1", "notice 2"]
        assert (
            sum(1 for t in sent if not t.startswith("notice")) == 2
        )  # each agenda run posts once, not twice
        for h in (one, two):
            await h.app.bot_data[LEADERSHIP_KEY].resign()


async def test_the_leader_lost_is_taken_over(postgres: Database) -> None:
    first, second = Leadership(postgres.url), Leadership(postgres.url)
    try:
        assert await first.refresh() and not await second.refresh()
        pid = await first.backend_pid()
        async with postgres.engine.begin() as connection:  # the leader's connection dies (crash, network)
            # With a timeout (PostgreSQL 14+) it returns once the backend is gone, not when it is signalled:
            # before that, its lock may still be held (the takeover below then raced the exit).
            await connection.execute(text("SELECT pg_terminate_backend(:pid, 10000)"), {"pid": pid})
        assert await second.refresh()  # the lock went with the connection
        assert not await first.refresh() and not first.is_leader  # the old leader notices and steps back
        await second.resign()  # a clean shutdown hands over at once
        assert await first.refresh()
    finally:
        await first.resign()
        await second.resign()


async def test_a_second_instance_on_one_sqlite_file_is_refused(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/cardbot.db"
    running = InstanceLock(url)
    running.acquire()
    with pytest.raises(InstanceLockedError, match="already runs on this SQLite database"):
        InstanceLock(url).acquire()
    running.release()
    InstanceLock(url).acquire()  # free again once the first one stopped


async def test_two_instances_logging_questions_never_share_an_id(
    postgres: Database, shipped: KnowledgeBase
) -> None:
    from sqlalchemy import func, select

    from bot.holders import actions
    from bot.holders.actions import Asked, Who
    from db.models import QuestionLog

    clock = FakeClock()
    one, two = (
        Services(settings(Path("knowledge")), shipped, Answerer(shipped), postgres, clock) for _ in range(2)
    )
    asked = [
        await actions.ask(svc, Who(user, "u", "zh"), "区中医院电话")
        for user in range(1, 40)
        for svc in (one, two)
    ]
    ids = [a.question_id for a in asked if isinstance(a, Asked)]
    assert len(ids) == 78 and len(set(ids)) == 78
    await asyncio.gather(one.questions.flush(), two.questions.flush())
    async with postgres.session() as session:
        assert await session.scalar(select(func.count()).select_from(QuestionLog)) == 78
