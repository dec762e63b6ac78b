"""The card-holder registry: CSV import (all or nothing) and binding a user to a card number."""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Literal

from sqlalchemy import String, delete, func, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.kb.loader import KnowledgeBase
from db.models import BindAttempt, CardHolder, User
from db.session import Database, explain

COLUMNS = ("card_number", "card", "holder_name", "tier", "valid_until")
OPTIONAL_COLUMNS = ("mobile",)  # a second check at /bind where the registry has it
BIND_ATTEMPTS = 5  # wrong numbers allowed ...
BIND_WINDOW = timedelta(hours=1)  # ... per this window, against guessing other holders' numbers
# Excel in China saves CSV as GBK (GB18030 is its superset); everything else writes UTF-8, often with a BOM.
ENCODINGS = ("utf-8-sig", "gb18030")
_CARD_NUMBER = re.compile(r"[A-Z0-9_-]+")
_MOBILE = re.compile(r"1[3-9]\d{9}")
_EXTRA = "\x00extra"  # where csv puts values beyond the header
_DATE = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})")  # Excel shows dates as 2030/12/31


class RegistryFileError(Exception):
    """The file cannot be read as a CSV at all (missing, binary, unknown encoding), or cannot be stored."""


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
    encoding: str = "utf-8"


def card_tiers(knowledge: KnowledgeBase) -> dict[str, set[str]]:
    """What a registry row is checked against: each card id with the tiers it has."""
    return {card.id: set(card.tiers) for card in knowledge.cards.values()}


def normalize_card_number(text: str) -> str:
    """One form for every card number, in the registry and at /bind: full-width folded, trimmed, upper-case."""
    return unicodedata.normalize("NFKC", text).strip().upper()


def normalize_mobile(text: str) -> str | None:
    """A mainland mobile as 11 digits (spaces, dashes and a +86 prefix dropped); None if it is not one."""
    digits = re.sub(r"[\s\-()]", "", unicodedata.normalize("NFKC", text))
    digits = re.sub(r"^(\+86|0086|86)(?=1\d{10}$)", "", digits)
    return digits if _MOBILE.fullmatch(digits) else None


def _max_length(column: str) -> int:
    column_type = CardHolder.__table__.c[column].type
    return column_type.length if isinstance(column_type, String) and column_type.length else 10**6


def _parse_date(text: str) -> date | None:
    match = _DATE.fullmatch(text)
    if match is None:
        return None
    try:
        return date(*(int(part) for part in match.groups()))
    except ValueError:
        return None


def decode_registry(data: bytes) -> tuple[str, str]:
    """The text and the encoding it was in; RegistryFileError for a file that is not CSV text."""
    if b"\x00" in data:
        raise RegistryFileError("not a CSV text file (binary content; save it from Excel as CSV)")
    for encoding in ENCODINGS:
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise RegistryFileError("the file is neither UTF-8 nor GBK/GB18030 text")


def read_registry(path: Path, cards: Mapping[str, Collection[str]]) -> Registry:
    try:
        data = path.read_bytes()
    except FileNotFoundError as exc:
        raise RegistryFileError(f"{path}: no such file") from exc
    except IsADirectoryError as exc:
        raise RegistryFileError(f"{path}: is a folder, not a CSV file") from exc
    return parse_registry_bytes(data, cards)


def parse_registry_bytes(data: bytes, cards: Mapping[str, Collection[str]]) -> Registry:
    text, encoding = decode_registry(data)
    registry = parse_registry(text, cards)
    registry.encoding = encoding
    return registry


def _header_problems(fieldnames: list[str]) -> list[str]:
    problems = []
    missing = [c for c in COLUMNS if c not in fieldnames]
    if missing:
        problems.append(f"missing column(s): {', '.join(missing)}")
    unknown = [c for c in fieldnames if c not in (*COLUMNS, *OPTIONAL_COLUMNS)]
    if unknown:
        known = ", ".join((*COLUMNS, *OPTIONAL_COLUMNS))
        problems.append(f"unknown column(s): {', '.join(unknown) or '(empty name)'} (known: {known})")
    repeated = sorted({c for c in fieldnames if fieldnames.count(c) > 1})
    if repeated:
        problems.append(f"column(s) named twice: {', '.join(repeated)}")
    return problems


def _row_problems(
    values: dict[str, str], cards: Mapping[str, Collection[str]], every_tier: set[str], seen: dict[str, int]
) -> list[str]:
    problems = [f"empty {key}" for key in COLUMNS if not values[key]]
    for key in COLUMNS:  # the mobile is checked in its normalised form below
        if len(value := values[key]) > (limit := _max_length(key)):
            problems.append(f"{key} is {len(value)} characters long; at most {limit} allowed")
    number, card, tier = values["card_number"], values["card"], values["tier"]
    if number and not _CARD_NUMBER.fullmatch(number):
        problems.append(f"card_number '{number}' may hold only letters, digits, '-' and '_'")
    if card and card not in cards:
        problems.append(f"unknown card '{card}' (known: {', '.join(sorted(cards))})")
    if tier and tier not in every_tier:
        problems.append(f"unknown tier '{tier}' (known: {', '.join(sorted(every_tier))})")
    elif card in cards and tier and tier not in cards[card]:
        problems.append(
            f"tier '{tier}' is not a tier of card {card} (known: {', '.join(sorted(cards[card]))})"
        )
    if values["valid_until"] and _parse_date(values["valid_until"]) is None:
        problems.append(f"valid_until '{values['valid_until']}' is not a date like 2027-12-31")
    if values.get("mobile") and normalize_mobile(values["mobile"]) is None:
        problems.append("mobile is not an 11-digit mainland mobile number")  # the number itself is not echoed
    if number in seen:
        problems.append(f"card_number {number} repeats line {seen[number]}")
    return problems


def parse_registry(text: str, cards: Mapping[str, Collection[str]]) -> Registry:
    """Check every row against `cards` (card id -> its tiers); the import goes ahead only without problems."""
    registry = Registry()
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")), restkey=_EXTRA)
    fieldnames = [name.strip().lower() for name in reader.fieldnames or []]
    reader.fieldnames = fieldnames
    header = _header_problems(fieldnames)
    if header:
        registry.problems.extend(RowProblem(1, p) for p in header)
        return registry
    seen: dict[str, int] = {}
    every_tier = set().union(*cards.values())
    for row in reader:
        line = reader.line_num  # the physical line, right even when a quoted value spans lines
        if row.get(_EXTRA):
            count = len(fieldnames) + len(row[_EXTRA])
            registry.problems.append(RowProblem(line, f"{count} values, the header has {len(fieldnames)}"))
            continue
        values = {key: (row.get(key) or "").strip() for key in fieldnames}
        if not any(values.values()):
            continue  # Excel leaves blank lines at the end
        values["card_number"] = normalize_card_number(values["card_number"])
        problems = _row_problems(values, cards, every_tier, seen)
        seen.setdefault(values["card_number"], line)
        if problems:
            registry.problems.extend(RowProblem(line, p) for p in problems)
            continue
        registry.rows.append(
            CardHolder(
                card_number=values["card_number"],
                card=values["card"],
                holder_name=values["holder_name"],
                tier=values["tier"],
                valid_until=_parse_date(values["valid_until"]),
                mobile=normalize_mobile(values["mobile"]) if values.get("mobile") else None,
            )
        )
    return registry


def registry_report(registry: Registry, name: str) -> list[str]:
    """`name:line: message` per problem, for the CLI and the admin's chat alike."""
    return [f"{name}:{problem.line}: {problem.message}" for problem in registry.problems]


async def import_registry(session: AsyncSession, registry: Registry) -> int:
    """Insert or update every row (the caller's transaction makes it all or nothing)."""
    if registry.problems:
        raise ValueError("the registry has problems; nothing imported")
    for row in registry.rows:
        await session.merge(row)
    return len(registry.rows)


async def store_registry(database: Database, registry: Registry) -> int:
    """Every row in one transaction; a database refusal becomes one clear line and nothing is written."""
    try:
        async with database.session() as session:
            return await import_registry(session, registry)
    except DBAPIError as exc:
        raise RegistryFileError(f"nothing imported: {explain(exc)}") from exc


BindStatus = Literal["bound", "wrong", "locked", "expired", "taken", "need_mobile", "wrong_mobile"]


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


async def bind_card(
    session: AsyncSession, user: User, number: str, now: datetime, today: date, mobile: str | None = None
) -> BindResult:
    """Bind by card number; where the registry has the holder's mobile, that mobile must be given too
    (`need_mobile` asks for it). A wrong number or a wrong mobile counts against the same hourly limit."""
    await session.execute(delete(BindAttempt).where(BindAttempt.at <= now - BIND_WINDOW))  # kept no longer
    failures, oldest = await _recent_failures(session, user.id, now)
    if failures >= BIND_ATTEMPTS and oldest is not None:
        return BindResult("locked", retry_after=oldest + BIND_WINDOW - now)
    number = normalize_card_number(number)
    well_formed = _CARD_NUMBER.fullmatch(number) and len(number) <= _max_length("card_number")
    holder = await session.get(CardHolder, number) if well_formed else None
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
    if holder.mobile is not None:
        if mobile is None:
            return BindResult("need_mobile", holder=holder)
        if normalize_mobile(mobile) != holder.mobile:
            session.add(BindAttempt(user_id=user.id, at=now))
            return BindResult("wrong_mobile", tries_left=BIND_ATTEMPTS - failures - 1)
    user.card_number, user.card, user.awaiting = holder.card_number, holder.card, None
    return BindResult("bound", holder=holder)


async def unbind_card(session: AsyncSession, number: str) -> User | None:
    """Free a card number (staff and admins): the user it was bound to, or None if nobody had it."""
    user = (
        await session.execute(select(User).where(User.card_number == normalize_card_number(number)))
    ).scalar_one_or_none()
    if user is not None:
        user.card_number = None
    return user
