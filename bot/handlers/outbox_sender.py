"""Sends what the outbox holds; a failure leaves the row for a later try (JobQueue runs this too)."""

from __future__ import annotations

import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot.booking import outbox
from bot.handlers.common import services

log = logging.getLogger(__name__)


async def drain_outbox(context: ContextTypes.DEFAULT_TYPE) -> None:
    svc = services(context)
    async with svc.db.session() as session:
        pending = await outbox.due(session, svc.clock())
    for message in pending:
        markup = (
            InlineKeyboardMarkup(
                [
                    [InlineKeyboardButton(text, callback_data=data) for text, data in row]
                    for row in message.buttons
                ]
            )
            if message.buttons
            else None
        )
        try:
            await context.bot.send_message(message.chat_id, message.text, reply_markup=markup)
            if message.document:
                await context.bot.send_document(
                    message.chat_id,
                    InputFile(
                        message.document.encode("utf-8"), filename=message.document_name or "booking.ics"
                    ),
                )
        except TelegramError:
            log.warning("outbox message %s not sent; will retry", message.id, exc_info=True)
            async with svc.db.session() as session:
                outbox.failed(await session.merge(message), svc.clock())
            continue
        async with svc.db.session() as session:
            (await session.merge(message)).sent_at = svc.clock()
