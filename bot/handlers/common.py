"""Small helpers every handler uses: the shared services, who is talking, buttons."""

from __future__ import annotations

from collections.abc import Awaitable

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest
from telegram.ext import ContextTypes

from bot.holders.actions import Who
from bot.holders.user_text import clean_name, clean_text
from bot.services import Services
from bot.texts import Lang, t

SERVICES_KEY = "services"


def services(context: ContextTypes.DEFAULT_TYPE) -> Services:
    return context.bot_data[SERVICES_KEY]


def lang_of(update: Update) -> Lang:
    """English for users whose Telegram is in English; Simplified Chinese for everyone else."""
    user = update.effective_user
    code = (user.language_code or "") if user else ""
    return "en" if code.startswith("en") else "zh"


def who(update: Update) -> Who:
    user = update.effective_user
    return Who(user.id, clean_name(user.first_name), lang_of(update))


def text_of(update: Update) -> str:
    """The message's text, cleaned once here where it enters (see bot.holders.user_text)."""
    return clean_text(update.effective_message.text or "")


def args_of(context: ContextTypes.DEFAULT_TYPE) -> list[str]:
    """A command's arguments, cleaned the same way; one of only invisible characters is no argument."""
    return [arg for arg in map(clean_text, context.args or []) if arg]


async def edited(edit: Awaitable[object]) -> None:
    """Run an edit of a bot message; an edit to what the message already shows (a double tap, ⬅️ on the
    first step, a colleague's identical decision) is no error: Telegram refuses it as "not modified"."""
    try:
        await edit
    except BadRequest as exc:
        if "not modified" not in exc.message.lower():
            raise


def card_keyboard(svc: Services, lang: Lang) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    card.name if lang == "zh" else card.name_en, callback_data=f"card:{card.id}"
                )
            ]
            for card in svc.knowledge.cards.values()
        ]
    )


def cancel_button(data: str, lang: Lang) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(t("button_cancel", lang), callback_data=data)]])
