"""/help, unknown commands and messages the bot cannot read."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ContextTypes

from bot.handlers.common import lang_of
from bot.texts import t


async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await update.effective_message.reply_text(t("help", lang_of(update)))


async def non_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await update.effective_message.reply_text(t("non_text", lang_of(update)))


async def expired_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Any button no other handler took: answered, so the client stops its spinner, and explained."""
    await update.callback_query.answer(t("button_expired", lang_of(update)))
