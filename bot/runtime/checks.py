"""Start-up checks: settings that cannot work stop `run` with one clear line and a non-zero exit."""

from __future__ import annotations

import asyncio

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from bot.kb.loader import KnowledgeBase
from bot.settings import Settings
from db.migrate import head_revision
from db.session import first_line, make_engine

UPGRADE_HINT = "run `python -m bot db upgrade`"
CONNECT_TIMEOUT_SECONDS = 10


class StartupError(Exception):
    """One line saying what is wrong and what to do; `python -m bot` prints it and exits with 2."""


def _where(url: str) -> str:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return parsed.database or ":memory:"
    return f"{parsed.host or 'localhost'}:{parsed.port or 5432}/{parsed.database or ''}"


async def _schema_revision(url: str) -> str | None:
    engine = make_engine(url)
    try:
        async with engine.connect() as connection:
            try:
                return (await connection.execute(text("SELECT version_num FROM alembic_version"))).scalar()
            except DBAPIError:
                return None  # no alembic_version table: never migrated
    finally:
        await engine.dispose()


async def check_database(url: str) -> None:
    """Reachable, and at the newest migration."""
    try:
        revision = await asyncio.wait_for(_schema_revision(url), CONNECT_TIMEOUT_SECONDS)
    except TimeoutError:
        raise StartupError(f"database unreachable at {_where(url)}: no answer in 10 s") from None
    except (SQLAlchemyError, OSError) as exc:
        raise StartupError(f"database unreachable at {_where(url)}: {first_line(exc)}") from None
    head = head_revision()
    if revision is None:
        raise StartupError(f"database at {_where(url)} has no tables yet: {UPGRADE_HINT}")
    if revision != head:
        raise StartupError(
            f"database at {_where(url)} is at schema {revision}, this version needs {head}: {UPGRADE_HINT}"
        )


def check_staff_chat(settings: Settings, knowledge: KnowledgeBase) -> None:
    """Every booking waits for a staff decision: without a staff chat nobody would ever see it."""
    orphans = sorted(
        booking_type.id
        for booking_type in knowledge.booking_types.values()
        if booking_type.staff_chat_id is None and settings.staff_chat_id is None
    )
    if orphans:
        raise StartupError(
            f"STAFF_CHAT_ID is not set, and bookings of {', '.join(orphans)} go to staff for a decision: "
            "set STAFF_CHAT_ID to the staff group's chat id (or staff_chat_id in the booking type)"
        )
