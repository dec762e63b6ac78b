"""Small helpers every handler uses: the shared services, who is talking, buttons."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import ContextTypes

from bot.holders.actions import Who, language_choice
from bot.services import Services
from bot.texts import Lang, t

SERVICES_KEY = "services"


def services(context: ContextTypes.DEFAULT_TYPE) -> Services:
    return context.bot_data[SERVICES_KEY]


LANG_KEY = "lang"  # user_data: the language chosen with /language ("" when none was chosen)


def lang_of(update: Update, context: ContextTypes.DEFAULT_TYPE) -> Lang:
    """The language chosen with /language; else English for users whose Telegram is in English, and
    Simplified Chinese for everyone else."""
    chosen = context.user_data.get(LANG_KEY) if context.user_data is not None else None
    if chosen in ("zh", "en"):
        return chosen  # type: ignore[return-value]
    user = update.effective_user
    code = (user.language_code or "") if user else ""
    return "en" if code.startswith("en") else "zh"


def who(update: Update, context: ContextTypes.DEFAULT_TYPE) -> Who:
    user = update.effective_user
    return Who(user.id, user.first_name, lang_of(update, context))


async def load_language(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Before every handler: the user's /language choice, read once per process and kept in user_data."""
    if update.effective_user is None or context.user_data is None or LANG_KEY in context.user_data:
        return
    context.user_data[LANG_KEY] = await language_choice(services(context), update.effective_user.id) or ""


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
