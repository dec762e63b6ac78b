"""The question log written behind the reply: ids known at once, rows written in batches, never lost to a
vote, a hand-over, /forget or shutdown."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from bot.answers.qa import Answerer
from bot.app import on_shutdown
from bot.booking.actions import forget_holder
from bot.holders import actions
from bot.holders.actions import Asked, Who
from bot.kb.loader import KnowledgeBase
from bot.services import Services
from db.models import QuestionLog, Vote
from db.session import Database
from tests.telegram_harness import FakeClock, make_harness
from tests.test_telegram_bot import settings

ALICE, BOB = Who(501, "Alice", "zh"), Who(502, "Bob", "zh")


def services(database: Database, knowledge: KnowledgeBase) -> Services:
    return Services(settings(Path("knowledge")), knowledge, Answerer(knowledge), database, FakeClock())


async def logged(database: Database) -> list[tuple[int, int, str]]:
    async with database.session() as session:
        rows = await session.execute(select(QuestionLog.id, QuestionLog.user_id, QuestionLog.text))
        return sorted(tuple(row) for row in rows)


async def ask(svc: Services, who: Who, text: str) -> int:
    asked = await actions.ask(svc, who, text)
    assert isinstance(asked, Asked)
    return asked.question_id


async def test_ids_come_at_once_and_rows_in_one_batch(database: Database, shipped: KnowledgeBase) -> None:
    svc = services(database, shipped)
    svc.questions.WRITE_AFTER_SECONDS = 60  # no timer fires on a slow machine: only flush writes here
    ids = [await ask(svc, who, f"区中医院电话 {n}") for n in range(3) for who in (ALICE, BOB)]
    assert len(set(ids)) == 6 and ids == sorted(ids)
    assert await logged(database) == []  # not yet: the reply does not wait for the write
    await svc.questions.flush()
    rows = await logged(database)
    assert [row[0] for row in rows] == ids and {row[1] for row in rows} == {ALICE.user_id, BOB.user_id}


async def test_a_vote_on_a_question_not_yet_written_counts(
    database: Database, shipped: KnowledgeBase
) -> None:
    svc = services(database, shipped)
    question = await ask(svc, ALICE, "区中医院绿色通道电话")
    assert not await actions.vote(svc, BOB, question, 1)  # still not Bob's
    assert await actions.vote(svc, ALICE, question, 1)
    async with database.session() as session:
        assert (await session.execute(select(Vote.question_id))).scalars().all() == [question]


async def test_a_hand_over_finds_its_question(database: Database, shipped: KnowledgeBase) -> None:
    svc = services(database, shipped)
    question = await ask(svc, ALICE, "讲个笑话")
    request = await actions.hand_over(svc, ALICE, question, ALICE.user_id)
    assert request is not None and request.handover.question_id == question


async def test_forget_while_a_question_waits(database: Database, shipped: KnowledgeBase) -> None:
    svc = services(database, shipped)
    await ask(svc, ALICE, "区中医院电话")
    kept = await ask(svc, BOB, "区中医院电话")
    await forget_holder(svc, ALICE)
    await svc.questions.flush()
    assert [row[0] for row in await logged(database)] == [kept]


async def test_a_row_whose_user_is_gone_does_not_block_the_others(
    database: Database, shipped: KnowledgeBase
) -> None:
    from db.models import User

    svc = services(database, shipped)
    gone = await ask(svc, ALICE, "区中医院电话")
    kept = await ask(svc, BOB, "区中医院电话")
    async with database.session() as session:  # deleted behind the writer's back (another instance)
        await session.delete(await session.get(User, ALICE.user_id))
    await svc.questions.flush()
    assert [row[0] for row in await logged(database)] == [kept] and gone != kept


async def test_shutdown_writes_what_waits(database: Database, shipped: KnowledgeBase) -> None:
    svc = services(database, shipped)
    harness = make_harness(svc, FakeClock())
    await ask(svc, ALICE, "区中医院电话")
    await on_shutdown(harness.app)
    async with database.session() as session:
        assert await session.scalar(select(func.count()).select_from(QuestionLog)) == 1


async def test_ids_continue_after_a_restart(database: Database, shipped: KnowledgeBase) -> None:
    first = services(database, shipped)
    before = await ask(first, ALICE, "区中医院电话")
    await first.questions.flush()
    after = await ask(services(database, shipped), ALICE, "区中医院电话")  # a new process
    assert after > before
