"""Load: webhook requests on loopback to cardbot instances (separate processes, PTB's webhook server, the
fake Bot API in each), then the end state proven from the database and every instance's send log.

    .venv/bin/python benchmarks/load.py [--updates 20000] [--users 2000] [--backend postgres|sqlite]
                                        [--instances 2] [--kill]

The mix: questions from every user; staff confirming seeded airport bookings (button presses in the staff
chat, some pressed twice); holders cancelling some of theirs; 1 % of the updates delivered a second time
to another instance (as Telegram does after a timeout). Seeded bookings start 2 h and 20-80 s from now,
so their 2-hours-before reminders fall due during the run. With --kill the leader gets SIGKILL halfway;
the rest of the load goes to the survivor, which must take over the periodic jobs (outbox, reminders).

Reported: throughput (posted and handled), p50/p99 handling latency inside the instances (from an update
reaching the processor to its handler returning), CPU seconds and peak RSS per instance, and the checks.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
from sqlalchemy import func, select, text  # noqa: E402
from sqlalchemy.ext.asyncio import create_async_engine  # noqa: E402

from benchmarks.measure import rss_now  # noqa: E402

STAFF_CHAT, STAFFER = -100777, 999_999
SECRET = "load-secret"
POSTGRES = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"


# --- one instance (a child process) --------------------------------------------------------------------


def serve(args: argparse.Namespace) -> None:
    from telegram import Update

    from bot.answers.qa import Answerer
    from bot.app import CONCURRENT_UPDATES, build_application
    from bot.kb.loader import load_knowledge
    from bot.runtime.updates import OrderedUpdateProcessor
    from bot.runtime.webhook import serve_webhook
    from bot.services import Services
    from bot.settings import Settings
    from db.session import Database
    from tests.fake_telegram import BOT_USER, FakeBotApi, fake_request

    log = open(args.sent_log, "a", buffering=1, encoding="utf-8")  # noqa: SIM115  # a line per send
    latencies: list[float] = []

    class RecordingFake(FakeBotApi):
        """Learns the chats, messages and callback ids of updates that came from outside (the load
        generator's fake made them), and logs every message sent."""

        def learn(self, update: Update) -> None:
            query = update.callback_query
            if query is not None and query.message is not None:
                self._callback_ids.add(query.id)
                message = query.message.to_dict()
                self.messages.setdefault((message["chat"]["id"], message["message_id"]), message)

        def _message_to_edit(self, params):  # type: ignore[no-untyped-def]
            """A message another instance's fake sent: known here too (one Telegram behind them all)."""
            chat = self._chat_for(params.get("chat_id"))
            known = {"message_id": params.get("message_id"), "date": 0, "chat": chat, "from": BOT_USER}
            self.messages.setdefault((chat["id"], params.get("message_id")), {**known, "text": "…"})
            return super()._message_to_edit(params)

        def _api_sendMessage(self, params):  # type: ignore[no-untyped-def]
            sent = super()._api_sendMessage(params)
            record = {"chat": sent["chat"]["id"], "text": params["text"]}  # as the outbox row has it
            log.write(json.dumps(record, ensure_ascii=False) + "\n")
            return sent

    fake = RecordingFake()

    class TimedProcessor(OrderedUpdateProcessor):
        async def do_process_update(self, update, coroutine):  # type: ignore[no-untyped-def]
            start = time.perf_counter()
            if isinstance(update, Update):
                fake.learn(update)
            await super().do_process_update(update, coroutine)
            latencies.append((time.perf_counter() - start) * 1000)

    settings = Settings(
        _env_file=None,
        telegram_bot_token="123:LOAD",
        database_url=args.database,
        staff_chat_id=STAFF_CHAT,
        staff_ids=[STAFFER],
        webhook_listen="127.0.0.1",
        webhook_port=args.port,
        health_port=args.health_port,
        webhook_url=f"https://load.example.org/{args.port}",
        webhook_secret=SECRET,
        log_level="WARNING",
    )
    knowledge = load_knowledge(ROOT / "knowledge")
    svc = Services(settings, knowledge, Answerer(knowledge), Database(args.database))
    app = build_application(svc, request=lambda: fake_request(fake), rate_limit=False, webhook=True)
    real = app.update_processor
    processor = TimedProcessor(CONCURRENT_UPDATES, real.ledger, real.acknowledge)  # type: ignore[attr-defined]
    app._update_processor = processor  # noqa: SLF001  # the timing wrapper around the real processor

    async def dump(_: object) -> None:
        Path(args.latency_log).write_text(json.dumps(latencies))

    app.job_queue.run_repeating(dump, interval=1, first=1)
    serve_webhook(app, settings)
    Path(args.latency_log).write_text(json.dumps(latencies))


# --- the load generator --------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def prepare(url: str, users: int, seeded: int) -> list[int]:
    """Registry, bound users, and `seeded` pending airport bookings placed through the domain."""
    from bot.booking.store import BookingRequest, place_booking
    from bot.holders.registry import card_tiers, import_registry, parse_registry
    from bot.kb.loader import load_knowledge
    from db.models import User
    from db.session import Database

    knowledge = load_knowledge(ROOT / "knowledge")
    db = Database(url)
    rows = "\n".join(f"BY{n:05d},baiyun,用户{n},standard,2030-12-31" for n in range(1, users + 1))
    now = datetime.now(UTC)
    async with db.session() as session:
        await import_registry(
            session,
            parse_registry("card_number,card,holder_name,tier,valid_until\n" + rows, card_tiers(knowledge)),
        )
        session.add_all(
            User(
                id=n,
                first_name=f"u{n}",
                language="zh",
                card="baiyun",
                card_number=f"BY{n:05d}",
                created_at=now,
            )
            for n in range(1, users + 1)
        )
    airport, ids = knowledge.booking_types["airport"], []
    rng = random.Random(3)
    for n in range(1, seeded + 1):
        starts = (now + timedelta(hours=2, seconds=rng.uniform(25, 80))).astimezone(ZoneInfo("Asia/Shanghai"))
        fields = {"holder_name": f"用户{n}", "flight_no": "CZ3101", "passengers": "1", "phone": "13800000000"}
        request = BookingRequest(n, n, f"BY{n:05d}", "domestic-departure", starts, fields, f"load{n}")
        placed = await place_booking(db, airport, request, now)
        assert placed.booking is not None, placed.violations
        ids.append(placed.booking.id)
    await db.dispose()
    return ids


def workload(users: int, count: int, bookings: list[int], seed: int = 11) -> list[tuple[int, dict]]:
    """(instance-independent) updates, in order; bookings' owners are users 1..len(bookings)."""
    from bot.kb.loader import load_knowledge
    from tests.fake_telegram import BOT_USER, FakeBotApi

    fake, rng = FakeBotApi(), random.Random(seed)
    questions = [q for e in load_knowledge(ROOT / "knowledge").entries for q in e.questions]
    staff_chat = {"id": STAFF_CHAT, "type": "supergroup", "title": "staff"}
    special: list[dict] = []
    for booking_id in bookings:
        owner = booking_id  # seeded in order
        presses = 2 if rng.random() < 0.1 else 1  # a colleague presses too
        for _ in range(presses):
            notice = {
                "message_id": booking_id,
                "date": 0,
                "chat": staff_chat,
                "from": BOT_USER,
                "text": "新预约",
            }
            special.append(fake.make_callback_update(STAFFER, f"st:ok:{booking_id}", notice))
        if rng.random() < 0.3:
            private = {
                "message_id": 1,
                "date": 0,
                "chat": {"id": owner, "type": "private", "first_name": "u"},
                "from": BOT_USER,
                "text": "我的预约",
            }
            special.append(fake.make_callback_update(owner, f"bkx:{booking_id}:yes", private))
    plain = [
        fake.make_text_update(1 + rng.randrange(users), rng.choice(questions), first_name="u")
        for _ in range(max(0, count - len(special)))
    ]
    # Spread the bookings' presses through the first half, questions everywhere.
    mixed: list[dict] = plain[:]
    for n, item in enumerate(special):
        mixed.insert(min(len(mixed), n * max(1, len(plain) // (2 * max(1, len(special))))), item)
    return [(item["update_id"], item) for item in mixed]


def cpu_and_rss(pid: int) -> tuple[float, float]:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        ticks = os.sysconf("SC_CLK_TCK")
        cpu = (int(fields[11]) + int(fields[12])) / ticks
        status = Path(f"/proc/{pid}/status").read_text()
        hwm = next(line for line in status.splitlines() if line.startswith("VmHWM")).split()[1]
        return cpu, int(hwm) / 1024
    except (FileNotFoundError, ProcessLookupError, StopIteration):
        return float("nan"), float("nan")


async def leader_of(client: httpx.AsyncClient, health_ports: list[int]) -> int | None:
    for index, port in enumerate(health_ports):
        try:
            if (await client.get(f"http://127.0.0.1:{port}/healthz")).json()["leader"]:
                return index
        except httpx.HTTPError:
            continue
    return None


async def run(args: argparse.Namespace) -> int:
    from db.migrate import upgrade

    folder = Path(tempfile.mkdtemp(prefix="cardbot-load-"))
    if args.backend == "postgres":
        engine = create_async_engine(POSTGRES, isolation_level="AUTOCOMMIT")
        async with engine.connect() as connection:
            await connection.execute(text("DROP DATABASE IF EXISTS cardbot_load WITH (FORCE)"))
            await connection.execute(text("CREATE DATABASE cardbot_load"))
        await engine.dispose()
        url = POSTGRES.rsplit("/", 1)[0] + "/cardbot_load"
    else:
        url, args.instances = f"sqlite+aiosqlite:///{folder}/load.db", 1
    await asyncio.to_thread(upgrade, url)
    seeded = min(args.users, max(1, args.updates // 40))
    bookings = await prepare(url, args.users, seeded)
    updates = workload(args.users, args.updates, bookings)

    ports = [(free_port(), free_port()) for _ in range(args.instances)]
    processes = [
        subprocess.Popen(
            [
                sys.executable,
                __file__,
                "--serve",
                "--database",
                url,
                "--port",
                str(p),
                "--health-port",
                str(h),
                "--sent-log",
                str(folder / f"sent{i}.jsonl"),
                "--latency-log",
                str(folder / f"latency{i}.json"),
            ],
            cwd=ROOT,
        )
        for i, (p, h) in enumerate(ports)
    ]
    alive = list(range(args.instances))
    usage: dict[int, tuple[float, float]] = {}
    async with httpx.AsyncClient(timeout=30) as client:
        for _, health in ports:
            for _ in range(600):
                try:
                    if (await client.get(f"http://127.0.0.1:{health}/healthz")).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                await asyncio.sleep(0.1)
        await asyncio.sleep(6)  # the first `lead` run elects the leader
        idle = [rss_now(process.pid) for process in processes]
        print(
            "idle RSS after start-up: "
            + ", ".join(f"instance {i} {mib:.0f} MiB" for i, mib in enumerate(idle))
        )
        killed: int | None = None
        in_flight = asyncio.Semaphore(64)
        rng = random.Random(5)

        async def post(index: int, body: dict) -> None:
            async with in_flight:
                for attempt in range(5):  # Telegram retries on an error, and any instance may get it
                    target = index if index in alive else alive[0]
                    try:
                        response = await client.post(
                            f"http://127.0.0.1:{ports[target][0]}/telegram",
                            json=body,
                            headers={"X-Telegram-Bot-Api-Secret-Token": SECRET},
                        )
                        if response.status_code == 200:
                            return
                    except httpx.HTTPError:
                        pass
                    await asyncio.sleep(0.2 * (attempt + 1))

        start = time.perf_counter()
        tasks: list[asyncio.Task[None]] = []
        for n, (_, body) in enumerate(updates):
            if args.kill and killed is None and n == len(updates) // 2 and len(alive) > 1:
                await asyncio.gather(*tasks)
                killed = await leader_of(client, [h for _, h in ports])
                killed = alive[0] if killed is None else killed
                usage[killed] = cpu_and_rss(processes[killed].pid)
                processes[killed].send_signal(signal.SIGKILL)
                alive.remove(killed)
                print(f"killed instance {killed} (the leader) after {n} updates")
            tasks.append(asyncio.create_task(post(alive[n % len(alive)], body)))
            if rng.random() < 0.01 and len(alive) > 1:  # redelivered, to the other instance
                tasks.append(asyncio.create_task(post(alive[(n + 1) % len(alive)], body)))
        await asyncio.gather(*tasks)
        posted = time.perf_counter() - start
        # Handled: every question logged and the queues empty; then the reminders' due times pass.
        engine = create_async_engine(url)
        from db.models import OutboxMessage, QuestionLog, Reminder

        expected_questions = sum(1 for _, b in updates if "message" in b)
        handled_at = None
        deadline = time.perf_counter() + args.settle
        while time.perf_counter() < deadline:
            async with engine.connect() as connection:
                logged = (
                    await connection.execute(select(func.count()).select_from(QuestionLog))
                ).scalar_one()
                unsent = (
                    await connection.execute(
                        select(func.count()).select_from(OutboxMessage).where(OutboxMessage.sent_at.is_(None))
                    )
                ).scalar_one()
                waiting = (
                    await connection.execute(
                        select(func.count())
                        .select_from(Reminder)
                        .where(Reminder.status.in_(["scheduled", "sending"]))
                    )
                ).scalar_one()
            if logged >= expected_questions and handled_at is None:
                handled_at = time.perf_counter() - start
            if logged >= expected_questions and not unsent and not waiting:
                break
            await asyncio.sleep(1)
        await asyncio.sleep(2)
        for index in alive:
            usage[index] = cpu_and_rss(processes[index].pid)
            processes[index].send_signal(signal.SIGTERM)
        for process in processes:
            process.wait(timeout=60)

    print(
        f"backend {args.backend}, {args.instances} instance(s), {len(updates)} updates from {args.users} users "
        f"({seeded} seeded bookings); 2 cores shared with other work: noisy"
    )
    print(f"posted in {posted:.1f} s: {len(updates) / posted:.0f} updates/s accepted by the webhook servers")
    if handled_at:
        print(
            f"all questions logged after {handled_at:.1f} s: {len(updates) / handled_at:.0f} updates/s handled"
        )
    else:
        print(f"questions logged: {logged}/{expected_questions} (not all within --settle {args.settle} s)")
    for index in range(args.instances):
        values = json.loads((folder / f"latency{index}.json").read_text() or "[]")
        cpu, rss = usage.get(index, (float("nan"), float("nan")))
        ordered = sorted(values) or [float("nan")]
        p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
        print(
            f"instance {index}: {len(values)} updates, latency p50 {statistics.median(ordered):.1f} ms "
            f"p99 {p99:.1f} ms, CPU {cpu:.1f} s, peak RSS {rss:.0f} MiB"
            + (" (killed)" if index == killed else "")
        )
    problems = await prove(engine, folder, args.instances, expected_questions)
    await engine.dispose()
    print("end state: ok" if not problems else "end state problems:\n  " + "\n  ".join(problems))
    return 1 if problems else 0


async def prove(engine, folder: Path, instances: int, expected_questions: int) -> list[str]:  # type: ignore[no-untyped-def]
    from db.models import Booking, OutboxMessage, QuestionLog, QuotaUse, Reminder

    sent: dict[tuple[int, str], int] = {}
    for index in range(instances):
        path = folder / f"sent{index}.jsonl"
        for line in path.read_text(encoding="utf-8").splitlines() if path.exists() else []:
            item = json.loads(line)
            sent[(item["chat"], item["text"])] = sent.get((item["chat"], item["text"]), 0) + 1
    problems: list[str] = []
    async with engine.connect() as connection:
        logged = (await connection.execute(select(func.count()).select_from(QuestionLog))).scalar_one()
        if logged != expected_questions:
            problems.append(f"{logged} questions logged for {expected_questions} question updates")
        keys = (
            await connection.execute(select(Booking.request_key, func.count()).group_by(Booking.request_key))
        ).all()
        if any(count != 1 for _, count in keys):
            problems.append("a booking exists twice")
        over = (
            await connection.execute(
                select(QuotaUse.card_number, func.count())
                .group_by(QuotaUse.card_number, QuotaUse.year)
                .having(func.count() > 2)
            )
        ).all()
        if over:
            problems.append(f"{len(over)} card holders over their yearly quota")
        statuses = dict(
            (await connection.execute(select(Booking.status, func.count()).group_by(Booking.status))).all()
        )
        print(f"bookings by status: {statuses}")
        rows = (
            await connection.execute(select(OutboxMessage.chat_id, OutboxMessage.text, OutboxMessage.sent_at))
        ).all()
        unsent = [r for r in rows if r.sent_at is None]
        twice = [r for r in rows if sent.get((r.chat_id, r.text), 0) > 1]
        never = [r for r in rows if r.sent_at is not None and sent.get((r.chat_id, r.text), 0) == 0]
        print(
            f"outbox: {len(rows)} notices, {len(unsent)} unsent, {len(twice)} sent twice, {len(never)} marked sent but not in any send log"
        )
        if unsent or twice:
            problems.append(f"outbox: {len(unsent)} unsent, {len(twice)} sent twice")
        reminders = dict(
            (await connection.execute(select(Reminder.status, func.count()).group_by(Reminder.status))).all()
        )
        reminder_sends = sum(count for (_, body), count in sent.items() if body.startswith("⏰"))
        print(f"reminders by status: {reminders}; reminder messages sent: {reminder_sends}")
        if reminder_sends != reminders.get("sent", 0):
            problems.append(
                f"{reminder_sends} reminder messages for {reminders.get('sent', 0)} sent reminders"
            )
        if reminders.get("scheduled", 0) or reminders.get("sending", 0):
            problems.append(f"reminders not sent: {reminders}")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--updates", type=int, default=20_000)
    parser.add_argument("--users", type=int, default=2_000)
    parser.add_argument("--backend", choices=["postgres", "sqlite"], default="postgres")
    parser.add_argument("--instances", type=int, default=2)
    parser.add_argument("--kill", action="store_true", help="SIGKILL the leader halfway")
    parser.add_argument("--settle", type=float, default=240, help="seconds to wait for the end state")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    for name in ("--database", "--sent-log", "--latency-log"):
        parser.add_argument(name, help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--health-port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args)
        return 0
    return asyncio.run(run(args))


if __name__ == "__main__":
    raise SystemExit(main())
