"""/menu: the card's services as buttons, browsable without typing."""

from __future__ import annotations

import html

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.ext import ContextTypes

from bot.handlers.common import card_keyboard, lang_of, services
from bot.handlers.questions import send_entry
from bot.kb.schema import GENERAL_CARD
from bot.texts import t
from bot.users import ensure_user, holder_of


async def menu(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    svc, lang, tg_user, message = services(context), lang_of(update), update.effective_user, update.effective_message
    async with svc.db.session() as session:
        user = await ensure_user(session, tg_user.id, tg_user.first_name, lang, svc.clock())
        card = user.card
    if card is None:
        await message.reply_text(t("choose_card_first", lang), reply_markup=card_keyboard(svc, lang))
        return
    sections = [e for e in svc.knowledge.entries if e.parent is None and e.card in (card, GENERAL_CARD)]
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton(e.title, callback_data=f"entry:{e.id}")]
                                     for e in sections])
    await message.reply_text(t("menu", lang, card=html.escape(svc.card_name(card, lang))),
                             parse_mode=ParseMode.HTML, reply_markup=keyboard)


async def open_entry(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    svc, lang, query = services(context), lang_of(update), update.callback_query
    entry = svc.knowledge.by_id.get(query.data.removeprefix("entry:"))
    if entry is None:
        await query.answer(t("gone", lang), show_alert=True)
        return
    async with svc.db.session() as session:
        user = await ensure_user(session, query.from_user.id, query.from_user.first_name, lang, svc.clock())
        holder = await holder_of(session, user)
    await query.answer()
    children = [e for e in svc.knowledge.entries if e.parent == entry.id]
    rows = [[InlineKeyboardButton(f"▫️ {c.title}", callback_data=f"entry:{c.id}")] for c in children]
    rows.append([InlineKeyboardButton(t("button_back", lang), callback_data="menu")])
    await send_entry(query.message, svc, entry, lang, holder.tier if holder else None, InlineKeyboardMarkup(rows))


async def back_to_menu(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await update.callback_query.answer()
    await menu(update, context)
