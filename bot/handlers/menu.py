"""/menu: the card's services as buttons, browsable without typing."""

from __future__ import annotations

import html

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import ContextTypes

from bot.handlers.common import card_keyboard, services, who
from bot.handlers.questions import book_row, send_entry
from bot.holders import actions as holder_actions
from bot.texts import t


async def menu(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    svc, me, message = services(context), who(update, context), update.effective_message
    card = (await holder_actions.profile(svc, me)).card
    if card is None:
        await message.reply_text(t("choose_card_first", me.lang), reply_markup=card_keyboard(svc, me.lang))
        return
    sections = svc.knowledge.sections(card)
    rows = [[InlineKeyboardButton(e.title, callback_data=f"entry:{e.id}")] for e in sections]
    if any(b.card == card for b in svc.knowledge.booking_types.values()):
        rows.append([InlineKeyboardButton(t("button_book", me.lang), callback_data="bk:start")])
    keyboard = InlineKeyboardMarkup(rows)
    await message.reply_text(
        t("menu", me.lang, card=html.escape(svc.card_name(card, me.lang))),
        reply_markup=keyboard,
    )


async def open_entry(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    svc, me, query = services(context), who(update, context), update.callback_query
    entry = svc.knowledge.by_id.get(query.data.removeprefix("entry:"))
    if entry is None:
        await query.answer(t("gone", me.lang), show_alert=True)
        return
    await query.answer()
    tier = (await holder_actions.profile(svc, me)).tier
    children = [e for e in svc.knowledge.entries if e.parent == entry.id]
    rows = [
        *book_row(svc, entry, me.lang),
        *[[InlineKeyboardButton(f"▫️ {c.title}", callback_data=f"entry:{c.id}")] for c in children],
    ]
    rows.append([InlineKeyboardButton(t("button_back", me.lang), callback_data="menu")])
    await send_entry(query.message, svc, entry, me.lang, tier, InlineKeyboardMarkup(rows))


async def back_to_menu(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await update.callback_query.answer()
    await menu(update, context)
