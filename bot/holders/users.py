"""Card holders as bot users: who they are, which card they chose, and forgetting them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, any_, bindparam, delete, select, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.texts import Lang
from db.batch import Batched
from db.models import CardHolder, QuestionLog, User
from db.session import Database


def user_language(user: User | None) -> Lang:
    """The language a user last wrote to us in (for messages sent to them later: outcomes, reminders)."""
    return "en" if user is not None and user.language == "en" else "zh"


async def ensure_user(
    session: AsyncSession, user_id: int, first_name: str, language: str, now: datetime
) -> User:
    user = await session.get(User, user_id)
    if user is None:
        user = User(id=user_id, first_name=first_name, language=language, created_at=now)
        session.add(user)
        await session.flush()
    else:
        user.first_name, user.language = first_name, language
    return user


@dataclass(frozen=True)
class Sender:
    """What a plain text needs to know of the user who sent it."""

    awaiting: str | None
    card: str | None
    tier: str | None  # of the bound card holder
    # The entry of the user's last question (answered, or the suggestion opened) and when it was asked: a
    # follow-up may lean on it.
    last_entry: str | None = None
    last_asked: datetime | None = None


NEW_SENDER = Sender(None, None, None)


class Senders:
    """ensure_user and holder_of for every message: the senders of concurrent messages are read, created
    and their name and language refreshed in one transaction (`Batched`), with Core statements (no
    identity map). Each read happens after its caller asked, so it sees every earlier write (the
    caller's chat is handled in order): nothing is cached."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self.db, self.clock = db, clock
        self._read = Batched(self._read_many)
        postgres = db.engine.dialect.name == "postgresql"
        # PostgreSQL: one statement text whatever the batch size (an array), so asyncpg prepares it once.
        ids = (
            User.id == any_(bindparam("ids", type_=ARRAY(BigInteger)))
            if postgres
            else User.id.in_(bindparam("ids", expanding=True))
        )
        self._find = (
            select(
                User.id,
                User.first_name,
                User.language,
                User.awaiting,
                User.card,
                CardHolder.tier,
                _latest_question(QuestionLog.entry_id).label("last_entry"),
                _latest_question(QuestionLog.created_at).label("last_asked"),
            )
            .outerjoin(CardHolder, CardHolder.card_number == User.card_number)
            .where(ids)
        )
        insert = pg_insert if postgres else sqlite_insert
        # Another instance may create the same user meanwhile: theirs stands, as ensure_user's would.
        users = User.__table__
        self._create = insert(users).on_conflict_do_nothing(index_elements=[users.c.id])
        self._refresh = (
            update(users)
            .where(users.c.id == bindparam("user_id"))
            .values(first_name=bindparam("new_first_name"), language=bindparam("new_language"))
        )

    async def read(self, user_id: int, first_name: str, language: str) -> Sender:
        return await self._read((user_id, first_name, language))

    async def _read_many(self, senders: list[tuple[int, str, str]]) -> list[Sender]:
        latest = {user_id: (first_name, language) for user_id, first_name, language in senders}
        async with self.db.session() as session:
            found = {row.id: row for row in await session.execute(self._find, {"ids": list(latest)})}
            new = [
                {"id": user_id, "first_name": name, "language": lang, "created_at": self.clock()}
                for user_id, (name, lang) in latest.items()
                if user_id not in found
            ]
            if new:
                await session.execute(self._create, new)
            changed = [
                {"user_id": user_id, "new_first_name": name, "new_language": lang}
                for user_id, (name, lang) in latest.items()
                if user_id in found and (found[user_id].first_name, found[user_id].language) != (name, lang)
            ]
            if changed:
                await session.execute(self._refresh, changed)
        return [
            Sender(row.awaiting, row.card, row.tier, row.last_entry, row.last_asked)
            if (row := found.get(user_id))
            else NEW_SENDER
            for user_id, _, _ in senders
        ]


def _latest_question(column: Any) -> Any:
    """A column of the user's latest question (the `questions` index on user_id finds it)."""
    return (
        select(column)
        .where(QuestionLog.user_id == User.id)
        .order_by(QuestionLog.id.desc())
        .limit(1)
        .scalar_subquery()
    )


async def holder_of(session: AsyncSession, user: User) -> CardHolder | None:
    if user.card_number is None:
        return None
    return await session.get(CardHolder, user.card_number)


async def set_card(session: AsyncSession, user: User, card: str) -> None:
    user.card = card
    if user.card_number is not None:
        holder = await session.get(CardHolder, user.card_number)
        if holder is not None and holder.card != card:
            user.card_number = None  # a bound number belongs to one card: choosing another unbinds it


async def forget(session: AsyncSession, user_id: int) -> bool:
    """Delete the user and, by cascade, their questions, votes, hand-overs and open form. Bookings are
    anonymised first by the caller (booking.actions.forget_holder); failed binding attempts stay until
    their window ends, so forgetting does not reset the lockout."""
    result = await session.execute(delete(User).where(User.id == user_id))
    return bool(result.rowcount)
