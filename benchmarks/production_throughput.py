"""Questions per second through the whole Application (update queue, concurrent ordered processing, update
ledger, handlers, question log), side by side with a bare PTB Application that answers every message with
a constant text (the framework's ceiling), in the same run; on SQLite and, if reachable, PostgreSQL.

    .venv/bin/python benchmarks/production_throughput.py [--questions 2000] [--rounds 3] [--postgres URL]
        [--bot-api in-process|server|both]

The Bot API is the fake of the tests, two ways, both for bare PTB and cardbot alike (same request class,
JsonRequest, and pool): in process (its httpx MockTransport: the fake's parsing, HTML and limit checks and
reply building, which stand in for Telegram's servers, are billed to the bot's process), and as a local
HTTP server in a process of its own (tests/fake_telegram_server.py: the bot pays for real HTTP, as in
production, and not for Telegram's side; its busy share is printed, so a saturated server, which would cap
bare PTB and flatter the ratio, shows). With real HTTP, httpx's client (httpcore's connection pool scans
its connections and queued requests on every request, and probes each idle connection) costs the bot
more than everything else, so that ratio says little about the handlers: the in-process one does.
AIORateLimiter is off (else Telegram's own 30/s is what gets measured). Targets (issue 12): cardbot on
SQLite >= 0.3 x bare and >= 300 questions/s; PostgreSQL no slower than SQLite. Reported as medians of the
rounds, with their ratios.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import socket
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import text  # noqa: E402
from sqlalchemy.ext.asyncio import create_async_engine  # noqa: E402
from telegram import Update  # noqa: E402
from telegram.ext import Application, ContextTypes, MessageHandler, filters  # noqa: E402
from telegram.request import BaseRequest  # noqa: E402

from bot.answers.qa import Answerer  # noqa: E402
from bot.app import CONCURRENT_UPDATES, CONNECTIONS, build_application, on_shutdown  # noqa: E402
from bot.kb.loader import KnowledgeBase, load_knowledge  # noqa: E402
from bot.runtime.json_request import JsonRequest  # noqa: E402
from bot.services import Services  # noqa: E402
from bot.settings import Settings  # noqa: E402
from db.migrate import upgrade  # noqa: E402
from db.session import Database  # noqa: E402
from tests.fake_telegram import FakeBotApi, fake_request  # noqa: E402
from tests.fake_telegram_server import free_port, serve  # noqa: E402

POSTGRES = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
BOT_APIS = ("in-process", "server")


def question_updates(fake: FakeBotApi, knowledge: KnowledgeBase, count: int, seed: int) -> list[dict]:
    rng = random.Random(seed)
    questions = [q for e in knowledge.entries for q in e.questions]
    users = max(1, count // 5)  # each user asks five questions: per-user order is exercised
    return [
        fake.make_text_update(1 + rng.randrange(users), rng.choice(questions), first_name="bench")
        for _ in range(count)
    ]


async def drive(app: Application, raw: list[dict]) -> float:
    """Questions per second from the update queue (as polling and webhooks feed it) to the last reply."""
    async with app:
        await app.start()
        updates = [Update.de_json(item, app.bot) for item in raw]
        start = time.perf_counter()
        for update in updates:
            app.update_queue.put_nowait(update)
        while not app.update_queue.empty() or app.update_processor.current_concurrent_updates:
            await asyncio.sleep(0.002)
        elapsed = time.perf_counter() - start
        await app.stop()
    return len(raw) / elapsed


@dataclass(frozen=True)
class BotApi:
    """Where the Application's calls go: a fresh in-process fake per run, or the fake server's URL."""

    name: str
    base_url: str | None = None  # the fake server's; None: in process

    def request(self, fake: FakeBotApi) -> BaseRequest:
        if self.base_url is None:
            return fake_request(fake)
        return JsonRequest(connection_pool_size=CONNECTIONS)  # as in production

    def settings(self, url: str) -> Settings:
        server = {"telegram_base_url": self.base_url} if self.base_url else {}
        return Settings(_env_file=None, telegram_bot_token="123:BENCH", database_url=url, **server)


def bare_app(api: BotApi) -> Application:
    async def constant(update: Update, _: ContextTypes.DEFAULT_TYPE) -> None:
        await update.effective_message.reply_text("ok")

    fake = FakeBotApi()
    builder = Application.builder().token("123:BARE")
    if api.base_url:
        builder = builder.base_url(api.base_url)
    app = (
        builder.request(api.request(fake))
        .get_updates_request(api.request(fake))
        .concurrent_updates(CONCURRENT_UPDATES)
        .build()
    )
    app.add_handler(MessageHandler(filters.TEXT, constant))
    return app


async def cardbot_rate(api: BotApi, url: str, knowledge: KnowledgeBase, raw: list[dict]) -> float:
    svc = Services(api.settings(url), knowledge, Answerer(knowledge), Database(url))
    fake = FakeBotApi()
    app = build_application(svc, request=lambda: api.request(fake), rate_limit=False)
    try:
        return await drive(app, raw)
    finally:
        await on_shutdown(app)  # the last questions written, the leader lock given back
        await svc.db.dispose()


async def fresh_postgres(url: str) -> str | None:
    host, port = "127.0.0.1", 5432
    try:
        socket.create_connection((host, port), timeout=1).close()
    except OSError:
        return None
    engine = create_async_engine(url, isolation_level="AUTOCOMMIT")
    async with engine.connect() as connection:
        await connection.execute(text("DROP DATABASE IF EXISTS cardbot_bench WITH (FORCE)"))
        await connection.execute(text("CREATE DATABASE cardbot_bench"))
    await engine.dispose()
    return url.rsplit("/", 1)[0] + "/cardbot_bench"


def median_line(name: str, rates: list[float]) -> str:
    return (
        f"{name:<22} median {statistics.median(rates):7.0f}/s  rounds: {', '.join(f'{r:.0f}' for r in rates)}"
    )


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


Rates = dict[str, list[float]]


async def one_round(
    api: BotApi, knowledge: KnowledgeBase, raw: list[dict], sqlite_url: str, pg_url: str | None, rates: Rates
) -> None:
    rates["bare PTB"].append(await drive(bare_app(api), raw))
    await asyncio.to_thread(upgrade, sqlite_url)
    rates["cardbot SQLite"].append(await cardbot_rate(api, sqlite_url, knowledge, raw))
    if pg_url:
        rates["cardbot PostgreSQL"].append(await cardbot_rate(api, pg_url, knowledge, raw))


def report(api: BotApi, rates: Rates) -> None:
    print(api.name)
    medians: dict[str, float] = {}
    for name, values in rates.items():
        if values:
            print(median_line(name, values))
            medians[name] = statistics.median(values)
    ratio: Callable[[str, str], str] = lambda a, b: (  # noqa: E731
        f"{medians[a] / medians[b]:.2f} of the medians, {statistics.median(x / y for x, y in zip(rates[a], rates[b])):.2f}"
        " of the rounds' ratios (steadier on a shared machine: one round's runs see the same load)"
    )
    print(f"SQLite / bare: {ratio('cardbot SQLite', 'bare PTB')} (target >= 0.3)")
    if "cardbot PostgreSQL" in medians:
        print(f"PostgreSQL / SQLite: {ratio('cardbot PostgreSQL', 'cardbot SQLite')} (target >= 1.0)")


async def main_async(questions: int, rounds: int, postgres: str | None, bot_apis: list[str]) -> None:
    knowledge = load_knowledge(ROOT / "knowledge")
    port = free_port()
    server = serve(port) if "server" in bot_apis else None
    apis = [
        BotApi("Bot API: the in-process fake (its work billed to the bot's process)"),
        BotApi(
            f"Bot API: the fake as an HTTP server in its own process (:{port})",
            f"http://127.0.0.1:{port}/bot",
        ),
    ]
    apis = [api for api, name in zip(apis, BOT_APIS) if name in bot_apis]
    rates = {api: {"bare PTB": [], "cardbot SQLite": [], "cardbot PostgreSQL": []} for api in apis}
    server_busy: list[float] = []
    try:
        with tempfile.TemporaryDirectory() as folder:
            pg_url = await fresh_postgres(postgres) if postgres else None
            if pg_url:
                await asyncio.to_thread(upgrade, pg_url)
            for round_ in range(rounds):
                raw = question_updates(FakeBotApi(), knowledge, questions, seed=round_)
                for number, api in enumerate(apis):
                    # The same questions as new updates each time (a PostgreSQL ledger keeps old ids).
                    offset = 10_000_000 * (round_ * len(apis) + number)
                    shifted = [{**u, "update_id": u["update_id"] + offset} for u in raw]
                    sqlite_url = f"sqlite+aiosqlite:///{folder}/bench{round_}-{number}.db"
                    cpu, start = cpu_seconds(server.pid) if server else 0.0, time.perf_counter()
                    await one_round(api, knowledge, shifted, sqlite_url, pg_url, rates[api])
                    if server and api.base_url:
                        server_busy.append((cpu_seconds(server.pid) - cpu) / (time.perf_counter() - start))
    finally:
        if server:
            server.terminate()
            server.wait()
    print(f"{questions} questions per round, {rounds} rounds, 2 shared cores (noisy)")
    for api in apis:
        report(api, rates[api])
    if server_busy:
        print(f"fake server's CPU during its rounds: median {statistics.median(server_busy):.0%} of one core")


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--questions", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--postgres", default=POSTGRES, help="server URL (a scratch database is made); '' skips"
    )
    parser.add_argument(
        "--bot-api", choices=[*BOT_APIS, "both"], default="both", help="where the fake Bot API runs"
    )
    args = parser.parse_args()
    bot_apis = list(BOT_APIS) if args.bot_api == "both" else [args.bot_api]
    asyncio.run(main_async(args.questions, args.rounds, args.postgres or None, bot_apis))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
