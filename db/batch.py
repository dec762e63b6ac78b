"""Concurrent requests for the same kind of statement gathered into one round trip (group commit)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class Batched(Generic[K, V]):
    """`await batched(key)` gives `run([..., key, ...])`'s value at that key's position. Calls made while
    a batch is in the database wait for the next, which takes all of them: one caller alone goes at once,
    under load many share one transaction. A failed batch fails each of its callers.
    """

    def __init__(self, run: Callable[[list[K]], Awaitable[Sequence[V]]]) -> None:
        self._run = run
        self._waiting: list[tuple[K, asyncio.Future[V]]] = []
        self._worker: asyncio.Task[None] | None = None

    async def __call__(self, key: K) -> V:
        loop = asyncio.get_running_loop()
        result: asyncio.Future[V] = loop.create_future()
        self._waiting.append((key, result))
        if self._worker is None or self._worker.done():
            self._worker = loop.create_task(self._drain())
        return await result

    async def _drain(self) -> None:
        try:
            while self._waiting:
                await asyncio.sleep(0)  # callers woken in this turn of the loop join the batch
                batch, self._waiting = self._waiting, []
                try:
                    values = await self._run([key for key, _ in batch])
                except Exception as exc:
                    for _, result in batch:
                        if not result.done():
                            result.set_exception(exc)
                    continue
                except BaseException:
                    self._waiting = batch + self._waiting  # cancelled (shut down): told below
                    raise
                for (_, result), value in zip(batch, values, strict=True):
                    if not result.done():  # its caller may have been cancelled meanwhile
                        result.set_result(value)
        finally:
            for _, result in self._waiting:
                result.cancel()
            self._waiting = []
