"""One instance runs the periodic jobs (outbox, agenda, nudges, hand-over re-posts, reminder restore).

On PostgreSQL the leader holds a session-level advisory lock on a connection of its own: when the leader
dies its connection closes, PostgreSQL releases the lock, and the next instance to try takes it. On SQLite
only one instance may run at all (`InstanceLock`), so it always leads.
"""

from __future__ import annotations

import fcntl
import logging
import os
from pathlib import Path
from typing import IO

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine
from sqlalchemy.pool import NullPool

log = logging.getLogger(__name__)

# Any 64-bit number no other application on the database uses: "cardbot" in ASCII.
LEADER_LOCK_KEY = 0x63617264626F74


class Leadership:
    def __init__(self, database_url: str, key: int = LEADER_LOCK_KEY) -> None:
        self.key = key
        self._single = make_url(database_url).get_backend_name() == "sqlite"
        # NullPool: closing the connection really closes it, so the lock never stays behind in a pool.
        self._engine = None if self._single else create_async_engine(database_url, poolclass=NullPool)
        self._connection: AsyncConnection | None = None

    @property
    def is_leader(self) -> bool:
        return self._single or self._connection is not None

    async def refresh(self) -> bool:
        """Still the leader (the lock's connection answers), or the leader now (the lock was free)."""
        if self._single:
            return True
        if self._connection is not None:
            try:
                await self._connection.execute(text("SELECT 1"))
                return True
            except (SQLAlchemyError, OSError):
                log.warning("lost the leader lock's connection: no longer running periodic jobs")
                await self._drop()
        return await self._try_acquire()

    async def _try_acquire(self) -> bool:
        assert self._engine is not None
        try:
            connection = await self._engine.connect()
        except (SQLAlchemyError, OSError):
            return False
        try:
            connection = await connection.execution_options(isolation_level="AUTOCOMMIT")
            taken = (
                await connection.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": self.key})
            ).scalar_one()
        except (SQLAlchemyError, OSError):
            await connection.close()
            return False
        if not taken:
            await connection.close()
            return False
        self._connection = connection
        log.info("this instance is now the leader: it runs the periodic jobs")
        return True

    async def _drop(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            try:
                await connection.invalidate()
            except (SQLAlchemyError, OSError):
                pass

    async def backend_pid(self) -> int | None:
        """The PostgreSQL process holding the lock for us (tests end it to play the leader's death)."""
        if self._connection is None:
            return None
        return (await self._connection.execute(text("SELECT pg_backend_pid()"))).scalar_one()

    async def resign(self) -> None:
        """Shutdown: give the lock back at once, so another instance leads without waiting."""
        if self._connection is not None:
            try:
                await self._connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": self.key})
                await self._connection.close()
            except DBAPIError:
                pass
            self._connection = None
        if self._engine is not None:
            await self._engine.dispose()


class InstanceLockedError(Exception):
    pass


class InstanceLock:
    """SQLite: an exclusive lock on a file next to the database; a second `run` on it is refused (two
    processes would each run the periodic jobs, and SQLite has no advisory locks to elect a leader)."""

    def __init__(self, database_url: str) -> None:
        database = make_url(database_url).database or ""
        self.path = Path(f"{database}.lock")
        self._file: IO[str] | None = None

    def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = self.path.open("a+")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            handle.close()
            raise InstanceLockedError(
                f"another instance (pid {holder}) already runs on this SQLite database ({self.path}); "
                "several instances need PostgreSQL"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        self._file = handle

    def release(self) -> None:
        if self._file is not None:
            fcntl.flock(self._file, fcntl.LOCK_UN)
            self._file.close()
            self._file = None
