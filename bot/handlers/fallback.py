"""/help, unknown commands and messages the bot cannot read."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ContextTypes

from bot.handlers.common import lang_of, services
from bot.texts import t


async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The commands of the one command table this user may use (so /help never misses one)."""
    from bot.commands import help_text  # the table names this handler: imported when called

    lang = lang_of(update, context)
    admin = (
        update.effective_user is not None and update.effective_user.id in services(context).settings.admin_ids
    )
    await update.effective_message.reply_text(help_text(lang, admin))


async def non_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await update.effective_message.reply_text(t("non_text", lang_of(update, context)))


async def expired_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Any button no other handler took: answered, so the client stops its spinner, and explained."""
    await update.callback_query.answer(t("button_stale", lang_of(update, context)))
