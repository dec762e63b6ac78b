"""A real cardbot Application on the fake Bot API, with a clock the test moves."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from telegram import Update
from telegram.ext import Application, CallbackContext

from bot.app import build_application
from bot.services import Services
from tests.fake_telegram import FakeBotApi, fake_request

STAFF_CHAT = -1001
ADMIN = 7


@dataclass
class FakeClock:
    now: datetime = field(default_factory=lambda: datetime(2026, 11, 23, 2, 0, tzinfo=UTC))

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta


@dataclass
class Harness:
    app: Application
    fake: FakeBotApi
    svc: Services
    clock: FakeClock
    errors: list[BaseException] = field(default_factory=list)  # what reached the error handler
    interactions: int = 0  # messages and button presses a user made (say + press), for the targets

    async def feed(self, update: dict[str, Any]) -> None:
        await self.app.process_update(Update.de_json(update, self.app.bot))

    async def say(self, user_id: int, text: str, **kwargs: Any) -> None:
        self.interactions += 1
        await self.feed(self.fake.make_text_update(user_id, text, **kwargs))

    async def press(self, user_id: int, data: str, message: dict[str, Any], **kwargs: Any) -> None:
        self.interactions += 1
        await self.feed(self.fake.make_callback_update(user_id, data, message, **kwargs))

    def last_message(self, chat_id: int) -> dict[str, Any]:
        return self.fake.messages_to(chat_id)[-1]

    def button(self, message: dict[str, Any], starts_with: str) -> str:
        return next(data for _, data in self.fake.buttons(message) if data.startswith(starts_with))

    def job_context(self) -> CallbackContext:
        return CallbackContext(self.app)


def make_harness(svc: Services, clock: FakeClock, rate_limit: bool = True) -> Harness:
    fake = FakeBotApi()
    app = build_application(svc, request=lambda: fake_request(fake), rate_limit=rate_limit)
    harness = Harness(app, fake, svc, clock)

    async def record_error(update: object, context: CallbackContext) -> None:
        harness.errors.append(context.error)  # type: ignore[arg-type]

    app.add_error_handler(record_error)
    return harness
