"""Idle memory of `python -m bot run`: resident memory (VmRSS) once the bot polls and has nothing to do.

    .venv/bin/python benchmarks/idle_memory.py [--rounds 5] [--settle 8]

Each round starts fresh processes against a fake Bot API on loopback (`TELEGRAM_BASE_URL`; the fake of
the tests behind a small HTTP server whose getUpdates waits like Telegram's long poll) and a migrated
SQLite file, waits until the bot polls, lets it settle (the first `lead` job runs after 5 s), then reads
its VmRSS (and how much of it is private memory, how much pages of files: shared libraries and the
mapped dictionaries, shared by every process on the host). Four processes per round:

- run: `python -m bot run`, exactly as deployed (the headline figure);
- stages: the same `bot.cli.main(["run"])` with RSS noted after the imports, after the knowledge and its
  index (`Services.from_settings`), after the database check, and idle (the breakdown);
- bare PTB: an Application answering every message with a constant text (the framework's floor);
- components (not polling): the libraries `run` loads, part by part, then the dictionaries, the knowledge
  and its index, and the release of start-up garbage: what the remaining memory is made of.

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


# What the start-up loads, one part after another in one process; each part's figure is what it adds to
# the parts before it (a library shared by two counts where it is first loaded).
COMPONENTS: list[tuple[str, list[str]]] = [
    ("python-telegram-bot (tornado, httpx, APScheduler)", ["telegram.ext", "apscheduler.schedulers.asyncio"]),
    (
        "SQLAlchemy + aiosqlite",
        ["sqlalchemy.orm", "sqlalchemy.ext.asyncio", "sqlalchemy.dialects.sqlite.aiosqlite"],
    ),
    ("numpy", ["numpy"]),
    ("pydantic + pydantic-settings", ["pydantic", "pydantic_settings"]),
    ("rapidfuzz, marisa-trie, PyYAML, frontmatter", ["rapidfuzz", "marisa_trie", "yaml", "frontmatter"]),
    (
        "cardbot's modules",
        ["bot.app", "bot.cli", "bot.log_privacy", "bot.runtime.checks", "bot.runtime.webhook"],
    ),
]


def components() -> int:
    """RSS after each part of what `run` loads, then the data, then the release of start-up garbage."""
    import importlib

    def note(name: str) -> None:
        print(f"{STAGE}{name} {_own_rss():.1f}", flush=True)

    note("interpreter")
    for name, modules in COMPONENTS:
        for module in modules:
            importlib.import_module(module)
        note(name)
    from bot.answers.qa import Answerer
    from bot.kb.loader import load_knowledge
    from bot.matching import english, pinyin, segment, simplified
    from bot.runtime.memory import release_startup_memory

    for read in (segment.dictionary, english._glosses, pinyin._readings, simplified._table):
        read()
    note("dictionaries (mapped)")
    Answerer(load_knowledge(ROOT / "knowledge"))
    note("knowledge and index")
    release_startup_memory()
    note("start-up garbage released")
    return 0


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

        from tests.fake_telegram import FakeBotApi
        from tests.fake_telegram_server import relay

        fake = FakeBotApi()
        self.polls = 0
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802  # http.server's naming
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if self.path.lower().endswith("/getupdates"):
                    server.polls += 1
                    time.sleep(LONG_POLL_SECONDS)  # nothing to deliver: the long poll runs out
                response = relay(fake, "POST", self.path, list(self.headers.items()), body)
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
        status = Path(f"/proc/{child.pid}/status").read_text().splitlines()
        figures["idle"] = rss_now(child.pid)
        for line in status:  # private memory, and pages of files (libraries, mapped dictionaries)
            if line.startswith(("RssAnon", "RssFile")):
                figures[line.split(":")[0]] = int(line.split()[1]) / 1024
    finally:
        child.terminate()
        out, _ = child.communicate(timeout=60)
        server.close()
    return {**figures, **noted(out)}


def noted(out: str) -> dict[str, float]:
    """The figures a child printed as stage lines."""
    figures = {}
    for line in out.splitlines():
        if line.startswith(STAGE):
            name, mib = line[len(STAGE) :].rsplit(" ", 1)
            figures[name] = float(mib)
    return figures


def run(args: argparse.Namespace) -> int:
    import json
    import statistics
    import subprocess
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
    results: dict[str, list[dict[str, float]]] = {kind: [] for kind in [*kinds, "components"]}
    for round_ in range(args.rounds + 1):
        for kind, command in kinds.items():
            figures = measure(command, env, args.settle)
            if round_ > 0:  # round 0 warms the caches
                results[kind].append(figures)
        done = subprocess.run([python, __file__, "--components"], env=env, capture_output=True, text=True)
        if round_ > 0:
            results["components"].append(noted(done.stdout))
        print(f"round {round_}{' (warm-up)' if round_ == 0 else ''}: done", file=sys.stderr)

    def median(kind: str, name: str) -> float:
        return statistics.median(r[name] for r in results[kind])

    def cumulative(kind: str, names: list[str]) -> None:
        previous = 0.0
        for name in names:
            value = median(kind, name)
            print(f"    {name:50s} {value:6.1f}  (+{value - previous:5.1f})")
            previous = value

    print(f"idle RSS, median of {args.rounds} rounds (MiB):")
    for kind, label in [("run", "python -m bot run"), ("bare PTB", "bare PTB Application")]:
        private, files = median(kind, "RssAnon"), median(kind, "RssFile")
        print(f"  {label:24s} {median(kind, 'idle'):6.1f}  (private {private:.1f}, file pages {files:.1f})")
    print("  the same start-up step by step (cumulative, and what each step adds):")
    cumulative("stages", ["interpreter", "imports", "knowledge and index", "database", "idle"])
    print("  what it loads, part by part (one process, each part on top of those above):")
    cumulative(
        "components",
        [
            "interpreter",
            *(name for name, _ in COMPONENTS),
            "dictionaries (mapped)",
            "knowledge and index",
            "start-up garbage released",
        ],
    )
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
    parser.add_argument("--components", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.stages:
        return stages()
    if args.bare:
        return bare()
    if args.components:
        return components()
    return run(args)


if __name__ == "__main__":
    raise SystemExit(main())
