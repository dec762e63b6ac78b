"""Idle memory of `python -m bot run`: resident memory (VmRSS) once the bot polls and has nothing to do.

    .venv/bin/python benchmarks/idle_memory.py [--rounds 5] [--settle 8]

Each round starts fresh processes against a fake Bot API on loopback (`TELEGRAM_BASE_URL`; the fake of
the tests behind a small HTTP server whose getUpdates waits like Telegram's long poll) and a migrated
SQLite file, waits until the bot polls, lets it settle (the first `lead` job runs after 5 s), then reads
its VmRSS. Three processes per round:

- run: `python -m bot run`, exactly as deployed (the headline figure);
- stages: the same `bot.cli.main(["run"])` with RSS noted after the imports, after the knowledge and its
  index (`Services.from_settings`), after the database check, and idle (the breakdown);
- bare PTB: an Application answering every message with a constant text (the framework's floor).

The first round is a warm-up (it may build the caches under ~/.cache/cardbot) and is not counted.
Reported: the median of each figure over the counted rounds.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.measure import rss_now  # noqa: E402  # (the children import no more than they need)

STAFF_CHAT = -100777
LONG_POLL_SECONDS = 1.0  # an empty getUpdates is answered after this wait, as Telegram's long poll does
STAGE = "stage:"  # lines the stages child prints: "stage:<name> <MiB>"


def _own_rss() -> float:
    return rss_now(os.getpid())


# --- the children --------------------------------------------------------------------------------------


def stages() -> int:
    """`bot.cli.main(["run"])`, noting RSS at each step of the start-up."""

    def note(name: str) -> None:
        print(f"{STAGE}{name} {_own_rss():.1f}", flush=True)

    note("interpreter")
    import bot.app  # noqa: F401  # what cmd_run imports before it reads anything
    import bot.log_privacy  # noqa: F401
    import bot.runtime.webhook  # noqa: F401
    from bot import cli, services
    from bot.runtime import checks

    note("imports")
    from_settings = services.Services.from_settings.__func__  # type: ignore[attr-defined]
    check_database = checks.check_database

    def services_noted(cls, *args, **kwargs):  # type: ignore[no-untyped-def]
        made = from_settings(cls, *args, **kwargs)
        note("knowledge and index")
        return made

    async def database_noted(url: str) -> None:
        await check_database(url)
        note("database")

    services.Services.from_settings = classmethod(services_noted)  # type: ignore[method-assign]
    checks.check_database = database_noted
    return cli.main(["run"])


def bare() -> int:
    """A bare PTB Application polling the same fake: a constant text for every message."""
    from telegram import Update
    from telegram.ext import Application, MessageHandler, filters

    async def reply(update: Update, _: object) -> None:
        if update.effective_message is not None:
            await update.effective_message.reply_text("ok")

    application = (
        Application.builder()
        .token(os.environ["TELEGRAM_BOT_TOKEN"])
        .base_url(os.environ["TELEGRAM_BASE_URL"])
        .build()
    )
    application.add_handler(MessageHandler(filters.TEXT, reply))
    application.run_polling(allowed_updates=Update.ALL_TYPES)
    return 0


# --- the fake Bot API on loopback ----------------------------------------------------------------------


class FakeServer:
    """The tests' FakeBotApi behind HTTP; counts getUpdates calls (a polling bot has started)."""

    def __init__(self) -> None:
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        import httpx

        from tests.fake_telegram import FakeBotApi

        fake = FakeBotApi()
        self.polls = 0
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802  # http.server's naming
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                request = httpx.Request(
                    "POST", f"http://fake{self.path}", headers=dict(self.headers), content=body
                )
                if self.path.lower().endswith("/getupdates"):
                    server.polls += 1
                    time.sleep(LONG_POLL_SECONDS)  # nothing to deliver: the long poll runs out
                response = fake(request)
                try:
                    self.send_response(response.status_code)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(response.content)))
                    self.end_headers()
                    self.wfile.write(response.content)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the bot was stopped during its long poll

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                pass

        self._http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._http.server_address[1]}/bot"
        threading.Thread(target=self._http.serve_forever, daemon=True).start()

    def close(self) -> None:
        self._http.shutdown()


# --- the rounds ----------------------------------------------------------------------------------------


def measure(command: list[str], env: dict[str, str], settle: float) -> dict[str, float]:
    """Start one child, wait until it polls and settles, read its RSS, stop it."""
    import subprocess

    server = FakeServer()
    child = subprocess.Popen(
        command, cwd=ROOT, env={**env, "TELEGRAM_BASE_URL": server.url}, stdout=subprocess.PIPE, text=True
    )
    figures: dict[str, float] = {}
    try:
        deadline = time.monotonic() + 120
        while server.polls == 0:
            if child.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{command} exited with {child.returncode} before it polled")
            time.sleep(0.1)
        time.sleep(settle)
        figures["idle"] = rss_now(child.pid)
        if os.environ.get("IDLE_SMAPS"):
            subprocess.run([sys.executable, os.environ["IDLE_SMAPS"], str(child.pid)])
    finally:
        child.terminate()
        out, _ = child.communicate(timeout=60)
        server.close()
    for line in out.splitlines():
        if line.startswith(STAGE):
            name, mib = line[len(STAGE) :].rsplit(" ", 1)
            figures[name] = float(mib)
    return figures


def run(args: argparse.Namespace) -> int:
    import json
    import statistics
    import tempfile

    from db.migrate import upgrade

    folder = Path(tempfile.mkdtemp(prefix="cardbot-memory-"))
    url = f"sqlite+aiosqlite:///{folder}/idle.db"
    upgrade(url)
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": "123:IDLE",
        "DATABASE_URL": url,
        "STAFF_CHAT_ID": str(STAFF_CHAT),
        "KNOWLEDGE_DIR": str(ROOT / "knowledge"),
        "LOG_LEVEL": "WARNING",
    }
    python = sys.executable
    kinds = {
        "run": [python, "-m", "bot", "run"],
        "stages": [python, __file__, "--stages"],
        "bare PTB": [python, __file__, "--bare"],
    }
    results: dict[str, list[dict[str, float]]] = {kind: [] for kind in kinds}
    for round_ in range(args.rounds + 1):
        for kind, command in kinds.items():
            figures = measure(command, env, args.settle)
            if round_ > 0:  # round 0 warms the caches
                results[kind].append(figures)
        print(f"round {round_}{' (warm-up)' if round_ == 0 else ''}: done", file=sys.stderr)

    def median(kind: str, name: str) -> float:
        return statistics.median(r[name] for r in results[kind])

    print(f"idle RSS, median of {args.rounds} rounds (MiB):")
    print(f"  python -m bot run          {median('run', 'idle'):6.1f}")
    print(f"  bare PTB Application       {median('bare PTB', 'idle'):6.1f}")
    print("  breakdown of the same start-up (cumulative, and what each step adds):")
    previous = 0.0
    for name in ["interpreter", "imports", "knowledge and index", "database", "idle"]:
        value = median("stages", name)
        print(f"    {name:22s} {value:6.1f}  (+{value - previous:5.1f})")
        previous = value
    if args.json:
        print(json.dumps(results))
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--settle", type=float, default=8.0, help="seconds idle after the first poll")
    parser.add_argument("--json", action="store_true", help="also print every round's figures")
    parser.add_argument("--stages", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--bare", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.stages:
        return stages()
    if args.bare:
        return bare()
    return run(args)


if __name__ == "__main__":
    raise SystemExit(main())
