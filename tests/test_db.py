"""Migrations and the domain stores, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, inspect, select
from sqlalchemy.exc import DBAPIError

from bot.admin.unanswered import missed_since
from bot.answers.handover import handover_for_reply, mark_replied, open_handover, overdue, record_post
from bot.answers.log import log_question, record_vote
from bot.answers.qa import Answer
from bot.holders.registry import BIND_ATTEMPTS, bind_card, import_registry, parse_registry
from bot.holders.users import ensure_user, forget, set_card
from db.models import Base, BindAttempt, CardHolder, Handover, QuestionLog, User, Vote
from db.session import Database, explain, first_line
from tests.knowledge_factory import CARDS

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
TODAY = date(2026, 11, 23)
REGISTRY = """card_number,card,holder_name,tier,valid_until
ZD0001,zhangdian,张三,standard,2030-12-31
ZD0002,zhangdian,李四,outstanding,2030-12-31
BY0002,baiyun,王五,standard,2024-12-31
"""


def parsed(text: str = REGISTRY):  # type: ignore[no-untyped-def]
    return parse_registry(text, CARDS)


async def test_migrations_create_every_model_table(database: Database) -> None:
    async with database.engine.connect() as connection:
        names = await connection.run_sync(lambda sync: set(inspect(sync).get_table_names()))
    assert {table.name for table in Base.metadata.sorted_tables} <= names


async def test_timestamps_come_back_in_utc(database: Database) -> None:
    shanghai = NOW.astimezone(__import__("zoneinfo").ZoneInfo("Asia/Shanghai"))
    async with database.session() as session:
        await ensure_user(session, 1, "张三", "zh", shanghai)
    async with database.session() as session:
        user = await session.get(User, 1)
        assert user is not None and user.created_at == NOW and user.created_at.tzinfo is not None


def test_registry_rows_are_all_checked_and_reported_by_line() -> None:
    bad = REGISTRY + "ZD0001,zhangdian,重复,standard,2030-12-31\nX1,tianhe,,vip,31/12/2030\n"
    registry = parsed(bad)
    messages = [str(p) for p in registry.problems]
    assert "line 5: card_number ZD0001 repeats line 2" in messages
    assert any(m.startswith("line 6: empty holder_name") for m in messages)
    assert any("unknown card 'tianhe'" in m for m in messages) and any(
        "unknown tier 'vip'" in m for m in messages
    )
    assert any("not a date" in m for m in messages)
    assert parsed("number,card\n1,zhangdian\n").problems[0].message.startswith("missing column(s)")


async def test_import_is_all_or_nothing_and_updates_rows(database: Database) -> None:
    with pytest.raises(ValueError):
        async with database.session() as session:
            await import_registry(session, parsed(REGISTRY + "bad,row\n"))
    async with database.session() as session:
        assert await import_registry(session, parsed()) == 3
    async with database.session() as session:
        await import_registry(session, parsed(REGISTRY.replace("张三", "张三丰")))
    async with database.session() as session:
        assert (await session.scalar(select(func.count()).select_from(CardHolder))) == 3
        assert (await session.get(CardHolder, "ZD0001")).holder_name == "张三丰"  # type: ignore[union-attr]


async def test_binding_right_wrong_expired_taken_and_locked(database: Database) -> None:
    async with database.session() as session:
        await import_registry(session, parsed())
        alice = await ensure_user(session, 1, "Alice", "zh", NOW)
        bob = await ensure_user(session, 2, "Bob", "zh", NOW)
        assert (await bind_card(session, alice, "zd0002", NOW, TODAY)).status == "bound"  # case folded
        assert alice.card == "zhangdian" and alice.card_number == "ZD0002"
        assert (await bind_card(session, bob, "ZD0002", NOW, TODAY)).status == "taken"
        assert (await bind_card(session, bob, "BY0002", NOW, TODAY)).status == "expired"
        results = [
            await bind_card(session, bob, f"NOPE{n}", NOW + timedelta(minutes=n), TODAY)
            for n in range(BIND_ATTEMPTS)
        ]
        assert [r.tries_left for r in results] == list(range(BIND_ATTEMPTS - 1, -1, -1))
        locked = await bind_card(session, bob, "ZD0001", NOW + timedelta(minutes=10), TODAY)
        assert locked.status == "locked" and locked.retry_after == timedelta(minutes=50)
        later = await bind_card(session, bob, "ZD0001", NOW + timedelta(hours=1, seconds=1), TODAY)
        assert later.status == "bound"


async def test_choosing_another_card_unbinds_the_number(database: Database) -> None:
    async with database.session() as session:
        await import_registry(session, parsed())
        user = await ensure_user(session, 1, "Alice", "zh", NOW)
        await bind_card(session, user, "ZD0001", NOW, TODAY)
        await set_card(session, user, "baiyun")
        assert user.card == "baiyun" and user.card_number is None


async def test_votes_only_on_ones_own_questions(database: Database, small_answerer) -> None:  # type: ignore[no-untyped-def]
    async with database.session() as session:
        await ensure_user(session, 1, "Alice", "zh", NOW)
        await ensure_user(session, 2, "Bob", "zh", NOW)
        question = await log_question(
            session, 1, "zhangdian", small_answerer.answer("中医院绿色通道", "zhangdian"), NOW
        )
        declined = await log_question(session, 1, None, Answer("讲个笑话", None, 0.0, ()), NOW)
        assert await record_vote(session, question.id, 1, 1, NOW)
        assert await record_vote(session, question.id, 1, -1, NOW)  # a change of mind replaces the vote
        assert not await record_vote(session, question.id, 2, 1, NOW)  # not Bob's question
        assert not await record_vote(session, question.id, 1, 5, NOW)
    async with database.session() as session:
        votes = list((await session.execute(select(Vote))).scalars())
        assert [(v.user_id, v.value) for v in votes] == [(1, -1)]
        missed = await missed_since(session, NOW)
        assert [(q.id, q.reason) for q in missed] == [(question.id, "disliked"), (declined.id, "declined")]


async def test_handover_is_posted_again_after_an_hour_until_answered(database: Database) -> None:
    async with database.session() as session:
        await ensure_user(session, 1, "Alice", "zh", NOW)
        question = await log_question(session, 1, None, Answer("卡丢了怎么办", None, 0.1, ()), NOW)
        handover = await open_handover(session, question, 1, NOW)
        assert (await open_handover(session, question, 1, NOW)).id == handover.id  # double tap
        assert [h.id for h in await overdue(session, NOW)] == [handover.id]  # never posted: post now
        await record_post(session, handover, -100, 7, NOW)
    async with database.session() as session:
        assert await overdue(session, NOW + timedelta(minutes=59)) == []
        assert [h.id for h in await overdue(session, NOW + timedelta(hours=1))] == [handover.id]
        found = await handover_for_reply(session, -100, 7)
        assert found is not None and found.id == handover.id
        mark_replied(found, NOW + timedelta(minutes=70))
    async with database.session() as session:
        assert await overdue(session, NOW + timedelta(hours=3)) == []


async def test_forget_deletes_everything_of_the_user_only(database: Database) -> None:
    async with database.session() as session:
        await import_registry(session, parsed())
        for user_id in (1, 2):
            user = await ensure_user(session, user_id, "x", "zh", NOW)
            question = await log_question(session, user_id, None, Answer("问题", None, 0.1, ()), NOW)
            await record_vote(session, question.id, user_id, 1, NOW)
            await open_handover(session, question, user_id, NOW)
            await bind_card(session, user, "WRONG", NOW, TODAY)
    async with database.session() as session:
        assert await forget(session, 1)
    async with database.session() as session:
        for model in (User, QuestionLog, Vote, Handover):
            owners = set(
                (await session.execute(select(model.user_id if model is not User else model.id))).scalars()
            )
            assert owners == {2}, model.__name__
        # Failed binding attempts outlive /forget until their hour is over: forgetting resets no lockout.
        assert set((await session.execute(select(BindAttempt.user_id))).scalars()) == {1, 2}
        assert (await session.scalar(select(func.count()).select_from(CardHolder))) == 3


def test_a_database_error_is_told_in_one_line_without_its_parameters() -> None:
    driver = ValueError("relation \"bookings\" does not exist\n[parameters: ('13800138000',)]")
    error = DBAPIError("SELECT ...", {"phone": "13800138000"}, driver)
    assert first_line(error) == 'relation "bookings" does not exist'
    assert "13800138000" not in explain(error) and "db upgrade" in explain(error)
    assert first_line(DBAPIError("SELECT 1", None, ConnectionRefusedError())) == "ConnectionRefusedError"
    assert first_line(OSError("no route to host\nmore")) == "no route to host"  # not a driver error: itself
