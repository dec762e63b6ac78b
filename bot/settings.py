"""Configuration from the environment or `.env` (names fixed by DESIGN.md)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///data/cardbot.db"
# The async drivers installed with the app; `postgresql://` alone would pick psycopg2, which is not.
DATABASE_DRIVERS = ("sqlite+aiosqlite", "postgresql+asyncpg")


def _split_ids(value: object) -> object:
    if isinstance(value, str):
        parts = [part for part in value.replace(" ", "").split(",") if part]
        if not all(part.lstrip("-").isdigit() for part in parts):
            raise ValueError(f"comma-separated Telegram user ids expected, got {value!r}")
        return [int(part) for part in parts]
    if isinstance(value, int):
        return [value]
    return value


class Settings(BaseSettings):
    # Empty values (as in .env.example) mean "not set", not "an empty string that fails to parse".
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", env_ignore_empty=True
    )

    telegram_bot_token: str | None = None
    telegram_base_url: str = "https://api.telegram.org/bot"
    telegram_base_file_url: str = "https://api.telegram.org/file/bot"
    database_url: str = DEFAULT_DATABASE_URL
    knowledge_dir: Path = Path("knowledge")
    admin_ids: Annotated[list[int], NoDecode] = Field(default_factory=list)
    staff_chat_id: int | None = None
    staff_ids: Annotated[list[int], NoDecode] = Field(default_factory=list)
    timezone: str = "Asia/Shanghai"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_format: Literal["text", "json"] = "text"
    # Webhook mode (`run --webhook`): the server listens here; Telegram posts to WEBHOOK_URL (the public
    # address the reverse proxy forwards), with WEBHOOK_SECRET in X-Telegram-Bot-Api-Secret-Token.
    webhook_listen: str = "0.0.0.0"
    webhook_port: int = Field(default=8080, ge=1, le=65535)
    webhook_path: str = "telegram"
    webhook_url: str | None = None
    webhook_secret: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_\-]{1,256}$")
    health_port: int = Field(default=8081, ge=1, le=65535)
    # Closed bookings keep their personal details, and questions and hand-overs are kept, this long.
    retention_days: int = Field(default=365, ge=1, le=3650)

    _split = field_validator("admin_ids", "staff_ids", mode="before")(_split_ids)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)  # a typo fails at start-up, not at the first booking
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r} (e.g. Asia/Shanghai)") from exc
        return value

    @field_validator("database_url")
    @classmethod
    def _async_driver(cls, value: str) -> str:
        try:
            driver = make_url(value).drivername
        except ArgumentError as exc:
            raise ValueError(f"not a database URL: {value!r}") from exc
        if driver not in DATABASE_DRIVERS:
            raise ValueError(
                f"driver {driver!r} is not supported: use {' or '.join(d + '://' for d in DATABASE_DRIVERS)}"
            )
        return value

    @property
    def uses_default_database(self) -> bool:
        return self.database_url == DEFAULT_DATABASE_URL

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


class SettingsError(Exception):
    """Settings that cannot work; the message is one line per problem, naming the variable."""


def settings_problems(error: ValidationError) -> str:
    return "; ".join(
        f"{'.'.join(str(part) for part in problem['loc']).upper() or 'settings'}: "
        f"{problem['msg'].removeprefix('Value error, ')}"
        for problem in error.errors()
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        raise SettingsError(settings_problems(exc)) from None
