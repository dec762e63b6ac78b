"""An admin sends the card-holder CSV as a document: checked row by row, imported all or nothing."""

from __future__ import annotations

import html

from telegram import Update
from telegram.ext import ContextTypes

from bot.answers.render import TELEGRAM_LIMIT
from bot.handlers.common import lang_of, services
from bot.holders.registry import (
    RegistryFileError,
    card_tiers,
    parse_registry_bytes,
    registry_report,
    store_registry,
)
from bot.texts import Lang, t

MAX_REGISTRY_MB = 10  # a registry of 100,000 holders is about 5 MB; Telegram lets bots fetch up to 20


async def import_csv(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    svc, lang, message = services(context), lang_of(update, context), update.effective_message
    document = message.document
    if (document.file_size or 0) > MAX_REGISTRY_MB * 1024 * 1024:
        await message.reply_text(t("registry_too_big", lang, mb=MAX_REGISTRY_MB))
        return
    data = bytes(await (await document.get_file()).download_as_bytearray())
    try:
        registry = parse_registry_bytes(data, card_tiers(svc.knowledge))
        if not registry.problems:
            count = await store_registry(svc.db, registry)
            await message.reply_text(t("registry_imported", lang, count=count, encoding=registry.encoding))
            return
    except RegistryFileError as exc:
        error = html.escape(str(exc))
        await message.reply_text(t("registry_unreadable", lang, error=error))
        return
    await message.reply_text(_report(registry_report(registry, document.file_name or "csv"), lang))


def _report(problems: list[str], lang: Lang) -> str:
    """Every problem that fits in one message, then how many more there are."""
    lines = [t("registry_rejected", lang, count=len(problems))]
    for shown, problem in enumerate(problems):
        more = t("registry_more", lang, count=len(problems) - shown)
        if len("\n".join([*lines, html.escape(problem), more])) > TELEGRAM_LIMIT:
            lines.append(more)
            break
        lines.append(html.escape(problem))
    return "\n".join(lines)
