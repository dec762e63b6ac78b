"""/start, choosing a card, and binding a card number."""

from __future__ import annotations

import html

from telegram import Update
from telegram.constants import ParseMode
from telegram.ext import ContextTypes

from bot.handlers.common import args_of, cancel_button, card_keyboard, edited, services, who
from bot.holders import actions as holder_actions
from bot.holders.registry import BindResult
from bot.texts import t


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    svc, me = services(context), who(update)
    await holder_actions.profile(svc, me)  # registers the user
    await update.effective_message.reply_text(
        t("start", me.lang, name=me.first_name), reply_markup=card_keyboard(svc, me.lang)
    )


async def choose_card(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    svc, me, query = services(context), who(update), update.callback_query
    card = query.data.removeprefix("card:")
    if not await holder_actions.choose_card(svc, me, card):
        await query.answer(t("gone", me.lang))
        return
    await query.answer()
    await edited(
        query.edit_message_text(
            t("card_chosen", me.lang, card=html.escape(svc.card_name(card, me.lang))),
            parse_mode=ParseMode.HTML,
        )
    )


async def bind(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """`/bind` asks for the number; `/bind 123456` tries it at once."""
    svc, me = services(context), who(update)
    number = " ".join(args_of(context))
    if number:
        await reply_bind(update, await holder_actions.bind(svc, me, number))
        return
    await holder_actions.expect_card_number(svc, me, True)
    await update.effective_message.reply_text(
        t("bind_prompt", me.lang), reply_markup=cancel_button("bind:cancel", me.lang)
    )


async def cancel_bind(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    svc, me, query = services(context), who(update), update.callback_query
    await holder_actions.expect_card_number(svc, me, False)
    await query.answer()
    await edited(query.edit_message_text(t("bind_cancelled", me.lang)))


async def reply_bind(update: Update, outcome: tuple[BindResult, str]) -> None:
    result, text = outcome
    asks_again = result.status in ("wrong", "need_mobile", "wrong_mobile")
    keyboard = cancel_button("bind:cancel", who(update).lang) if asks_again else None
    await update.effective_message.reply_text(text, reply_markup=keyboard)
