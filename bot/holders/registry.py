"""The card-holder registry: CSV import (all or nothing) and binding a user to a card number."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Literal

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import BindAttempt, CardHolder, User

COLUMNS = ("card_number", "card", "holder_name", "tier", "valid_until")
BIND_ATTEMPTS = 5  # wrong numbers allowed ...
BIND_WINDOW = timedelta(hours=1)  # ... per this window, against guessing other holders' numbers


@dataclass(frozen=True)
class RowProblem:
    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


@dataclass
class Registry:
    rows: list[CardHolder] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)


def parse_registry(text: str, cards: set[str], tiers: set[str]) -> Registry:
    """Check every row; the import goes ahead only when no row has a problem."""
    registry = Registry()
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))  # Excel writes a BOM
    missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        registry.problems.append(RowProblem(1, f"missing column(s): {', '.join(missing)}"))
        return registry
    seen: dict[str, int] = {}
    for line, row in enumerate(reader, start=2):
        values = {key: (row.get(key) or "").strip() for key in COLUMNS}
        problems = [f"empty {key}" for key, value in values.items() if not value]
        if values["card"] and values["card"] not in cards:
            problems.append(f"unknown card '{values['card']}' (known: {', '.join(sorted(cards))})")
        if values["tier"] and values["tier"] not in tiers:
            problems.append(f"unknown tier '{values['tier']}' (known: {', '.join(sorted(tiers))})")
        valid_until = None
        if values["valid_until"]:
            try:
                valid_until = date.fromisoformat(values["valid_until"])
            except ValueError:
                problems.append(f"valid_until '{values['valid_until']}' is not a date like 2027-12-31")
        number = values["card_number"]
        if number in seen:
            problems.append(f"card_number {number} repeats line {seen[number]}")
        seen[number] = line
        if problems:
            registry.problems.extend(RowProblem(line, p) for p in problems)
        elif valid_until is not None:
            registry.rows.append(
                CardHolder(
                    card_number=number,
                    card=values["card"],
                    holder_name=values["holder_name"],
                    tier=values["tier"],
                    valid_until=valid_until,
                )
            )
    return registry


async def import_registry(session: AsyncSession, registry: Registry) -> int:
    """Insert or update every row (the caller's transaction makes it all or nothing)."""
    if registry.problems:
        raise ValueError("the registry has problems; nothing imported")
    for row in registry.rows:
        await session.merge(row)
    return len(registry.rows)


BindStatus = Literal["bound", "wrong", "locked", "expired", "taken"]


@dataclass(frozen=True)
class BindResult:
    status: BindStatus
    holder: CardHolder | None = None
    tries_left: int = 0
    retry_after: timedelta | None = None


async def _recent_failures(session: AsyncSession, user_id: int, now: datetime) -> tuple[int, datetime | None]:
    count, oldest = (
        await session.execute(
            select(func.count(BindAttempt.id), func.min(BindAttempt.at)).where(
                BindAttempt.user_id == user_id, BindAttempt.at > now - BIND_WINDOW
            )
        )
    ).one()
    return int(count), oldest


async def bind_card(session: AsyncSession, user: User, number: str, now: datetime, today: date) -> BindResult:
    await session.execute(delete(BindAttempt).where(BindAttempt.at <= now - BIND_WINDOW))  # kept no longer
    failures, oldest = await _recent_failures(session, user.id, now)
    if failures >= BIND_ATTEMPTS and oldest is not None:
        return BindResult("locked", retry_after=oldest + BIND_WINDOW - now)
    holder = await session.get(CardHolder, number.strip().upper())
    if holder is None:
        session.add(BindAttempt(user_id=user.id, at=now))
        return BindResult("wrong", tries_left=BIND_ATTEMPTS - failures - 1)
    if holder.valid_until < today:
        return BindResult("expired", holder=holder)
    other = (
        await session.execute(
            select(User.id).where(User.card_number == holder.card_number, User.id != user.id)
        )
    ).first()
    if other is not None:
        return BindResult("taken")
    user.card_number, user.card, user.awaiting = holder.card_number, holder.card, None
    return BindResult("bound", holder=holder)
