"""`python -m bot db upgrade`: bring the database to the newest schema with Alembic."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
_REVISION = re.compile(r"^(down_revision|revision)\b[^=]*=\s*['\"]?([\w-]+)", re.MULTILINE)


def head_revision() -> str:
    """The newest migration: the one no other names as its down_revision. Read from the migration files
    (tests check it against Alembic's own head), so that `run`'s schema check does not keep Alembic,
    ~11 MiB, in the bot's memory."""
    revisions: set[str] = set()
    replaced: set[str] = set()
    for script in (MIGRATIONS / "versions").glob("*.py"):
        for name, value in _REVISION.findall(script.read_text(encoding="utf-8")):
            (revisions if name == "revision" else replaced).add(value)
    heads = revisions - replaced
    if len(heads) != 1:
        raise RuntimeError(f"the migrations have {len(heads)} heads: {sorted(heads)}")
    return heads.pop()


def alembic_config(url: str) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Synchronous: Alembic's env runs its own event loop (call it via asyncio.to_thread from async code)."""
    from alembic import command

    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str) -> None:
    from alembic import command

    command.downgrade(alembic_config(url), revision)
