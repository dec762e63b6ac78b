"""/book (the guided form, one message edited in place), /mybookings, and staff confirming or rejecting."""

from __future__ import annotations

import html

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest
from telegram.ext import ContextTypes

from bot.booking import actions as booking_actions
from bot.booking.actions import UNDO_WINDOW, FormView
from bot.booking.form import EDIT_PREFILLED
from bot.booking.store import changeable
from bot.handlers.common import edited, services, text_of, who
from bot.handlers.outbox_sender import drain_outbox
from bot.handlers.reminders import schedule_reminder, unschedule_reminders
from bot.handlers.staff import is_staff
from bot.holders.actions import Who
from bot.kb.schema import FORM_CALLBACK_PREFIX
from bot.services import Services
from bot.texts import REJECT_REASONS, Lang, t
from db.models import Booking

PLACEHOLDER = "bk:n"  # a calendar day that cannot be booked: answered, never acted on


def _button(label: str, value: str, step: str) -> InlineKeyboardButton:
    if not value:
        return InlineKeyboardButton(label, callback_data=PLACEHOLDER)
    prefix = "bk:ok:" if step == "confirm" and value != EDIT_PREFILLED else FORM_CALLBACK_PREFIX
    return InlineKeyboardButton(label, callback_data=prefix + value)


def form_keyboard(view: FormView, lang: Lang) -> InlineKeyboardMarkup:
    screen = view.screen
    rows: list[list[InlineKeyboardButton]] = []
    if screen is not None:
        if screen.rows:
            rows = [[_button(c.label, c.value, screen.step) for c in row] for row in screen.rows]
        else:
            buttons = [_button(c.label, c.value, screen.step) for c in screen.choices]
            rows = [buttons[i : i + screen.columns] for i in range(0, len(buttons), screen.columns)]
    rows.append(
        [
            InlineKeyboardButton(t("button_back_step", lang), callback_data="bk:back"),
            InlineKeyboardButton(t("button_cancel", lang), callback_data="bk:cancel"),
        ]
    )
    return InlineKeyboardMarkup(rows)


def form_text(view: FormView) -> str:
    parts = [view.notice] if view.notice else []
    if view.screen is not None:
        parts.append(view.screen.text)
    return html.escape("\n\n".join(parts))


async def _edit(bot: Bot, chat_id: int, message_id: int, view: FormView, lang: Lang) -> None:
    markup = form_keyboard(view, lang) if view.screen is not None else None
    await edited(bot.edit_message_text(form_text(view), chat_id, message_id, reply_markup=markup))


async def _send_form(message: Message, svc: Services, me: Who, view: FormView) -> None:
    """A new form message; the one it replaces loses its buttons first (they would only be refused)."""
    if view.message_id is not None:
        try:
            await message.get_bot().edit_message_reply_markup(message.chat.id, view.message_id)
        except BadRequest:
            pass  # gone, or already without buttons
    markup = form_keyboard(view, me.lang) if view.screen is not None else None
    sent = await message.reply_text(form_text(view), reply_markup=markup)
    if view.screen is not None:
        await booking_actions.attach_message(svc, me, sent.message_id)


async def start_form(message: Message, svc: Services, me: Who, type_id: str | None = None) -> None:
    await _send_form(message, svc, me, await booking_actions.begin(svc, me, type_id=type_id))


async def book(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await start_form(update.effective_message, services(context), who(update, context))


async def book_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The "book" button under an answer or in /menu starts the same form as /book."""
    await update.callback_query.answer()
    await book(update, context)


async def form_text_input(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Typed input while a form is open: the form message is edited to acknowledge it (no new message)."""
    svc, me, message = services(context), who(update, context), update.effective_message
    view = await booking_actions.typed(svc, me, text_of(update))
    if view is None:
        await message.reply_text(t("book_no_form", me.lang))
        return
    if view.message_id is not None:
        try:
            await _edit(context.bot, message.chat.id, view.message_id, view, me.lang)
            return
        except BadRequest:
            pass  # the form message is gone: show the form afresh below
    await _send_form(message, svc, me, view)


async def form_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    svc, me, query = services(context), who(update, context), update.callback_query
    _, action, *rest = query.data.split(":", 2)
    if action == "n":
        await query.answer(t("day_not_bookable", me.lang))
        return
    if action == "ok":
        await query.answer()
        view = await booking_actions.confirm(svc, me, rest[0])
        unschedule_reminders(context, view.cancelled_reminders)
        await _edit(context.bot, query.message.chat.id, query.message.message_id, view, me.lang)
        await drain_outbox(context)
        return
    if action == "cancel":
        form = await booking_actions.form_message(svc, me)
        if form is not None and form != query.message.message_id:
            await query.answer(t("button_expired", me.lang), show_alert=True)
            return
        await query.answer()
        await booking_actions.abandon(svc, me)
        await edited(query.edit_message_text(t("book_form_cancelled", me.lang)))
        return
    message_id = query.message.message_id
    view = await (
        booking_actions.go_back(svc, me, message_id)
        if action == "back"
        else booking_actions.press(svc, me, rest[0], message_id)
    )
    if view is None or view.stale:
        await query.answer(t("button_expired", me.lang), show_alert=True)
        return
    await query.answer()
    await _edit(context.bot, query.message.chat.id, query.message.message_id, view, me.lang)


def _list_markup(svc: Services, rows: list[Booking], lang: Lang) -> InlineKeyboardMarkup | None:
    now = svc.clock()
    buttons = [
        [
            InlineKeyboardButton(t("button_change_booking", lang, id=b.id), callback_data=f"bkm:{b.id}"),
            InlineKeyboardButton(t("button_cancel_booking", lang, id=b.id), callback_data=f"bkx:{b.id}"),
        ]
        for b in rows
        if changeable(b, now)
    ]
    return InlineKeyboardMarkup(buttons) if buttons else None


async def _bookings_list(svc: Services, me: Who) -> tuple[str, InlineKeyboardMarkup | None]:
    rows = await booking_actions.my_bookings(svc, me)
    if not rows:
        return t("mybookings_none", me.lang), None
    lines = [t("mybookings_title", me.lang)]
    lines += [html.escape(booking_actions.booking_line(svc, b, me.lang)) for b in rows]
    return "\n".join(lines), _list_markup(svc, rows, me.lang)


async def my_bookings(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    text, markup = await _bookings_list(services(context), who(update, context))
    await update.effective_message.reply_text(text, reply_markup=markup)


async def cancel_booking(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """bkx:ID asks first (in the list message); bkx:ID:yes cancels; bkl puts the list back."""
    svc, me, query = services(context), who(update, context), update.callback_query
    parts = query.data.split(":")
    if parts[0] == "bkl":
        await query.answer(t("cancel_kept", me.lang))
        text, markup = await _bookings_list(svc, me)
        await query.edit_message_text(text, reply_markup=markup)
        return
    booking_id = int(parts[1])
    if len(parts) == 2:
        mine = await booking_actions.own_booking(svc, me, booking_id)
        if mine is None or not changeable(mine, svc.clock()):
            await query.answer(t("booking_not_cancellable", me.lang), show_alert=True)
            return
        await query.answer()
        line = html.escape(booking_actions.booking_line(svc, mine, me.lang))
        keyboard = InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton(
                        t("button_confirm_cancel", me.lang, id=booking_id),
                        callback_data=f"bkx:{booking_id}:yes",
                    ),
                    InlineKeyboardButton(t("button_keep", me.lang), callback_data="bkl"),
                ]
            ]
        )
        await query.edit_message_text(
            t("cancel_confirm", me.lang, id=booking_id, line=line), reply_markup=keyboard
        )
        return
    cancelled = await booking_actions.cancel_booking(svc, me, booking_id)
    if cancelled is None:
        await query.answer(t("booking_not_cancellable", me.lang), show_alert=True)
        return
    unschedule_reminders(context, cancelled.reminders)
    await query.answer(t("booking_cancelled", me.lang, id=booking_id))
    text, markup = await _bookings_list(svc, me)
    await query.edit_message_text(
        t("booking_cancelled", me.lang, id=booking_id) + "\n\n" + text, reply_markup=markup
    )
    await drain_outbox(context)


async def change_booking(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A change is a new booking under the same rules; the old one is cancelled when it is placed."""
    svc, me, query = services(context), who(update, context), update.callback_query
    await query.answer()
    view = await booking_actions.begin(svc, me, replaces=int(query.data.removeprefix("bkm:")))
    await _send_form(query.message, svc, me, view)


def _reject_keyboard(booking_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            # Staff may also reply to the notice with a reason of their own.
            [InlineKeyboardButton(t(f"reject_{code}", "zh"), callback_data=f"st:rj:{booking_id}:{code}")]
            for code in REJECT_REASONS
        ]
    )


def _undo_keyboard(booking_id: int) -> InlineKeyboardMarkup:
    minutes = int(UNDO_WINDOW.total_seconds() // 60)
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(t("button_undo", "zh", minutes=minutes), callback_data=f"st:un:{booking_id}")]]
    )


def _notice_body(message: Message) -> str:
    """The staff notice without what staff actions appended below it."""
    return message.text_html.split("\n\n", 1)[0]


async def reject(
    context: ContextTypes.DEFAULT_TYPE, notice: Message, booking_id: int, reason: str, staff_name: str
) -> bool:
    """Reject with a reason (preset or typed); the notice shows it, with an undo button for a while."""
    svc = services(context)
    decided = await booking_actions.decide(svc, booking_id, False, reason)
    if decided is None:
        return False
    heading = t(
        "staff_decided", "zh", heading=t("staff_rejected_heading", "zh", reason=reason), name=staff_name
    )
    await notice.edit_text(
        f"{_notice_body(notice)}\n\n{html.escape(heading)}", reply_markup=_undo_keyboard(booking_id)
    )
    return True


async def staff_decision(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    svc, query = services(context), update.callback_query
    if not await is_staff(context, svc, query.from_user.id):
        await query.answer(t("staff_only", "zh"), show_alert=True)
        return
    _, action, booking_id, *reason = query.data.split(":")
    if action == "no":  # ask why before rejecting: a preset, or a reply with a reason of one's own
        await query.answer()
        await edited(
            query.edit_message_text(
                f"{_notice_body(query.message)}\n\n{html.escape(t('staff_reject_prompt', 'zh'))}",
                reply_markup=_reject_keyboard(int(booking_id)),
            )
        )
        return
    if action == "un":
        undone = await booking_actions.undo_rejection(svc, int(booking_id))
        if isinstance(undone, str):
            await query.answer(undone, show_alert=True)
            return
        await query.answer()
        note = t("staff_undone", "zh", name=query.from_user.first_name)
        await query.edit_message_text(
            f"{_notice_body(query.message)}\n\n{html.escape(note)}",
            reply_markup=InlineKeyboardMarkup(
                [
                    [InlineKeyboardButton(text, callback_data=data) for text, data in row]
                    for row in booking_actions.staff_buttons(int(booking_id))
                ]
            ),
        )
        await drain_outbox(context)
        return
    if action == "rj":
        if not await reject(
            context,
            query.message,
            int(booking_id),
            t(f"reject_{reason[0]}", "zh"),
            query.from_user.first_name,
        ):
            await query.answer(t("staff_already", "zh"), show_alert=True)
            return
        await query.answer()
        return
    decided = await booking_actions.decide(svc, int(booking_id), True)
    if decided is None:
        await query.answer(t("staff_already", "zh"), show_alert=True)
        return
    for reminder_id, due in decided.reminders:
        schedule_reminder(context, reminder_id, decided.booking.id, due)
    await query.answer()
    heading = t(
        "staff_decided",
        "zh",
        heading=t("staff_confirmed_heading", "zh"),
        name=who(update, context).first_name,
    )
    await query.edit_message_text(f"{_notice_body(query.message)}\n\n{html.escape(heading)}")
    await drain_outbox(context)
