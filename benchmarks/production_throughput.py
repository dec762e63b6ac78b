"""Questions per second through the whole Application (update queue, concurrent ordered processing, update
ledger, handlers, question log), side by side with a bare PTB Application that answers every message with
a constant text (the framework's ceiling), in the same run; on SQLite and, if reachable, PostgreSQL.

    .venv/bin/python benchmarks/production_throughput.py [--questions 2000] [--rounds 3] [--postgres URL]

The Bot API is the in-process fake of the tests; AIORateLimiter is off (else Telegram's own 30/s is what
gets measured). Targets (issue 12): cardbot on SQLite >= 0.3 x bare and >= 300 questions/s; PostgreSQL no
slower than SQLite. Reported as medians of the rounds, with their ratios.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import socket
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import text  # noqa: E402
from sqlalchemy.ext.asyncio import create_async_engine  # noqa: E402
from telegram import Update  # noqa: E402
from telegram.ext import Application, ContextTypes, MessageHandler, filters  # noqa: E402

from bot.answers.qa import Answerer  # noqa: E402
from bot.app import CONCURRENT_UPDATES, build_application, on_shutdown  # noqa: E402
from bot.kb.loader import KnowledgeBase, load_knowledge  # noqa: E402
from bot.services import Services  # noqa: E402
from bot.settings import Settings  # noqa: E402
from db.migrate import upgrade  # noqa: E402
from db.session import Database  # noqa: E402
from tests.fake_telegram import FakeBotApi, fake_request  # noqa: E402

POSTGRES = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"


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


def bare_app(fake: FakeBotApi) -> Application:
    async def constant(update: Update, _: ContextTypes.DEFAULT_TYPE) -> None:
        await update.effective_message.reply_text("ok")

    app = (
        Application.builder()
        .token("123:BARE")
        .request(fake_request(fake))
        .get_updates_request(fake_request(fake))
        .concurrent_updates(CONCURRENT_UPDATES)
        .build()
    )
    app.add_handler(MessageHandler(filters.TEXT, constant))
    return app


async def cardbot_rate(url: str, knowledge: KnowledgeBase, raw: list[dict], fake: FakeBotApi) -> float:
    settings = Settings(_env_file=None, telegram_bot_token="123:BENCH", database_url=url)
    svc = Services(settings, knowledge, Answerer(knowledge), Database(url))
    app = build_application(svc, request=lambda: fake_request(fake), rate_limit=False)
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


async def main_async(questions: int, rounds: int, postgres: str | None) -> None:
    knowledge = load_knowledge(ROOT / "knowledge")
    rates: dict[str, list[float]] = {"bare PTB": [], "cardbot SQLite": [], "cardbot PostgreSQL": []}
    with tempfile.TemporaryDirectory() as folder:
        pg_url = await fresh_postgres(postgres) if postgres else None
        if pg_url:
            await asyncio.to_thread(upgrade, pg_url)
        for round_ in range(rounds):
            fake = FakeBotApi()
            raw = question_updates(fake, knowledge, questions, seed=round_)
            rates["bare PTB"].append(await drive(bare_app(FakeBotApi()), raw))
            sqlite_url = f"sqlite+aiosqlite:///{folder}/bench{round_}.db"
            await asyncio.to_thread(upgrade, sqlite_url)
            rates["cardbot SQLite"].append(await cardbot_rate(sqlite_url, knowledge, raw, FakeBotApi()))
            if pg_url:
                for update in raw:  # the same questions, as new updates (the ledger keeps old ids)
                    update["update_id"] += 10_000_000 * (round_ + 1)
                rates["cardbot PostgreSQL"].append(await cardbot_rate(pg_url, knowledge, raw, FakeBotApi()))
    print(f"{questions} questions per round, {rounds} rounds, 2 shared cores (noisy)")
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


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--questions", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--postgres", default=POSTGRES, help="server URL (a scratch database is made); '' skips"
    )
    args = parser.parse_args()
    asyncio.run(main_async(args.questions, args.rounds, args.postgres or None))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
