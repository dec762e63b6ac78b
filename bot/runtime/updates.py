"""Updates handled once, and one chat's updates in the order they came, while other chats run at once."""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from sqlalchemy import BigInteger, bindparam, delete, func, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import insert as pg_insert
from telegram import Update
from telegram.ext import BaseUpdateProcessor

from bot.clock import Clock
from db.batch import Batched
from db.models import ProcessedUpdate
from db.session import Database

KEEP_UPDATE_IDS = timedelta(days=2)  # Telegram gives up redelivering an update after a day
RECENT_IN_MEMORY = 10_000


class UpdateLedger:
    """Records each update_id in the database before it is handled; the first instance to record it
    handles it. The ids of concurrent updates are recorded in one statement (`Batched`), committed before
    any of them is handled. Ids this instance saw lately are also kept in memory, so its own duplicates
    cost no round trip. On SQLite only one instance can run (`InstanceLock`), so memory alone decides
    there and no question waits for a write.
    """

    def __init__(self, db: Database, clock: Clock) -> None:
        self.db, self.clock = db, clock
        self._recent: OrderedDict[int, None] = OrderedDict()
        self._shared = db.engine.dialect.name == "postgresql"
        self._record = Batched(self._record_many)
        ledger = ProcessedUpdate.__table__
        # One statement text whatever the batch size (an array of ids), so asyncpg prepares it once.
        self._insert = (
            pg_insert(ledger)
            .from_select(
                ["update_id", "at"],
                select(
                    func.unnest(bindparam("ids", type_=ARRAY(BigInteger))),
                    bindparam("at", type_=ledger.c.at.type),
                ),
            )
            .on_conflict_do_nothing(index_elements=["update_id"])
            .returning(ledger.c.update_id)
        )

    async def first_delivery(self, update_id: int) -> bool:
        if update_id in self._recent:
            return False
        self._recent[update_id] = None
        if len(self._recent) > RECENT_IN_MEMORY:
            self._recent.popitem(last=False)
        if not self._shared:
            return True
        return await self._record(update_id)

    async def _record_many(self, update_ids: list[int]) -> list[bool]:
        at = self.clock()
        async with self.db.session() as session:
            rows = await session.execute(self._insert, {"ids": update_ids, "at": at})
            recorded = set(rows.scalars())
        firsts = []
        for update_id in update_ids:  # the same id twice in one batch: only the first is handled
            firsts.append(update_id in recorded)
            recorded.discard(update_id)
        return firsts

    async def prune(self, now: datetime) -> int:
        async with self.db.session() as session:
            result = await session.execute(
                delete(ProcessedUpdate).where(ProcessedUpdate.at < now - KEEP_UPDATE_IDS)
            )
        return int(result.rowcount or 0)


def ordering_key(update: object) -> int | None:
    """Updates of one chat (a user's private chat, or the staff group) are applied in order."""
    if not isinstance(update, Update):
        return None
    chat, user = update.effective_chat, update.effective_user
    return chat.id if chat else user.id if user else None


class AcknowledgingQueue(asyncio.Queue[object]):
    """Webhook mode's update queue: put() returns once its update was handled, so PTB's webhook server
    answers Telegram only then. An instance that dies leaves what it had not handled unanswered, and
    Telegram delivers it again (to another instance) instead of it being lost in this one's queue."""

    def __init__(self) -> None:
        super().__init__()
        self._waiting: dict[int, asyncio.Future[None]] = {}

    async def put(self, item: object) -> None:
        if not isinstance(item, Update):  # PTB's own stop signal
            await super().put(item)
            return
        handled = asyncio.get_running_loop().create_future()
        self._waiting[id(item)] = handled
        try:
            await super().put(item)
            await handled
        finally:
            self._waiting.pop(id(item), None)

    def handled(self, item: object) -> None:
        waiting = self._waiting.get(id(item))
        if waiting is not None and not waiting.done():
            waiting.set_result(None)


class OrderedUpdateProcessor(BaseUpdateProcessor):
    """PTB's concurrent updates, with a FIFO lock per chat: PTB starts one task per update in arrival order
    and asyncio locks wake waiters in order, so a chat's updates never overtake each other."""

    def __init__(
        self,
        max_concurrent_updates: int,
        ledger: UpdateLedger | None = None,
        acknowledge: Callable[[object], None] | None = None,
    ) -> None:
        super().__init__(max_concurrent_updates)
        self.ledger = ledger
        self.acknowledge = acknowledge  # told when an update is done with (handled, or a duplicate)
        self._chats: dict[int | None, tuple[asyncio.Lock, int]] = {}  # lock, updates holding or waiting

    async def do_process_update(self, update: object, coroutine: Awaitable[object]) -> None:
        key = ordering_key(update)
        lock, users = self._chats.get(key, (asyncio.Lock(), 0))
        self._chats[key] = (lock, users + 1)
        try:
            # The lock comes first: the duplicate check awaits the database, and must not reorder a chat.
            async with lock:
                if await self._duplicate(update):
                    coroutine.close()  # type: ignore[attr-defined]  # never started
                    return
                await coroutine
        finally:
            lock, users = self._chats[key]
            if users == 1:
                del self._chats[key]
            else:
                self._chats[key] = (lock, users - 1)
            if self.acknowledge is not None:
                self.acknowledge(update)

    async def _duplicate(self, update: object) -> bool:
        if self.ledger is None or not isinstance(update, Update):
            return False
        return not await self.ledger.first_delivery(update.update_id)

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass
