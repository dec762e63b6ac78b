"""The error handler: log the exception, keep what Telegram refused as a dead letter, tell the user."""

from __future__ import annotations

import html
import logging

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot.booking import outbox
from bot.handlers.common import lang_of, services
from bot.handlers.outbox_sender import failure_of
from bot.texts import t

log = logging.getLogger(__name__)


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    log.error("error while handling an update", exc_info=context.error)
    if isinstance(update, Update) and update.callback_query is not None:
        try:  # else the client spins; it may have been answered before the failure
            await update.callback_query.answer(t("error", lang_of(update, context)))
        except Exception:
            log.info("the failed button press could not be answered", exc_info=True)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    if isinstance(context.error, TelegramError):
        await _record_undelivered(update, context)
    try:
        await context.bot.send_message(update.effective_chat.id, t("error", lang_of(update, context)))
    except Exception:  # the network may be what failed: logged above, nothing more to do
        log.warning("could not tell the user about the error", exc_info=True)


async def _record_undelivered(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A reply Telegram did not take (an answer, a hand-over post): listed by /outbox with what it
    answered, so an admin can follow up."""
    svc, message = services(context), update.effective_message
    asked = (message.text or "")[:200] if message else ""
    user = update.effective_user
    try:
        async with svc.db.session() as session:
            await outbox.record_dead(
                session,
                update.effective_chat.id,
                t("undelivered_reply", "zh", text=html.escape(asked)),
                failure_of(context.error).reason,
                svc.clock(),
                user_id=user.id if user else None,
            )
    except Exception:
        log.warning("could not record the undelivered reply", exc_info=True)
