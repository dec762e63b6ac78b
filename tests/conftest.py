from __future__ import annotations

from pathlib import Path

import pytest

from bot.answers.qa import Answerer
from bot.kb.loader import KnowledgeBase, load_knowledge
from tests.knowledge_factory import SHIPPED, small_knowledge


@pytest.fixture(scope="session")
def shipped() -> KnowledgeBase:
    return load_knowledge(SHIPPED)


@pytest.fixture(scope="session")
def shipped_answerer(shipped: KnowledgeBase) -> Answerer:
    return Answerer(shipped)


@pytest.fixture(scope="session")
def small_answerer(tmp_path_factory: pytest.TempPathFactory) -> Answerer:
    folder: Path = small_knowledge(tmp_path_factory.mktemp("kb") / "knowledge")
    return Answerer(load_knowledge(folder))


# --- databases: SQLite always, PostgreSQL when reachable (required on CI) -------------------------

import asyncio  # noqa: E402
import os  # noqa: E402
import shutil  # noqa: E402
import socket  # noqa: E402
from collections.abc import AsyncIterator, Iterator  # noqa: E402
from concurrent.futures import ThreadPoolExecutor  # noqa: E402

from sqlalchemy import text  # noqa: E402
from sqlalchemy.ext.asyncio import create_async_engine  # noqa: E402

from db.migrate import upgrade  # noqa: E402
from db.models import Base  # noqa: E402
from db.session import Database  # noqa: E402

POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")


def _postgres_reachable() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=1):
            return True
    except OSError:
        return False


def _in_thread(function, *args):  # type: ignore[no-untyped-def]
    """Alembic and asyncio.run need a thread without a running event loop (tests run inside one)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(function, *args).result()


def _backends() -> list[str]:
    # On CI PostgreSQL is required: its tests run (and fail) rather than skip when it is down.
    return ["sqlite", "postgresql"] if os.environ.get("CI") == "true" or _postgres_reachable() else ["sqlite"]


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database file migrated once with Alembic; each test gets a copy."""
    path = tmp_path_factory.mktemp("db") / "template.db"
    _in_thread(upgrade, f"sqlite+aiosqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgres_migrated() -> Iterator[str]:
    """A database of this test run's own (so runs side by side do not meet), migrated with Alembic."""
    name = f"cardbot_test_{os.getpid()}"
    _in_thread(asyncio.run, _admin(f'DROP DATABASE IF EXISTS "{name}"', f'CREATE DATABASE "{name}"'))
    url = POSTGRES_URL.rsplit("/", 1)[0] + f"/{name}"
    _in_thread(upgrade, url)
    yield url
    _in_thread(asyncio.run, _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def _admin(*statements: str) -> None:
    engine = create_async_engine(
        POSTGRES_URL, isolation_level="AUTOCOMMIT"
    )  # CREATE DATABASE: no transaction
    async with engine.connect() as connection:
        for statement in statements:
            await connection.execute(text(statement))
    await engine.dispose()


@pytest.fixture(params=_backends())
async def database(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    if request.param == "sqlite":
        path = tmp_path / "cardbot.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        db = Database(f"sqlite+aiosqlite:///{path}")
    else:
        db = Database(request.getfixturevalue("postgres_migrated"))
        tables = ", ".join(table.name for table in Base.metadata.sorted_tables)
        async with db.engine.begin() as connection:
            await connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    yield db
    await db.dispose()
