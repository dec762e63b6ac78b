"""Settings that cannot work: `python -m bot` ends with one clear line on stderr and exit code 2."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.runtime.leader import InstanceLock
from db.migrate import upgrade
from tests.conftest import _in_thread

ROOT = Path(__file__).resolve().parent.parent
RUNNABLE = {  # everything `run` needs, each case then breaks one thing
    "TELEGRAM_BOT_TOKEN": "123:TEST",
    "STAFF_CHAT_ID": "-1001",
    "KNOWLEDGE_DIR": str(ROOT / "knowledge"),
    "TELEGRAM_BASE_URL": "http://127.0.0.1:1/bot",  # never reached: every case stops before
}
UNREACHABLE = "postgresql+asyncpg://cardbot@127.0.0.1:1/cardbot"


def cardbot(cwd: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "DATABASE_", "STAFF_"))}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=cwd,  # no .env there
        env={**clean, "PYTHONPATH": str(ROOT), **env},
        stdin=subprocess.DEVNULL,  # no terminal
        capture_output=True,
        text=True,
        timeout=120,
    )


def migrated(template: Path, tmp_path: Path) -> str:
    path = tmp_path / "cardbot.db"
    shutil.copy(template, path)
    return f"sqlite+aiosqlite:///{path}"


CASES = [
    ({"TIMEZONE": "Mars/Olympus"}, ["run"], "TIMEZONE: unknown time zone 'Mars/Olympus'"),
    (
        {"DATABASE_URL": "postgresql://cardbot@127.0.0.1/cardbot"},
        ["run"],
        "driver 'postgresql' is not supported",
    ),
    ({"DATABASE_URL": "not a url"}, ["db", "upgrade"], "DATABASE_URL: not a database URL"),
    ({"ADMIN_IDS": "7,eight"}, ["run"], "ADMIN_IDS: comma-separated Telegram user ids expected"),
    ({"LOG_FORMAT": "xml"}, ["run"], "LOG_FORMAT: Input should be 'text' or 'json'"),
    ({"WEBHOOK_PORT": "99999"}, ["run"], "WEBHOOK_PORT: Input should be less than or equal to 65535"),
    ({"DATABASE_URL": UNREACHABLE}, ["run"], "database unreachable at 127.0.0.1:1/cardbot"),
    ({"DATABASE_URL": UNREACHABLE}, ["db", "upgrade"], "database error: "),
    ({"TELEGRAM_BOT_TOKEN": ""}, ["run"], "TELEGRAM_BOT_TOKEN is not set: get a token from @BotFather"),
    (
        {"STAFF_CHAT_ID": ""},
        ["run"],
        "STAFF_CHAT_ID is not set, and bookings of airport, hospital go to staff",
    ),
    ({}, ["run", "--webhook"], "WEBHOOK_URL is not set"),
]


@pytest.mark.parametrize(("env", "args", "message"), CASES, ids=[c[2][:30] for c in CASES])
def test_bad_settings_end_in_one_line(
    tmp_path: Path, sqlite_template: Path, env: dict[str, str], args: list[str], message: str
) -> None:
    settings = {**RUNNABLE, "DATABASE_URL": migrated(sqlite_template, tmp_path), **env}
    done = cardbot(tmp_path, settings, *args)
    assert done.returncode == 2, done.stderr
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert done.stderr.startswith("cardbot: ") and message in done.stderr


def test_a_database_never_migrated_says_how_to_fix_it(tmp_path: Path) -> None:
    done = cardbot(tmp_path, {**RUNNABLE, "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/new.db"}, "run")
    assert done.returncode == 2 and done.stderr.count("\n") == 1
    assert "has no tables yet: run `python -m bot db upgrade`" in done.stderr


def test_an_old_schema_says_how_to_fix_it(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/old.db"
    _in_thread(upgrade, url, "0002")
    done = cardbot(tmp_path, {**RUNNABLE, "DATABASE_URL": url}, "run")
    assert done.returncode == 2 and done.stderr.count("\n") == 1
    assert "is at schema 0002" in done.stderr and "run `python -m bot db upgrade`" in done.stderr


def test_a_second_instance_on_sqlite_is_refused(tmp_path: Path, sqlite_template: Path) -> None:
    url = migrated(sqlite_template, tmp_path)
    first = InstanceLock(url)
    first.acquire()  # this test process plays the instance already running
    try:
        done = cardbot(tmp_path, {**RUNNABLE, "DATABASE_URL": url}, "run")
    finally:
        first.release()
    assert done.returncode == 2 and done.stderr.count("\n") == 1
    assert f"another instance (pid {os.getpid()}) already runs on this SQLite database" in done.stderr


def test_demo_card_holders_go_only_into_the_default_database(tmp_path: Path, sqlite_template: Path) -> None:
    url = migrated(sqlite_template, tmp_path)
    skipped = cardbot(
        tmp_path, {"DATABASE_URL": url, "KNOWLEDGE_DIR": RUNNABLE["KNOWLEDGE_DIR"]}, "cardholders", "demo"
    )
    assert skipped.returncode == 0 and "demo card holders not imported" in skipped.stdout
    forced = cardbot(
        tmp_path,
        {"DATABASE_URL": url, "KNOWLEDGE_DIR": RUNNABLE["KNOWLEDGE_DIR"]},
        "cardholders",
        "demo",
        "--demo",
    )
    assert forced.returncode == 0 and "imported" in forced.stdout and "not imported" not in forced.stdout
    default = cardbot(tmp_path, {"KNOWLEDGE_DIR": RUNNABLE["KNOWLEDGE_DIR"]}, "cardholders", "demo")
    assert default.returncode == 1 and "no such table" in default.stderr  # it tried the default file
