"""Small helpers every handler uses: the shared services, who is talking, buttons."""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import timedelta

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest
from telegram.ext import ContextTypes

from bot.holders.actions import Who, language_choices
from bot.holders.user_text import clean_name, clean_text
from bot.services import Services
from bot.texts import Lang, t

SERVICES_KEY = "services"


def services(context: ContextTypes.DEFAULT_TYPE) -> Services:
    return context.bot_data[SERVICES_KEY]


LANGUAGES_KEY = "languages"  # bot_data: {user id: language} of those who chose one with /language
LANGUAGES_READ_KEY = "languages_read_at"
LANGUAGES_FRESH = timedelta(minutes=1)  # how soon a choice made through another instance shows here


def lang_of(update: Update, context: ContextTypes.DEFAULT_TYPE) -> Lang:
    """The language chosen with /language; else English for users whose Telegram is in English, and
    Simplified Chinese for everyone else."""
    user = update.effective_user
    chosen = context.bot_data.get(LANGUAGES_KEY, {}).get(user.id) if user else None
    if chosen is not None:
        return chosen
    code = (user.language_code or "") if user else ""
    return "en" if code.startswith("en") else "zh"


def who(update: Update, context: ContextTypes.DEFAULT_TYPE) -> Who:
    user = update.effective_user
    return Who(user.id, clean_name(user.first_name), lang_of(update, context))


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


async def load_languages(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Before every handler: the /language choices, read from the database at most once a minute (few
    users make one, so they are held in memory; no query per message)."""
    svc, now = services(context), services(context).clock()
    read_at = context.bot_data.get(LANGUAGES_READ_KEY)
    if read_at is None or now - read_at >= LANGUAGES_FRESH:
        context.bot_data[LANGUAGES_KEY] = await language_choices(svc)
        context.bot_data[LANGUAGES_READ_KEY] = now


def remember_language(context: ContextTypes.DEFAULT_TYPE, user_id: int, lang: Lang) -> None:
    context.bot_data.setdefault(LANGUAGES_KEY, {})[user_id] = lang


def card_keyboard(svc: Services, lang: Lang) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(card.name_in(lang), callback_data=f"card:{card.id}")]
            for card in svc.knowledge.cards.values()
        ]
    )


def cancel_button(data: str, lang: Lang) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(t("button_cancel", lang), callback_data=data)]])
