"""Card holders as bot users: who they are, which card they chose, and forgetting them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from bot.texts import Lang
from db.models import CardHolder, User


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
