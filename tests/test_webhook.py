"""Webhook mode through PTB's own webhook server on loopback, and the health endpoint beside it."""

from __future__ import annotations

import json
import socket
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from bot.answers.qa import Answerer
from bot.app import LEADERSHIP_KEY, build_application
from bot.handlers.common import SERVICES_KEY
from bot.kb.loader import KnowledgeBase
from bot.runtime.webhook import HEALTH_PATH, start_health_server, webhook_options
from bot.services import Services
from db.session import Database
from tests.fake_telegram import FakeBotApi, fake_request
from tests.telegram_harness import FakeClock, Harness
from tests.test_telegram_bot import settings

SECRET = "s3cret-token_1"
ALICE = 401


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
async def served(database: Database, shipped: KnowledgeBase) -> AsyncIterator[tuple[Harness, str, str]]:
    config = settings(Path("knowledge")).model_copy(
        update={
            "webhook_listen": "127.0.0.1",
            "webhook_port": free_port(),
            "health_port": free_port(),
            "webhook_url": "https://bot.example.org/telegram",
            "webhook_secret": SECRET,
        }
    )
    clock, fake = FakeClock(), FakeBotApi()
    svc = Services(config, shipped, Answerer(shipped), database, clock)
    harness = Harness(
        build_application(svc, request=lambda: fake_request(fake), webhook=True), fake, svc, clock
    )
    app = harness.app
    async with app:
        await app.updater.start_webhook(**webhook_options(config))
        await app.start()
        health = start_health_server(config, app.bot_data[SERVICES_KEY].db, app.bot_data[LEADERSHIP_KEY])
        try:
            yield (
                harness,
                f"http://127.0.0.1:{config.webhook_port}/telegram",
                f"http://127.0.0.1:{config.health_port}{HEALTH_PATH}",
            )
        finally:
            health.stop()
            await app.stop()
            await app.updater.stop()
            await app.bot_data[LEADERSHIP_KEY].resign()


async def wait_for_reply(harness: Harness, chat_id: int) -> list[dict[str, object]]:
    import asyncio

    for _ in range(200):
        if harness.fake.messages_to(chat_id):
            return harness.fake.messages_to(chat_id)
        await asyncio.sleep(0.025)
    return []


async def test_the_webhook_is_registered_with_its_secret(served: tuple[Harness, str, str]) -> None:
    harness, _, _ = served
    [call] = [c for c in harness.fake.calls if c[0] == "setWebhook"]
    assert call[1]["url"] == "https://bot.example.org/telegram" and call[1]["secret_token"] == SECRET


async def test_an_update_with_the_right_secret_is_answered(served: tuple[Harness, str, str]) -> None:
    harness, url, _ = served
    update = harness.fake.make_text_update(ALICE, "/help")
    async with httpx.AsyncClient() as client:
        response = await client.post(url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": SECRET})
    assert response.status_code == 200
    # Answered only once handled: a crash before that leaves the update to Telegram's next delivery.
    assert harness.fake.messages_to(ALICE)


@pytest.mark.parametrize("headers", [{"X-Telegram-Bot-Api-Secret-Token": "wrong"}, {}])
async def test_an_update_with_a_wrong_or_no_secret_is_refused(
    served: tuple[Harness, str, str], headers: dict[str, str]
) -> None:
    harness, url, _ = served
    async with httpx.AsyncClient() as client:
        response = await client.post(url, json=harness.fake.make_text_update(ALICE, "/help"), headers=headers)
    assert response.status_code == 403
    assert not await wait_for_reply(harness, ALICE)


async def test_health_says_ok_and_who_leads(served: tuple[Harness, str, str]) -> None:
    harness, _, health = served
    async with httpx.AsyncClient() as client:
        response = await client.get(health)
    assert response.status_code == 200
    # On PostgreSQL an instance leads once its `lead` job took the lock; on SQLite it is the only one.
    single = harness.svc.db.engine.dialect.name == "sqlite"
    assert json.loads(response.text) == {"status": "ok", "leader": single}
    await harness.app.bot_data[LEADERSHIP_KEY].refresh()
    async with httpx.AsyncClient() as client:
        assert json.loads((await client.get(health)).text)["leader"] is True


async def test_health_fails_when_the_database_is_gone(served: tuple[Harness, str, str]) -> None:
    harness, _, health = served
    working, gone = harness.svc.db.engine, Database("postgresql+asyncpg://nobody@127.0.0.1:1/none")
    harness.svc.db.engine = gone.engine
    try:
        async with httpx.AsyncClient() as client:
            response = await client.get(health)
    finally:
        harness.svc.db.engine = working
        await gone.dispose()
    assert response.status_code == 503 and json.loads(response.text)["status"] == "database unreachable"
