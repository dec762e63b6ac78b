"""/start, choosing a card, and binding a card number."""

from __future__ import annotations

import html

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import ContextTypes

from bot.handlers.booking import start_form
from bot.handlers.common import (
    args_of,
    cancel_button,
    card_keyboard,
    edited,
    remember_language,
    services,
    who,
)
from bot.holders import actions as holder_actions
from bot.holders.registry import BindResult
from bot.texts import LANGUAGE_NAMES, Lang, t


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """`/start`, or `/start <payload>` from a deep link: `baiyun` picks the card, `book-airport` also opens
    the booking form (for QR codes on cards and posters)."""
    svc, me, message = services(context), who(update, context), update.effective_message
    await holder_actions.profile(svc, me)  # registers the user
    payload = next(iter(args_of(context)), "")
    link = holder_actions.deep_link(svc, payload) if payload else None
    if link is None:
        text = t("deep_link_unknown" if payload else "start", me.lang, name=html.escape(me.first_name))
        await message.reply_text(text, reply_markup=card_keyboard(svc, me.lang))
        return
    if link.card is not None and (await holder_actions.profile(svc, me)).card != link.card:
        await holder_actions.choose_card(svc, me, link.card)
        await message.reply_text(
            t("card_chosen", me.lang, card=html.escape(svc.card_name(link.card, me.lang)))
        )
    if link.booking_type is not None:
        await start_form(message, svc, me, link.booking_type)


async def language(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    me = who(update, context)
    keyboard = InlineKeyboardMarkup(
        [[InlineKeyboardButton(name, callback_data=f"lang:{code}") for code, name in LANGUAGE_NAMES.items()]]
    )
    await update.effective_message.reply_text(t("language_choose", me.lang), reply_markup=keyboard)


async def choose_language(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    svc, query = services(context), update.callback_query
    lang: Lang = "en" if query.data == "lang:en" else "zh"
    await holder_actions.choose_language(svc, who(update, context), lang)
    remember_language(context, query.from_user.id, lang)
    await query.answer()
    await edited(query.edit_message_text(t("language_set", lang)))


async def choose_card(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    svc, me, query = services(context), who(update, context), update.callback_query
    card = query.data.removeprefix("card:")
    if not await holder_actions.choose_card(svc, me, card):
        await query.answer(t("gone", me.lang))
        return
    await query.answer()
    await edited(
        query.edit_message_text(t("card_chosen", me.lang, card=html.escape(svc.card_name(card, me.lang))))
    )


async def bind(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """`/bind` asks for the number; `/bind 123456` tries it at once."""
    svc, me = services(context), who(update, context)
    number = " ".join(args_of(context))
    if number:
        await reply_bind(update, context, await holder_actions.bind(svc, me, number))
        return
    await holder_actions.expect_card_number(svc, me, True)
    await update.effective_message.reply_text(
        t("bind_prompt", me.lang), reply_markup=cancel_button("bind:cancel", me.lang)
    )


async def cancel_bind(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    svc, me, query = services(context), who(update, context), update.callback_query
    await holder_actions.expect_card_number(svc, me, False)
    await query.answer()
    await edited(query.edit_message_text(t("bind_cancelled", me.lang)))


async def reply_bind(
    update: Update, context: ContextTypes.DEFAULT_TYPE, outcome: tuple[BindResult, str]
) -> None:
    result, text = outcome
    asks_again = result.status in ("wrong", "need_mobile", "wrong_mobile")
    keyboard = cancel_button("bind:cancel", who(update, context).lang) if asks_again else None
    await update.effective_message.reply_text(html.escape(text), reply_markup=keyboard)
