"""Who may use the staff and admin commands: admins are ADMIN_IDS; staff as `staff.is_staff` says."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ContextTypes

from bot.handlers.common import lang_of, services
from bot.handlers.staff import is_staff
from bot.texts import t


def is_admin(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    user = update.effective_user
    return user is not None and user.id in services(context).settings.admin_ids


async def staff_or_admin(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """True for staff and admins; anyone else is told so (and False)."""
    svc, user = services(context), update.effective_user
    if user is not None and (is_admin(update, context) or await is_staff(context, svc, user.id)):
        return True
    await update.effective_message.reply_text(t("staff_only", lang_of(update, context)))
    return False


async def refuse_non_admin(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """An admin command (or file) from anyone else: refused, not treated as a question."""
    await update.effective_message.reply_text(t("admin_only", lang_of(update, context)))
