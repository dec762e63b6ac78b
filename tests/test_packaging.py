"""The deployment files, checked without Docker (no daemon on CI): compose.yaml parsed, the Dockerfile's
essentials, and every setting documented in .env.example."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from bot.settings import Settings

ROOT = Path(__file__).resolve().parent.parent


def test_every_setting_is_listed_in_env_example() -> None:
    listed = set(re.findall(r"^([A-Z_]+)=", (ROOT / ".env.example").read_text(encoding="utf-8"), re.M))
    assert {name.upper() for name in Settings.model_fields} <= listed


def test_compose_runs_migrations_before_the_bot_on_postgres() -> None:
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))
    services = compose["services"]
    assert services["migrate"]["command"] == ["db", "upgrade"]
    assert services["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    bot = services["bot"]
    assert bot["command"] == ["run", "--webhook"]
    assert bot["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    for name in ("migrate", "bot"):
        assert services[name]["environment"]["DATABASE_URL"].startswith("postgresql+asyncpg://")
    assert "pgdata" in compose["volumes"]


def test_dockerfile_is_slim_non_root_and_installs_from_pyproject() -> None:
    lines = [
        line.strip()
        for line in (ROOT / "Dockerfile").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    assert all(line.endswith("-slim") or " AS " in line for line in lines if line.startswith("FROM"))
    assert "COPY pyproject.toml ./" in lines and any(
        line.startswith("RUN pip install --no-cache-dir") and line.endswith(" .") for line in lines
    )
    users = [line for line in lines if line.startswith("USER ")]
    assert users and users[-1] != "USER root"
    assert any(line.startswith("HEALTHCHECK") for line in lines)
