"""The error handler: log the exception, tell the user politely."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import ContextTypes

from bot.handlers.common import lang_of
from bot.texts import t

log = logging.getLogger(__name__)


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    log.error("error while handling an update", exc_info=context.error)
    if isinstance(update, Update) and update.effective_chat is not None:
        try:
            await context.bot.send_message(update.effective_chat.id, t("error", lang_of(update, context)))
        except Exception:  # the network may be what failed: logged above, nothing more to do
            log.warning("could not tell the user about the error", exc_info=True)
