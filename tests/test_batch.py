"""Concurrent statements of one kind share a round trip; each caller still gets its own answer."""

from __future__ import annotations

import asyncio

import pytest

from db.batch import Batched


class Recorder:
    def __init__(self, fail_on: int | None = None) -> None:
        self.batches: list[list[int]] = []
        self.fail_on = fail_on
        self.release = asyncio.Event()
        self.release.set()

    async def run(self, keys: list[int]) -> list[int]:
        self.batches.append(keys)
        await self.release.wait()
        if self.fail_on in keys:
            raise ValueError(f"bad {self.fail_on}")
        return [key * 10 for key in keys]


async def test_one_caller_alone_goes_at_once() -> None:
    recorder = Recorder()
    assert await Batched(recorder.run)(4) == 40
    assert recorder.batches == [[4]]


async def test_concurrent_callers_share_one_run_and_get_their_own_values() -> None:
    recorder = Recorder()
    batched = Batched(recorder.run)
    assert await asyncio.gather(*(batched(key) for key in range(20))) == [key * 10 for key in range(20)]
    assert recorder.batches == [list(range(20))]


async def test_callers_during_a_run_wait_for_the_next_one_together() -> None:
    recorder = Recorder()
    recorder.release.clear()
    batched = Batched(recorder.run)
    first = asyncio.create_task(batched(1))
    await asyncio.sleep(0.01)  # the first batch is in the database
    later = [asyncio.create_task(batched(key)) for key in (2, 3, 4)]
    await asyncio.sleep(0.01)
    recorder.release.set()
    assert await first == 10 and await asyncio.gather(*later) == [20, 30, 40]
    assert recorder.batches == [[1], [2, 3, 4]]


async def test_a_failed_run_fails_its_callers_only() -> None:
    recorder = Recorder(fail_on=2)
    batched = Batched(recorder.run)
    results = await asyncio.gather(batched(1), batched(2), return_exceptions=True)
    assert [type(result) for result in results] == [ValueError, ValueError]
    assert await batched(3) == 30  # the next batch runs as usual


async def test_a_cancelled_caller_does_not_stop_the_others() -> None:
    recorder = Recorder()
    recorder.release.clear()
    batched = Batched(recorder.run)
    gone, kept = asyncio.create_task(batched(1)), asyncio.create_task(batched(2))
    await asyncio.sleep(0.01)
    gone.cancel()
    recorder.release.set()
    assert await kept == 20
    with pytest.raises(asyncio.CancelledError):
        await gone
