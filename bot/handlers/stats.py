"""/stats [7d|30d] (admins): the period's numbers as a chart, with the numbers in the caption."""

from __future__ import annotations

import asyncio
import re

from telegram import Update
from telegram.ext import ContextTypes

from bot.admin.stats import PERIODS, collect, render_chart, summary
from bot.handlers.common import args_of, lang_of, services
from bot.texts import t

_PERIOD = re.compile(r"(\d{1,2})d?")


async def stats(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    svc, lang, message = services(context), lang_of(update, context), update.effective_message
    args = args_of(context)
    match = _PERIOD.fullmatch(args[0].lower()) if args else None
    days = int(match.group(1)) if match else PERIODS[0]
    if len(args) > 1 or (args and days not in PERIODS):
        await message.reply_text(t("stats_usage", lang))
        return
    async with svc.db.session() as session:
        numbers = await collect(session, svc.clock(), days, svc.settings.tz)
    titles = {kind: booking_type.title.of(lang) for kind, booking_type in svc.knowledge.booking_types.items()}
    chart = await asyncio.to_thread(render_chart, numbers)  # matplotlib is CPU-bound: off the event loop
    await message.reply_photo(chart, caption=summary(numbers, titles, lang))
