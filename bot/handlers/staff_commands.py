"""Staff on demand: /agenda [date] and /pending in the staff chat; /export and /unbind for staff and admins."""

from __future__ import annotations

import asyncio
import html
from datetime import date

from telegram import Update
from telegram.ext import ContextTypes

from bot.admin import export, unbind
from bot.booking import actions as booking_actions
from bot.clock import parse_day
from bot.handlers.access import staff_or_admin
from bot.handlers.common import args_of, lang_of, services
from bot.handlers.outbox_sender import drain_outbox
from bot.holders.registry import normalize_card_number
from bot.texts import t


def _today(context: ContextTypes.DEFAULT_TYPE) -> date:
    svc = services(context)
    return svc.clock().astimezone(svc.settings.tz).date()


async def agenda(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if not await staff_or_admin(update, context):
        return
    args = args_of(context)
    try:
        day = parse_day(" ".join(args), _today(context)) if args else _today(context)
    except ValueError:
        await update.effective_message.reply_text(t("agenda_usage", lang_of(update, context)))
        return
    text = await booking_actions.agenda_text(services(context), day)
    await update.effective_message.reply_text(text)


async def pending(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if not await staff_or_admin(update, context):
        return
    text = await booking_actions.pending_text(services(context))
    await update.effective_message.reply_text(text)


async def export_bookings(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """`/export [from] [to]`: an XLSX of the bookings whose appointment falls in the range (all without)."""
    if not await staff_or_admin(update, context):
        return
    svc, lang, message = services(context), lang_of(update, context), update.effective_message
    today, args = _today(context), args_of(context)
    try:
        if len(args) > 2:
            raise ValueError("too many arguments")
        days = [parse_day(arg, today) for arg in args]
        span = export.ExportRange(*days)
    except ValueError:
        await message.reply_text(t("export_usage", lang))
        return
    async with svc.db.session() as session:
        rows = await export.bookings_in(session, span, svc.settings.tz)
    data = await asyncio.to_thread(export.workbook, rows, svc.knowledge, svc.settings.tz, lang)
    label = f"{span.first or '…'} – {span.last or '…'}" if args else t("export_all", lang)
    await message.reply_document(
        data,
        filename=f"bookings-{span.first or 'all'}-{span.last or 'all'}.xlsx",
        caption=t("export_caption", lang, count=len(rows), span=label),
    )


async def unbind_card(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """`/unbind NUMBER`: the card can be bound again (by its real holder); the account that had it is told."""
    if not await staff_or_admin(update, context):
        return
    lang, message, args = lang_of(update, context), update.effective_message, args_of(context)
    if len(args) != 1:
        await message.reply_text(t("unbind_usage", lang))
        return
    number = normalize_card_number(args[0])
    user_id = await unbind.unbind(services(context), number, update.effective_user.id)
    if user_id is None:
        await message.reply_text(t("unbind_none", lang, number=html.escape(number)))
        return
    await drain_outbox(context)
    await message.reply_text(t("unbind_done", lang, number=html.escape(number), user=user_id))
