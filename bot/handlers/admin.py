"""Admin commands (ADMIN_IDS only; the filter is applied where the handler is registered)."""

from __future__ import annotations

import html

from telegram import Update
from telegram.constants import ParseMode
from telegram.ext import ContextTypes

from bot.answers.log import unanswered
from bot.answers.render import TELEGRAM_LIMIT, plain_text, telegram_length
from bot.booking import outbox
from bot.handlers.common import lang_of, services
from bot.texts import Lang, t


async def _reply_listing(update: Update, lang: Lang, title: str, empty: str, lines: list[str]) -> None:
    """A title and as many lines as one message holds, or the `empty` text."""
    if not lines:
        await update.effective_message.reply_text(t(empty, lang))
        return
    shown = [t(title, lang)]
    for line in lines:
        if telegram_length("\n".join([*shown, line])) > TELEGRAM_LIMIT:
            break
        shown.append(line)
    await update.effective_message.reply_text("\n".join(shown), parse_mode=ParseMode.HTML)


async def list_dead_letters(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/outbox: messages Telegram refused for good or after every retry, newest first."""
    svc, lang = services(context), lang_of(update)
    async with svc.db.session() as session:
        rows = await outbox.dead_letters(session)
    tz = svc.settings.tz
    lines = [
        f"#{row.id} {row.created_at.astimezone(tz):%m-%d %H:%M} → {row.chat_id} · "
        f"{html.escape((row.last_error or '')[:120])}\n  {html.escape(plain_text(row.text)[:120])}"
        for row in rows
    ]
    await _reply_listing(update, lang, "outbox_title", "outbox_none", lines)


async def list_unanswered(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    svc, lang = services(context), lang_of(update)
    async with svc.db.session() as session:
        rows = await unanswered(session)
    tz = svc.settings.tz
    lines = [
        f"{row.created_at.astimezone(tz):%m-%d %H:%M} · {html.escape(row.text[:200])} ({row.score:.2f})"
        for row in rows
    ]
    await _reply_listing(update, lang, "unanswered_title", "unanswered_none", lines)
