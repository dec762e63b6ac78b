"""Admin commands (ADMIN_IDS only; the filter is applied where the handler is registered)."""

from __future__ import annotations

import html

from telegram import Update
from telegram.constants import ParseMode
from telegram.ext import ContextTypes

from bot.answers.log import unanswered
from bot.answers.render import TELEGRAM_LIMIT, plain_text
from bot.booking import outbox
from bot.handlers.common import lang_of, services
from bot.texts import t


def _fit(lines: list[str], more: list[str]) -> str:
    """As many lines as one message holds."""
    for line in more:
        if len("\n".join([*lines, line])) > TELEGRAM_LIMIT:
            break
        lines.append(line)
    return "\n".join(lines)


async def list_dead_letters(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/outbox: messages Telegram refused for good or after every retry, newest first."""
    svc, lang = services(context), lang_of(update)
    async with svc.db.session() as session:
        rows = await outbox.dead_letters(session)
    if not rows:
        await update.effective_message.reply_text(t("outbox_none", lang))
        return
    tz = svc.settings.tz
    lines = [
        f"#{row.id} {row.created_at.astimezone(tz):%m-%d %H:%M} → {row.chat_id} · "
        f"{html.escape((row.last_error or '')[:120])}\n  {html.escape(plain_text(row.text)[:120])}"
        for row in rows
    ]
    await update.effective_message.reply_text(
        _fit([t("outbox_title", lang)], lines), parse_mode=ParseMode.HTML
    )


async def list_unanswered(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    svc, lang = services(context), lang_of(update)
    async with svc.db.session() as session:
        rows = await unanswered(session)
    if not rows:
        await update.effective_message.reply_text(t("unanswered_none", lang))
        return
    tz = svc.settings.tz
    lines = [
        f"{row.created_at.astimezone(tz):%m-%d %H:%M} · {html.escape(row.text[:200])} ({row.score:.2f})"
        for row in rows
    ]
    await update.effective_message.reply_text(
        _fit([t("unanswered_title", lang)], lines), parse_mode=ParseMode.HTML
    )
