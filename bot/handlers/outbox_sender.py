"""Sends what the outbox holds (the handlers after a change, and JobQueue every few seconds), and turns
Telegram's errors into the outbox's terms: permanent, wait-as-told, or try again later."""

from __future__ import annotations

import logging
from datetime import timedelta

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile
from telegram.error import BadRequest, ChatMigrated, Forbidden, RetryAfter
from telegram.ext import ContextTypes

from bot.booking import outbox
from bot.booking.outbox import SendFailure
from bot.handlers.common import services
from db.models import OutboxMessage

log = logging.getLogger(__name__)


def failure_of(error: BaseException) -> SendFailure:
    """Forbidden (blocked, kicked), BadRequest (chat not found, too long, bad HTML) and a migrated chat
    will fail the same way every time; 429 says how long to wait; anything else (timeouts, 5xx, a
    database hiccup, a bug) may pass on a later try."""
    name, text = type(error).__name__, str(error)
    reason = text if text.startswith(name) else f"{name}: {text}"
    if isinstance(error, RetryAfter):
        wait = error.retry_after  # a timedelta: bot/__init__.py opts in to PTB_TIMEDELTA
        return SendFailure(reason, retry_after=max(wait.total_seconds(), 1.0))
    if isinstance(error, Forbidden | BadRequest | ChatMigrated):
        return SendFailure(reason, permanent=True)
    return SendFailure(reason)


def _markup(message: OutboxMessage) -> InlineKeyboardMarkup | None:
    if not message.buttons:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(text, callback_data=data) for text, data in row] for row in message.buttons]
    )


async def _deliver(context: ContextTypes.DEFAULT_TYPE, message: OutboxMessage) -> None:
    """The text, then the .ics: each step recorded when done, so a retry sends only what is missing."""
    svc = services(context)
    if message.text_sent_at is None:
        await context.bot.send_message(message.chat_id, message.text, reply_markup=_markup(message))
        if message.document:
            await outbox.text_sent(svc.db, message.id, svc.clock())
    if message.document:
        await context.bot.send_document(
            message.chat_id,
            InputFile(message.document.encode("utf-8"), filename=message.document_name or "booking.ics"),
        )
    await outbox.sent(svc.db, message.id, svc.clock())


async def drain_outbox(context: ContextTypes.DEFAULT_TYPE) -> list[int]:
    """Send every due row this sender can claim; returns the ids it sent. Never raises: a row that fails
    is recorded and the next one goes on; if even that fails, its claim lapses and it is tried again."""
    svc = services(context)
    try:
        claimed = await outbox.claim_due(svc.db, svc.clock())
    except Exception:
        log.warning("outbox: could not claim messages; the next run tries again", exc_info=True)
        return []
    delivered: list[int] = []
    for index, message in enumerate(claimed):
        try:
            await _deliver(context, message)
            delivered.append(message.id)
            continue
        except Exception as error:  # noqa: BLE001  (every failure is classified and recorded below)
            failure = failure_of(error)
        try:
            await outbox.failed(svc.db, message.id, failure, svc.clock())
            if failure.retry_after is not None:  # Telegram's limit is per bot: the rest wait as well
                rest = [m.id for m in claimed[index + 1 :]]
                await outbox.release(svc.db, rest, svc.clock() + timedelta(seconds=failure.retry_after))
                break
        except Exception:
            log.warning("outbox message %s: could not record the failure", message.id, exc_info=True)
    return delivered
