"""/start, choosing a card, and binding a card number."""

from __future__ import annotations

import html

from telegram import Update
from telegram.constants import ParseMode
from telegram.ext import ContextTypes

from bot.cardholders import BindResult, bind_card
from bot.handlers.common import cancel_button, card_keyboard, lang_of, services
from bot.texts import Lang, t
from bot.users import ensure_user, set_card

AWAITING_CARD_NUMBER = "card_number"


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    svc, lang, tg_user = services(context), lang_of(update), update.effective_user
    async with svc.db.session() as session:
        await ensure_user(session, tg_user.id, tg_user.first_name, lang, svc.clock())
    await update.effective_message.reply_text(
        t("start", lang, name=tg_user.first_name), reply_markup=card_keyboard(svc, lang)
    )


async def choose_card(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    svc, lang, query = services(context), lang_of(update), update.callback_query
    card = query.data.removeprefix("card:")
    if card not in svc.knowledge.cards:
        await query.answer(t("gone", lang))
        return
    async with svc.db.session() as session:
        user = await ensure_user(session, query.from_user.id, query.from_user.first_name, lang, svc.clock())
        await set_card(session, user, card)
    await query.answer()
    await query.edit_message_text(
        t("card_chosen", lang, card=html.escape(svc.card_name(card, lang))), parse_mode=ParseMode.HTML
    )


async def bind(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """`/bind` asks for the number; `/bind 123456` tries it at once."""
    svc, lang, tg_user = services(context), lang_of(update), update.effective_user
    if context.args:
        await try_card_number(update, context, " ".join(context.args))
        return
    async with svc.db.session() as session:
        user = await ensure_user(session, tg_user.id, tg_user.first_name, lang, svc.clock())
        user.awaiting = AWAITING_CARD_NUMBER
    await update.effective_message.reply_text(t("bind_prompt", lang), reply_markup=cancel_button("bind:cancel", lang))


async def cancel_bind(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    svc, lang, query = services(context), lang_of(update), update.callback_query
    async with svc.db.session() as session:
        user = await ensure_user(session, query.from_user.id, query.from_user.first_name, lang, svc.clock())
        user.awaiting = None
    await query.answer()
    await query.edit_message_text(t("bind_cancelled", lang))


def bind_reply(result: BindResult, svc_card_name: str, tier_name: str, lang: Lang) -> str:
    if result.status == "bound" and result.holder is not None:
        return t("bind_ok", lang, holder=result.holder.holder_name, card=svc_card_name, tier=tier_name)
    if result.status == "wrong":
        return t("bind_wrong", lang, left=result.tries_left)
    if result.status == "locked" and result.retry_after is not None:
        return t("bind_locked", lang, minutes=max(1, -(-int(result.retry_after.total_seconds()) // 60)))
    if result.status == "expired" and result.holder is not None:
        return t("bind_expired", lang, date=result.holder.valid_until.isoformat())
    return t("bind_taken", lang)


async def try_card_number(update: Update, context: ContextTypes.DEFAULT_TYPE, number: str) -> None:
    svc, lang, tg_user = services(context), lang_of(update), update.effective_user
    now = svc.clock()
    async with svc.db.session() as session:
        user = await ensure_user(session, tg_user.id, tg_user.first_name, lang, now)
        result = await bind_card(session, user, number, now, now.astimezone(svc.settings.tz).date())
        if result.status in ("locked", "expired", "taken"):
            user.awaiting = None  # stop reading every message as a card number
        elif result.status == "wrong":
            user.awaiting = AWAITING_CARD_NUMBER
    holder = result.holder
    card = svc.knowledge.cards.get(holder.card) if holder else None
    tier_name = card.tiers.get(holder.tier, holder.tier) if card and holder else ""
    await update.effective_message.reply_text(
        bind_reply(result, svc.card_name(holder.card if holder else None, lang), tier_name, lang),
        reply_markup=cancel_button("bind:cancel", lang) if result.status == "wrong" else None,
    )
