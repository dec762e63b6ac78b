"""`python -m bot ...`: the one command line of cardbot."""

from __future__ import annotations

import argparse
import json
import os
import socket
import sys
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from bot.answers.qa import Answer, Answerer
from bot.answers.render import answer_text
from bot.kb.loader import KnowledgeBase, KnowledgeError, check_knowledge, load_knowledge
from bot.settings import SettingsError, get_settings
from bot.texts import language_of

if TYPE_CHECKING:
    from bot.admin.reload import Outcome
    from bot.admin.stats import Stats
    from bot.services import Services
    from db.session import Database

T = TypeVar("T")
DEFAULT_SEEDS = "../shared/seeds"
DEMO_REGISTRY = Path(__file__).resolve().parent.parent / "db" / "seed" / "demo_cardholders.csv"


def _answerer() -> Answerer:
    return Answerer(load_knowledge(get_settings().knowledge_dir))


def answer_json(answer: Answer, answerer: Answerer) -> dict[str, object]:
    entry = answer.entry
    return {
        "answered": answer.answered,
        "outcome": answer.outcome,
        "entry_id": entry.id if entry else None,
        "title": entry.title if entry else None,
        "score": answer.score,
        "text": answer_text(answer, answerer.knowledge, language_of(answer.question)),
        "alternatives": [
            {"entry_id": s.entry.id, "title": s.entry.title, "score": s.score} for s in answer.alternatives
        ],
    }


def _batch_questions(path: Path) -> Iterator[tuple[str, str | None]]:
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
                yield str(item["q"]), item.get("card")
            except (json.JSONDecodeError, KeyError, TypeError) as exc:
                raise SystemExit(f"{path}:{number}: not a question line ({exc})") from exc


def cmd_ask(args: argparse.Namespace) -> int:
    if not args.batch and not args.question:
        raise SystemExit("ask: give a question, or --batch FILE.jsonl")
    answerer = _answerer()
    if args.batch:
        for question, card in _batch_questions(Path(args.batch)):
            print(json.dumps(answer_json(answerer.answer(question, card), answerer), ensure_ascii=False))
        return 0
    answer = answerer.answer(args.question, args.card)
    if args.json:
        print(json.dumps(answer_json(answer, answerer), ensure_ascii=False))
    else:
        print(answer_text(answer, answerer.knowledge, language_of(args.question)))
    return 0


def cmd_kb_check(args: argparse.Namespace) -> int:
    directory = Path(args.dir) if args.dir else get_settings().knowledge_dir
    knowledge, problems = check_knowledge(directory)
    if knowledge is not None and args.sources:
        from bot.kb.sources import check_sources

        problems = check_sources(knowledge, directory, Path(args.sources))
    for problem in problems:
        print(problem)
    if problems:
        return 1
    checked = f", text found in {args.sources}" if args.sources else ""
    print(f"{directory}: {len(knowledge.entries)} entries, {len(knowledge.cards)} cards{checked}: ok")
    return 0


def _print_outcome(outcome: Outcome) -> int:
    for problem in outcome.problems:
        print(problem)
    if outcome.diff is not None:
        print(outcome.diff.summary())
    for move in outcome.moves:
        print(f"regression: {move.describe()}")
    return {"invalid": 1, "gated": 2}.get(outcome.status, 0)


def cmd_kb_reload(args: argparse.Namespace) -> int:
    """Publishes KNOWLEDGE_DIR as the installed version; running instances swap it in within 30 s."""
    from bot.admin.reload import publish
    from bot.clock import utc_now

    folder = get_settings().knowledge_dir

    async def work(knowledge: KnowledgeBase, database: Database) -> Outcome:
        return await publish(database, folder, utc_now(), force=args.yes)

    outcome = _with_database(work)
    code = _print_outcome(outcome)
    messages = {
        "installed": f"version #{outcome.version_id} installed; running instances follow within 30 s",
        "unchanged": f"unchanged: version #{outcome.version_id} is this folder",
        "invalid": f"{len(outcome.problems)} problem(s); nothing changed",
        "gated": "regression questions would move; nothing changed (--yes installs anyway)",
    }
    print(messages[outcome.status])
    return code


def cmd_kb_diff(args: argparse.Namespace) -> int:
    """What installing DIR would add, change and remove, compared with KNOWLEDGE_DIR."""
    from bot.admin.diff import diff_knowledge

    installed = load_knowledge(get_settings().knowledge_dir)
    knowledge, problems = check_knowledge(Path(args.dir))
    for problem in problems:
        print(problem)
    if knowledge is None:
        return 1
    print(diff_knowledge(installed, knowledge).summary())
    return 0


def _console(user_id: int, card: str | None) -> int:
    """The console keeps its state in the same database as the bot; the schema is brought up to date."""
    import asyncio

    from bot.console import run_console
    from bot.holders.actions import Who
    from bot.services import Services
    from db.migrate import upgrade

    settings = get_settings()
    upgrade(settings.database_url)
    services = Services.from_settings(settings)

    async def session() -> int:
        try:
            return await run_console(services, Who(user_id, "console", "zh"), card)
        finally:
            await services.db.dispose()

    with single_instance(services):
        return asyncio.run(session())


@contextmanager
def single_instance(services: Services) -> Iterator[None]:
    """SQLite: one process at a time runs the bot or the console on a database file."""
    from bot.runtime.checks import StartupError
    from bot.runtime.leader import InstanceLock, InstanceLockedError

    if services.db.engine.dialect.name != "sqlite":
        yield
        return
    lock = InstanceLock(services.settings.database_url)
    try:
        lock.acquire()
    except InstanceLockedError as exc:
        raise StartupError(str(exc)) from None
    try:
        yield
    finally:
        lock.release()


def cmd_chat(args: argparse.Namespace) -> int:
    return _console(args.user, args.card)


def cmd_run(args: argparse.Namespace) -> int:
    import asyncio

    from bot.runtime.checks import StartupError, check_database, check_staff_chat

    settings = get_settings()
    if not settings.telegram_bot_token:
        if not sys.stdin.isatty():  # a service manager would restart a clean exit forever
            raise StartupError("TELEGRAM_BOT_TOKEN is not set: get a token from @BotFather (/newbot)")
        from bot.texts import t

        print(t("no_token", "zh"))
        print(t("no_token", "en"))
        return _console(0, None)
    from telegram import Update

    from bot.app import build_application
    from bot.log_privacy import configure_logging
    from bot.runtime.memory import release_startup_memory
    from bot.runtime.webhook import serve_webhook
    from bot.services import Services

    configure_logging(settings.log_level, json_lines=settings.log_format == "json")
    if args.webhook and not settings.webhook_url:
        raise StartupError("WEBHOOK_URL is not set: the public https address Telegram should post to")
    services = Services.from_settings(settings)
    check_staff_chat(settings, services.knowledge)
    asyncio.run(check_database(settings.database_url))
    with single_instance(services):
        application = build_application(services, webhook=args.webhook)
        release_startup_memory()
        if args.webhook:
            serve_webhook(application, settings)
        else:
            application.run_polling(allowed_updates=Update.ALL_TYPES)
    return 0


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    from db.migrate import upgrade

    upgrade(get_settings().database_url, args.revision)
    print(f"database at {args.revision}")
    return 0


def _with_database(work: Callable[[KnowledgeBase, Database], Awaitable[T]]) -> T:
    """Run `work(knowledge, database)` against KNOWLEDGE_DIR and DATABASE_URL; the engine is closed after.
    (No search index: the admin commands do not answer questions.)"""
    import asyncio

    from sqlalchemy.exc import DBAPIError

    from db.session import Database, explain

    settings = get_settings()
    knowledge = load_knowledge(settings.knowledge_dir)

    async def session() -> T:
        database = Database(settings.database_url)
        try:
            return await work(knowledge, database)
        finally:
            await database.dispose()

    try:
        return asyncio.run(session())
    except DBAPIError as exc:
        raise SystemExit(explain(exc)) from exc


def cmd_cardholders_import(args: argparse.Namespace) -> int:
    from bot.holders.registry import (
        Registry,
        RegistryFileError,
        card_tiers,
        read_registry,
        registry_report,
        store_registry,
    )

    path = Path(args.file)

    async def work(knowledge: KnowledgeBase, database: Database) -> tuple[Registry, int]:
        registry = read_registry(path, card_tiers(knowledge))
        return registry, (0 if registry.problems else await store_registry(database, registry))

    try:
        registry, count = _with_database(work)
    except RegistryFileError as exc:
        print(exc, file=sys.stderr)
        return 1
    for line in registry_report(registry, str(path)):
        print(line)
    if registry.problems:
        print(f"{len(registry.problems)} problem(s); nothing imported")
        return 1
    print(f"imported {count} card holder(s) from {path} ({registry.encoding})")
    return 0


def cmd_stats(args: argparse.Namespace) -> int:
    from bot.admin.stats import MAX_DAYS, collect, per_day_lines, summary
    from bot.clock import utc_now

    if not 1 <= args.days <= MAX_DAYS:
        raise SystemExit(f"stats: --days must be 1..{MAX_DAYS}")

    async def work(knowledge: KnowledgeBase, database: Database) -> tuple[Stats, dict[str, str]]:
        async with database.session() as session:
            numbers = await collect(session, utc_now(), args.days, get_settings().tz)
        return numbers, {kind: kind_type.title.zh for kind, kind_type in knowledge.booking_types.items()}

    numbers, titles = _with_database(work)
    print(summary(numbers, titles, "zh"))
    print("\n".join(per_day_lines(numbers)))
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from datetime import date

    from bot.admin.export import ExportRange, bookings_in, workbook

    try:
        span = ExportRange(
            date.fromisoformat(args.first) if args.first else None,
            date.fromisoformat(args.last) if args.last else None,
        )
    except ValueError as exc:
        raise SystemExit(f"export: {exc}") from exc
    zone = get_settings().tz

    async def work(knowledge: KnowledgeBase, database: Database) -> tuple[int, bytes]:
        async with database.session() as session:
            rows = await bookings_in(session, span, zone)
        return len(rows), workbook(rows, knowledge, zone, "zh")

    count, data = _with_database(work)
    Path(args.file).write_bytes(data)
    print(f"{count} booking(s) written to {args.file}")
    return 0


def cmd_cardholders_demo(args: argparse.Namespace) -> int:
    """`make run`: the demo card holders go into the default SQLite file only, unless --demo says so."""
    settings = get_settings()
    if not settings.uses_default_database and not args.demo:
        print("demo card holders not imported: DATABASE_URL is not the default SQLite file (--demo imports)")
        return 0
    return cmd_cardholders_import(argparse.Namespace(file=str(DEMO_REGISTRY)))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bot", description="cardbot: service-card self-service bot"
    )
    commands = parser.add_subparsers(dest="command", required=True)

    ask = commands.add_parser("ask", help="answer one question, or a batch of them")
    ask.add_argument("question", nargs="?")
    ask.add_argument("--card", choices=["zhangdian", "baiyun"])
    ask.add_argument("--json", action="store_true", help="print one JSON object")
    ask.add_argument("--batch", metavar="FILE.jsonl", help='lines like {"q": "...", "card": "baiyun"}')
    ask.set_defaults(handler=cmd_ask)

    kb = commands.add_parser("kb", help="knowledge files")
    kb_commands = kb.add_subparsers(dest="kb_command", required=True)
    check = kb_commands.add_parser("check", help="validate the knowledge files")
    check.add_argument("dir", nargs="?")
    check.add_argument(
        "--sources",
        nargs="?",
        const=DEFAULT_SEEDS,
        metavar="DIR",
        help=f"also report text printed in no named source (guides in DIR, default {DEFAULT_SEEDS})",
    )
    check.set_defaults(handler=cmd_kb_check)

    reload = kb_commands.add_parser(
        "reload", help="validate KNOWLEDGE_DIR and install it; running bots follow (or send SIGHUP)"
    )
    reload.add_argument("--yes", action="store_true", help="install even if regression questions move")
    reload.set_defaults(handler=cmd_kb_reload)
    diff = kb_commands.add_parser("diff", help="entries a folder adds, changes, removes vs. KNOWLEDGE_DIR")
    diff.add_argument("dir")
    diff.set_defaults(handler=cmd_kb_diff)

    chat = commands.add_parser("chat", help="talk to the bot in this terminal")
    chat.add_argument("--user", type=int, default=0, help="act as this user id (0: the console user)")
    chat.add_argument("--card", choices=["zhangdian", "baiyun"])
    chat.set_defaults(handler=cmd_chat)

    run = commands.add_parser("run", help="run the Telegram bot (polling, or --webhook)")
    run.add_argument("--webhook", action="store_true", help="take updates by webhook (WEBHOOK_* settings)")
    run.set_defaults(handler=cmd_run)

    database = commands.add_parser("db", help="database schema")
    db_commands = database.add_subparsers(dest="db_command", required=True)
    db_upgrade = db_commands.add_parser("upgrade", help="apply Alembic migrations")
    db_upgrade.add_argument("revision", nargs="?", default="head")
    db_upgrade.set_defaults(handler=cmd_db_upgrade)

    holders = commands.add_parser("cardholders", help="the card-holder registry")
    holder_commands = holders.add_subparsers(dest="cardholders_command", required=True)
    holders_import = holder_commands.add_parser("import", help="import a CSV (all rows or none)")
    holders_import.add_argument("file", metavar="FILE.csv")
    holders_import.set_defaults(handler=cmd_cardholders_import)
    holders_demo = holder_commands.add_parser("demo", help="import the demo card holders (default database)")
    holders_demo.add_argument("--demo", action="store_true", help="into DATABASE_URL even if not the default")
    holders_demo.set_defaults(handler=cmd_cardholders_demo)

    stats = commands.add_parser("stats", help="the numbers /stats shows: questions, hand-overs, bookings")
    stats.add_argument("--days", type=int, default=7, help="the last N days, today included (default 7)")
    stats.set_defaults(handler=cmd_stats)

    export = commands.add_parser("export", help="bookings as an XLSX file (every field)")
    export.add_argument("--from", dest="first", metavar="YYYY-MM-DD", help="first appointment day")
    export.add_argument("--to", dest="last", metavar="YYYY-MM-DD", help="last appointment day")
    export.add_argument("file", metavar="FILE.xlsx")
    export.set_defaults(handler=cmd_export)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Problems the operator must fix end in one line on stderr and exit code 2, never a traceback."""
    from sqlalchemy.exc import SQLAlchemyError

    from bot.runtime.checks import StartupError
    from db.session import first_line

    args = build_parser().parse_args(argv)
    try:
        return int(args.handler(args))
    except KnowledgeError as exc:
        print(f"the knowledge files have problems:\n{exc}", file=sys.stderr)
        return 1
    except (SettingsError, StartupError) as exc:
        print(f"cardbot: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # a ConnectionError too, but the reader's: ask --batch | head
        # Nothing more can be said; stdout goes nowhere, so that exiting does not flush into the pipe.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except (SQLAlchemyError, ConnectionError, socket.gaierror) as exc:
        print(f"cardbot: database error: {first_line(exc)}", file=sys.stderr)
        return 2
