"""Reminder jobs on PTB's JobQueue (APScheduler), rebuilt from the database at start-up; /reminders; staff
agenda and the nudge for bookings nobody acted on."""

from __future__ import annotations

import html
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, ContextTypes

from bot.booking import actions as booking_actions
from bot.booking import outbox, reminders
from bot.handlers.common import SERVICES_KEY, services, who
from bot.handlers.outbox_sender import drain_outbox, failure_of
from bot.holders.actions import Who
from bot.services import Services
from bot.texts import t

log = logging.getLogger(__name__)
AppOrContext = ContextTypes.DEFAULT_TYPE | Application


@dataclass(frozen=True)
class ReminderJob:
    """What a reminder's job carries: the booking id too, so a job can never send another booking's."""

    reminder_id: int
    booking_id: int
    attempt: int = 0


def _job_name(reminder_id: int) -> str:
    return f"reminder:{reminder_id}"


def schedule_reminder(
    context_or_app: AppOrContext, reminder_id: int, booking_id: int, due: datetime, attempt: int = 0
) -> None:
    svc: Services = context_or_app.bot_data[SERVICES_KEY]
    wait = max(0.0, (due - svc.clock()).total_seconds())  # a past due time fires at once, never skipped
    context_or_app.job_queue.run_once(
        fire_reminder,
        when=wait,
        data=ReminderJob(reminder_id, booking_id, attempt),
        name=_job_name(reminder_id),
    )


def unschedule_reminders(context_or_app: AppOrContext, reminder_ids: Iterable[int]) -> None:
    """Cancelled or muted reminders lose their jobs (the row would stop them anyway; this frees memory
    and keeps the scheduler's list true)."""
    for reminder_id in reminder_ids:
        for job in context_or_app.job_queue.get_jobs_by_name(_job_name(reminder_id)):
            job.schedule_removal()


async def fire_reminder(context: ContextTypes.DEFAULT_TYPE) -> None:
    job: ReminderJob = context.job.data
    retry_in = await send_reminder(context, job.reminder_id, job.booking_id, job.attempt)
    if retry_in is not None:
        due = services(context).clock() + retry_in
        schedule_reminder(context, job.reminder_id, job.booking_id, due, job.attempt + 1)


async def send_reminder(
    context: ContextTypes.DEFAULT_TYPE, reminder_id: int, booking_id: int | None = None, attempt: int = 0
) -> timedelta | None:
    """Claim, send, record. Returns when to try again (None: done: sent, not ours to send, or refused for
    good). A database outage or a failed send is retried with back-off, a 429 after Telegram's wait; a
    permanent refusal (the holder blocked the bot) stops it and leaves a dead letter."""
    svc = services(context)
    try:
        due = await booking_actions.take_reminder(svc, reminder_id, booking_id)
    except Exception:
        log.warning("reminder %s: database unavailable; retrying", reminder_id, exc_info=True)
        return outbox.backoff(attempt + 1)
    if due is None:
        return None
    try:
        await context.bot.send_message(due.chat_id, html.escape(due.text))
    except Exception as error:  # noqa: BLE001  (classified: permanent, wait as told, or back-off)
        failure = failure_of(error)
        log.warning("reminder %s not sent: %s", reminder_id, failure.reason)
        try:
            if failure.permanent:
                await booking_actions.reminder_refused(svc, reminder_id, due, failure.reason)
                return None
            await booking_actions.reminder_done(svc, reminder_id, sent=False)
        except Exception:  # the claim stays until its lease runs out: try after that
            log.warning("reminder %s: could not record the failure", reminder_id, exc_info=True)
            return reminders.CLAIM_LEASE + outbox.backoff(attempt + 1)
        if failure.retry_after is not None:
            return timedelta(seconds=failure.retry_after)
        return outbox.backoff(attempt + 1)
    try:
        await booking_actions.reminder_done(svc, reminder_id, sent=True)
    except Exception:  # sent, but not recorded: the lease lapses and it may be sent once more
        log.warning("reminder %s sent but not recorded", reminder_id, exc_info=True)
    return None


async def restore_reminders(application: Application) -> int:
    """Start-up: a job for every reminder still to send; those that fell due while down fire at once."""
    svc: Services = application.bot_data[SERVICES_KEY]
    async with svc.db.session() as session:
        pending = await reminders.restorable(session, svc.clock())
    for reminder_id, booking_id, due in pending:
        schedule_reminder(application, reminder_id, booking_id, due)
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
    reminder_id = int(query.data.removeprefix("rm:"))
    muted = await booking_actions.mute_reminder(svc, me, reminder_id)
    if muted:
        unschedule_reminders(context, [reminder_id])
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
