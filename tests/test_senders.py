"""Every plain text reads its sender (awaiting, card, tier) fresh; concurrent texts share the read."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

from sqlalchemy import event, select

from bot.answers.qa import Answerer
from bot.holders import actions
from bot.holders.actions import Asked, Who
from bot.kb.loader import KnowledgeBase
from bot.services import Services
from db.models import CardHolder, User
from db.session import Database
from tests.telegram_harness import FakeClock
from tests.test_telegram_bot import settings


def services(database: Database, knowledge: KnowledgeBase) -> Services:
    return Services(settings(Path("knowledge")), knowledge, Answerer(knowledge), database, FakeClock())


@contextmanager
def statements(database: Database) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(_conn, _cursor, statement: str, *_args) -> None:  # type: ignore[no-untyped-def]
        seen.append(statement)

    event.listen(database.engine.sync_engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(database.engine.sync_engine, "before_cursor_execute", record)


async def test_concurrent_questions_share_one_read_of_their_senders(
    database: Database, shipped: KnowledgeBase
) -> None:
    svc = services(database, shipped)
    senders = [Who(600 + n, f"u{n}", "zh") for n in range(30)]
    with statements(database) as seen:
        asked = await asyncio.gather(*(actions.ask(svc, who, "区中医院电话") for who in senders))
    assert all(isinstance(one, Asked) for one in asked)
    on_users = [one.split()[0] for one in seen if re.search(r"\busers\b", one)]
    assert on_users == ["SELECT", "INSERT"]  # one read and one insert of the new users, not 30 of each
    async with database.session() as session:
        names = dict((await session.execute(select(User.id, User.first_name))).all())
    assert names == {who.user_id: who.first_name for who in senders}


async def test_a_new_name_or_language_is_written(database: Database, shipped: KnowledgeBase) -> None:
    svc = services(database, shipped)
    await actions.ask(svc, Who(700, "Alice", "zh"), "区中医院电话")
    await actions.ask(svc, Who(700, "Alicia", "en"), "区中医院电话")
    async with database.session() as session:
        user = await session.get(User, 700)
        assert user is not None and (user.first_name, user.language) == ("Alicia", "en")


async def test_each_text_sees_what_was_written_before_it(database: Database, shipped: KnowledgeBase) -> None:
    svc, alice = services(database, shipped), Who(701, "Alice", "zh")
    first = await actions.ask(svc, alice, "区中医院电话")
    assert isinstance(first, Asked) and first.tier is None
    async with database.session() as session:
        session.add(
            CardHolder(
                card_number="ZD-1",
                card="zhangdian",
                holder_name="甲",
                tier="outstanding",
                valid_until=date(2099, 1, 1),
            )
        )
        await session.flush()
        user = await session.get(User, alice.user_id)
        assert user is not None
        user.card, user.card_number = "zhangdian", "ZD-1"
    bound = await actions.ask(svc, alice, "区中医院电话")
    assert isinstance(bound, Asked) and bound.tier == "outstanding"
    await actions.expect_card_number(svc, alice, True)  # /bind: the next text is a card number
    assert not isinstance(await actions.ask(svc, alice, "12345"), Asked)
