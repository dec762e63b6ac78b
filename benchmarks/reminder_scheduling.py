"""Reminders at scale: restoring 10,000 pending reminders at start-up, and lateness when 100 fall due at once.

    .venv/bin/python benchmarks/reminder_scheduling.py [--pending 10000] [--burst 100]

The real Application and JobQueue (APScheduler) on SQLite, Bot API faked in process. AIORateLimiter is off:
with it, Telegram's ~30 messages/s for a bot would stretch a burst of 100 to about 3.3 s by design.
Target (issue 5): p99 lateness <= 1 s for 100 reminders due in the same second.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert  # noqa: E402
from telegram.request import HTTPXRequest  # noqa: E402

from benchmarks.measure import peak_rss_mib, summary_ms  # noqa: E402
from bot.answers.qa import Answerer  # noqa: E402
from bot.app import build_application  # noqa: E402
from bot.handlers.reminders import restore_reminders  # noqa: E402
from bot.kb.loader import load_knowledge  # noqa: E402
from bot.services import Services  # noqa: E402
from bot.settings import Settings  # noqa: E402
from db.migrate import upgrade  # noqa: E402
from db.models import Booking, CardHolder, Reminder, User  # noqa: E402
from db.session import Database  # noqa: E402
from tests.fake_telegram import FakeBotApi  # noqa: E402


async def seed(db: Database, pending: int, burst: int, burst_at: datetime) -> None:
    now = datetime.now(UTC)
    users = pending + burst
    async with db.session() as session:
        await session.execute(
            insert(CardHolder),
            [
                {
                    "card_number": f"C{n}",
                    "card": "baiyun",
                    "holder_name": "x",
                    "tier": "standard",
                    "valid_until": now.date(),
                }
                for n in range(1)
            ],
        )
        await session.execute(
            insert(User),
            [{"id": n, "first_name": "u", "language": "zh", "created_at": now} for n in range(1, users + 1)],
        )
        await session.execute(
            insert(Booking),
            [
                {
                    "id": n,
                    "user_id": n,
                    "chat_id": n,
                    "card_number": "C0",
                    "type": "airport",
                    "kind": "domestic-arrival",
                    "starts_at": (burst_at + timedelta(hours=3))
                    if n > pending
                    else now + timedelta(days=2, minutes=n),
                    "status": "confirmed",
                    "fields": {},
                    "request_key": f"k{n}",
                    "created_at": now,
                }
                for n in range(1, users + 1)
            ],
        )
        await session.execute(
            insert(Reminder),
            [
                {
                    "booking_id": n,
                    "offset_minutes": 120,
                    "status": "scheduled",
                    "due_at": burst_at if n > pending else now + timedelta(days=1, minutes=n),
                }
                for n in range(1, users + 1)
            ],
        )


async def run(pending: int, burst: int, url: str) -> None:
    settings = Settings(_env_file=None, telegram_bot_token="123:BENCH", database_url=url)
    knowledge = load_knowledge(ROOT / "knowledge")
    svc = Services(settings, knowledge, Answerer(knowledge), Database(url))
    burst_at = datetime.now(UTC) + timedelta(seconds=8)
    await seed(svc.db, pending, burst, burst_at)
    fake = FakeBotApi()
    arrivals: list[float] = []

    def timed(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/sendMessage"):
            arrivals.append(time.time())
        return fake(request)

    def request() -> HTTPXRequest:
        return HTTPXRequest(httpx_kwargs={"transport": httpx.MockTransport(timed)}, connection_pool_size=64)

    app = build_application(svc, request=request, rate_limit=False)
    before = peak_rss_mib()
    async with app:
        await app.start()  # starts the JobQueue
        start = time.perf_counter()
        restored = await restore_reminders(app)
        restore_s = time.perf_counter() - start
        print(
            f"restored {restored} reminders in {restore_s:.2f} s; peak RSS {before:.0f} -> {peak_rss_mib():.0f} MiB"
        )
        deadline = time.time() + 30
        while len(arrivals) < burst and time.time() < deadline:
            await asyncio.sleep(0.05)
        await app.stop()
    await svc.db.dispose()
    late_ms = [(a - burst_at.timestamp()) * 1000 for a in arrivals[:burst]]
    print(f"burst of {burst} due at one second: lateness {summary_ms(late_ms)}")


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--pending", type=int, default=10_000)
    parser.add_argument("--burst", type=int, default=100)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite+aiosqlite:///{folder}/bench.db"
        upgrade(url)
        asyncio.run(run(args.pending, args.burst, url))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
