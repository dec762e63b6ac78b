"""/book (the guided form), /mybookings, and staff confirming or rejecting in the staff chat."""

from __future__ import annotations

import html

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.constants import ParseMode
from telegram.ext import ContextTypes

from bot.booking import actions as booking_actions
from bot.booking.actions import REJECT_REASONS, FormView
from bot.booking.store import changeable
from bot.handlers.common import edited, services, text_of, who
from bot.handlers.outbox_sender import drain_outbox
from bot.handlers.reminders import schedule_reminder
from bot.handlers.staff import is_staff
from bot.texts import Lang, t


def form_keyboard(view: FormView, lang: Lang) -> InlineKeyboardMarkup:
    screen = view.screen
    rows: list[list[InlineKeyboardButton]] = []
    if screen is not None:
        prefix = "bk:ok:" if screen.step == "confirm" else "bk:c:"
        buttons = [InlineKeyboardButton(c.label, callback_data=prefix + c.value) for c in screen.choices]
        per_row = 3 if screen.step in ("date", "time") else 1  # dates and times are short: three a row
        rows = [buttons[i : i + per_row] for i in range(0, len(buttons), per_row)]
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


async def show(message: Message, view: FormView, lang: Lang, edit: bool = False) -> None:
    markup = form_keyboard(view, lang) if view.screen is not None else None
    if edit:
        await edited(message.edit_text(form_text(view), parse_mode=ParseMode.HTML, reply_markup=markup))
    else:
        await message.reply_text(form_text(view), parse_mode=ParseMode.HTML, reply_markup=markup)


async def book(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    me = who(update)
    await show(update.effective_message, await booking_actions.begin(services(context), me), me.lang)


async def book_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The "book" button under an answer or in /menu starts the same form as /book."""
    await update.callback_query.answer()
    await book(update, context)


async def form_text_input(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Typed input while a form is open (routed here by the question handler)."""
    me = who(update)
    view = await booking_actions.typed(services(context), me, text_of(update))
    await show(update.effective_message, view or FormView(notice=t("book_no_form", me.lang)), me.lang)


async def form_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    svc, me, query = services(context), who(update), update.callback_query
    _, action, *rest = query.data.split(":", 2)
    await query.answer()
    if action == "cancel":
        await booking_actions.abandon(svc, me)
        await edited(query.edit_message_text(t("book_form_cancelled", me.lang)))
        return
    if action == "ok":
        view = await booking_actions.confirm(svc, me, rest[0])
        await show(query.message, view, me.lang, edit=True)
        await drain_outbox(context)
        return
    view = await (
        booking_actions.go_back(svc, me) if action == "back" else booking_actions.press(svc, me, rest[0])
    )
    await show(query.message, view or FormView(notice=t("book_no_form", me.lang)), me.lang, edit=True)


async def my_bookings(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    svc, me = services(context), who(update)
    rows = await booking_actions.my_bookings(svc, me)
    if not rows:
        await update.effective_message.reply_text(t("mybookings_none", me.lang))
        return
    now = svc.clock()
    lines = [t("mybookings_title", me.lang)]
    buttons = []
    for booking in rows:
        lines.append(html.escape(booking_actions.booking_line(svc, booking, me.lang)))
        if changeable(booking, now):
            buttons.append(
                [
                    InlineKeyboardButton(
                        t("button_change_booking", me.lang, id=booking.id), callback_data=f"bkm:{booking.id}"
                    ),
                    InlineKeyboardButton(
                        t("button_cancel_booking", me.lang, id=booking.id), callback_data=f"bkx:{booking.id}"
                    ),
                ]
            )
    await update.effective_message.reply_text(
        "\n".join(lines),
        parse_mode=ParseMode.HTML,
        reply_markup=InlineKeyboardMarkup(buttons) if buttons else None,
    )


async def cancel_booking(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    svc, me, query = services(context), who(update), update.callback_query
    booking_id = int(query.data.removeprefix("bkx:"))
    booking = await booking_actions.cancel_booking(svc, me, booking_id)
    if booking is None:
        await query.answer(t("booking_not_cancellable", me.lang), show_alert=True)
        return
    await query.answer()
    await query.message.reply_text(t("booking_cancelled", me.lang, id=booking_id))
    await drain_outbox(context)


async def change_booking(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A change is a new booking under the same rules; the old one is cancelled when it is placed."""
    me, query = who(update), update.callback_query
    await query.answer()
    view = await booking_actions.begin(services(context), me, replaces=int(query.data.removeprefix("bkm:")))
    await show(query.message, view, me.lang)


async def staff_decision(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    svc, query = services(context), update.callback_query
    if not await is_staff(context, svc, query.from_user.id):
        await query.answer(t("staff_only", "zh"), show_alert=True)
        return
    _, action, booking_id, *reason = query.data.split(":")
    if action == "no":  # ask why before rejecting
        await query.answer()
        await edited(
            query.edit_message_reply_markup(
                InlineKeyboardMarkup(
                    [
                        [InlineKeyboardButton(text, callback_data=f"st:rj:{booking_id}:{code}")]
                        for code, text in REJECT_REASONS.items()
                    ]
                )
            )
        )
        return
    decided = await booking_actions.decide(
        svc, int(booking_id), action == "ok", reason[0] if reason else None
    )
    if decided is None:
        await query.answer(t("staff_already", "zh"), show_alert=True)
        return
    booking = decided.booking
    for reminder_id, due in decided.reminders:
        schedule_reminder(context, reminder_id, due)
    await query.answer()
    heading = "✅ 已确认" if booking.status == "confirmed" else f"❌ 已拒绝：{booking.reason}"
    await edited(
        query.edit_message_text(
            f"{query.message.text_html}\n\n{html.escape(t('staff_decided', 'zh', heading=heading, name=who(update).first_name))}",
            parse_mode=ParseMode.HTML,
        )
    )
    await drain_outbox(context)
