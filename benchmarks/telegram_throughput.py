"""Questions per second through `Application.process_update`, logging every question to SQLite.

    .venv/bin/python benchmarks/telegram_throughput.py [--users 10000]

The real Application, handlers and database; only the Bot API is the in-process fake of the tests (so
serialisation and HTTP request building are included). AIORateLimiter is off: with it Telegram's own
30 messages/s would be what is measured. Target (issue 3): >= 300 questions/s on 2 cores. Also reports
peak memory after that many distinct users have each asked once.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from telegram import Update  # noqa: E402

from benchmarks.measure import peak_rss_mib  # noqa: E402
from bot.answers.qa import Answerer  # noqa: E402
from bot.app import build_application  # noqa: E402
from bot.kb.loader import load_knowledge  # noqa: E402
from bot.services import Services  # noqa: E402
from bot.settings import Settings  # noqa: E402
from db.migrate import upgrade  # noqa: E402
from db.session import Database  # noqa: E402
from tests.fake_telegram import FakeBotApi, fake_request  # noqa: E402


async def run(users: int, url: str) -> None:
    settings = Settings(_env_file=None, telegram_bot_token="123:BENCH", database_url=url)
    knowledge = load_knowledge(ROOT / "knowledge")
    svc = Services(settings, knowledge, Answerer(knowledge), Database(url))
    fake = FakeBotApi()
    app = build_application(svc, request=lambda: fake_request(fake), rate_limit=False)
    rng = random.Random(7)
    questions = [(q, e.card if e.card != "general" else None) for e in knowledge.entries for q in e.questions]
    updates = [
        fake.make_text_update(user_id, rng.choice(questions)[0], first_name=f"u{user_id}")
        for user_id in range(1, users + 1)
    ]
    async with app:
        print(f"before: peak RSS {peak_rss_mib():.0f} MiB")
        batches: list[float] = []
        start = time.perf_counter()
        batch_start = start
        for n, raw in enumerate(updates, start=1):
            await app.process_update(Update.de_json(raw, app.bot))
            if n % 1000 == 0:
                now = time.perf_counter()
                batches.append(1000 / (now - batch_start))
                batch_start = now
        elapsed = time.perf_counter() - start
    await svc.db.dispose()
    print(
        f"{users} questions from {users} distinct users in {elapsed:.1f} s: {users / elapsed:.0f} questions/s "
        f"(median of 1000-question batches {statistics.median(batches):.0f}/s, "
        f"min {min(batches):.0f}/s, max {max(batches):.0f}/s)"
    )
    print(f"after: peak RSS {peak_rss_mib():.0f} MiB (includes the fake API's record of every message)")


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--users", type=int, default=10_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite+aiosqlite:///{folder}/bench.db"
        upgrade(url)
        asyncio.run(run(args.users, url))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
