"""Reminder jobs on PTB's JobQueue (APScheduler), rebuilt from the database at start-up; /reminders; staff
agenda and the nudge for bookings nobody acted on."""

from __future__ import annotations

import html
import logging
from datetime import datetime, timedelta

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import TelegramError
from telegram.ext import Application, ContextTypes

from bot.booking import actions as booking_actions
from bot.booking import reminders
from bot.handlers.common import SERVICES_KEY, services, who
from bot.handlers.outbox_sender import drain_outbox
from bot.holders.actions import Who
from bot.services import Services
from bot.texts import t

log = logging.getLogger(__name__)
RETRY_FAILED_SEND = timedelta(seconds=30)


def schedule_reminder(
    context_or_app: ContextTypes.DEFAULT_TYPE | Application, reminder_id: int, due: datetime
) -> None:
    svc: Services = context_or_app.bot_data[SERVICES_KEY]
    wait = max(0.0, (due - svc.clock()).total_seconds())  # a past due time fires at once, never skipped
    context_or_app.job_queue.run_once(
        fire_reminder, when=wait, data=reminder_id, name=f"reminder:{reminder_id}"
    )


async def fire_reminder(context: ContextTypes.DEFAULT_TYPE) -> None:
    if not await send_reminder(context, int(context.job.data)):
        schedule_reminder(context, int(context.job.data), services(context).clock() + RETRY_FAILED_SEND)


async def send_reminder(context: ContextTypes.DEFAULT_TYPE, reminder_id: int) -> bool:
    """Claim, send, record. False only when Telegram refused it (the claim is given back)."""
    svc = services(context)
    due = await booking_actions.take_reminder(svc, reminder_id)
    if due is None:
        return True
    try:
        await context.bot.send_message(due.chat_id, html.escape(due.text))
    except TelegramError:
        log.warning("reminder %s not sent; retrying", reminder_id, exc_info=True)
        await booking_actions.reminder_done(svc, reminder_id, sent=False)
        return False
    await booking_actions.reminder_done(svc, reminder_id, sent=True)
    return True


async def restore_reminders(application: Application) -> int:
    """Start-up: a job for every reminder still to send; those that fell due while down fire at once."""
    svc: Services = application.bot_data[SERVICES_KEY]
    async with svc.db.session() as session:
        pending = await reminders.restorable(session, svc.clock())
    for reminder_id, due in pending:
        schedule_reminder(application, reminder_id, due)
    log.info("%d reminders restored", len(pending))
    return len(pending)


async def _reminders_view(svc: Services, me: Who) -> tuple[str, InlineKeyboardMarkup | None]:
    items = await booking_actions.reminder_list(svc, me)
    if not items:
        return t("reminders_none", me.lang), None
    lines = [t("reminders_title", me.lang)] + [html.escape(item.line) for item in items]
    buttons = [
        [InlineKeyboardButton(t("button_mute", me.lang, at=item.at), callback_data=f"rm:{item.reminder_id}")]
        for item in items
    ]
    return "\n".join(lines), InlineKeyboardMarkup(buttons)


async def list_reminders(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    text, markup = await _reminders_view(services(context), who(update, context))
    await update.effective_message.reply_text(text, reply_markup=markup)


async def mute_reminder(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Mute one; the list it was pressed in is redrawn without it."""
    svc, me, query = services(context), who(update, context), update.callback_query
    muted = await booking_actions.mute_reminder(svc, me, int(query.data.removeprefix("rm:")))
    await query.answer(t("reminder_muted" if muted else "not_yours", me.lang), show_alert=not muted)
    if muted:
        text, markup = await _reminders_view(svc, me)
        await query.edit_message_text(text, reply_markup=markup)


async def staff_agenda(context: ContextTypes.DEFAULT_TYPE) -> None:
    """Daily at 08:00 (TIMEZONE): the day's bookings in the staff chat."""
    if await booking_actions.post_agenda(services(context)):
        await drain_outbox(context)


async def nudge_staff(context: ContextTypes.DEFAULT_TYPE) -> None:
    """Pending bookings without a staff decision for an hour are raised again."""
    if await booking_actions.raise_waiting(services(context)):
        await drain_outbox(context)
