"""Admin commands (ADMIN_IDS only; the filter is applied where the handler is registered)."""

from __future__ import annotations

import html

from telegram import Update
from telegram.ext import ContextTypes

from bot.answers.log import unanswered
from bot.answers.render import TELEGRAM_LIMIT
from bot.handlers.common import lang_of, services
from bot.texts import t


async def list_unanswered(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    svc, lang = services(context), lang_of(update, context)
    async with svc.db.session() as session:
        rows = await unanswered(session)
    if not rows:
        await update.effective_message.reply_text(t("unanswered_none", lang))
        return
    tz = svc.settings.tz
    lines = [t("unanswered_title", lang)]
    for row in rows:
        line = (
            f"{row.created_at.astimezone(tz):%m-%d %H:%M} · {html.escape(row.text[:200])} ({row.score:.2f})"
        )
        if len("\n".join([*lines, line])) > TELEGRAM_LIMIT:
            break
        lines.append(line)
    await update.effective_message.reply_text("\n".join(lines))
