"""/privacy says what is stored and why; /forget deletes it after a confirmation."""

from __future__ import annotations

from datetime import timedelta

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import ContextTypes

from bot.booking import actions as booking_actions
from bot.booking import retention
from bot.handlers.common import edited, lang_of, services, who
from bot.handlers.outbox_sender import drain_outbox
from bot.handlers.reminders import unschedule_reminders
from bot.texts import t


async def privacy(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    days = services(context).settings.retention_days
    await update.effective_message.reply_text(t("privacy", lang_of(update, context), days=days))


async def enforce_retention(context: ContextTypes.DEFAULT_TYPE) -> None:
    """Daily: erase what is older than RETENTION_DAYS (see bot.booking.retention)."""
    svc = services(context)
    async with svc.db.session() as session:
        await retention.purge(session, svc.clock(), timedelta(days=svc.settings.retention_days))


async def ask_forget(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    lang = lang_of(update, context)
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(t("forget_yes", lang), callback_data="forget:yes"),
                InlineKeyboardButton(t("button_cancel", lang), callback_data="forget:no"),
            ]
        ]
    )
    await update.effective_message.reply_text(t("forget_confirm", lang), reply_markup=keyboard)


async def confirm_forget(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    svc, lang, query = services(context), lang_of(update, context), update.callback_query
    await query.answer()
    if query.data != "forget:yes":
        await edited(query.edit_message_text(t("forget_kept", lang)))
        return
    unschedule_reminders(context, await booking_actions.forget_holder(svc, who(update, context)))
    await edited(query.edit_message_text(t("forget_done", lang)))
    await drain_outbox(context)  # staff hear of the cancelled bookings
