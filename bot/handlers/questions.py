"""Free-text questions: the answer with its source, "did you mean" buttons, votes, and hand-over to staff."""

from __future__ import annotations

import html

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.ext import ContextTypes

from bot.answers.handover import staff_post_text
from bot.answers.render import choices_heading, not_covered_lines
from bot.booking import actions as booking_actions
from bot.handlers import fallback
from bot.handlers.booking import form_text_input
from bot.handlers.common import card_keyboard, services, text_of, who
from bot.handlers.start import reply_bind
from bot.holders import actions as holder_actions
from bot.holders.actions import Asked, Chat, Wants
from bot.kb.schema import Entry
from bot.services import Services
from bot.texts import Lang, t


def _vote_row(question_id: int) -> list[InlineKeyboardButton]:
    return [
        InlineKeyboardButton("👍", callback_data=f"fb:{question_id}:1"),
        InlineKeyboardButton("👎", callback_data=f"fb:{question_id}:-1"),
    ]


def book_row(svc: Services, entry: Entry, lang: Lang) -> list[list[InlineKeyboardButton]]:
    """A "book" button under answers about a bookable service (booking_types' offered_with)."""
    bookable = any(
        entry.id.startswith(prefix)
        for booking in svc.knowledge.booking_types.values()
        for prefix in booking.offered_with
    )
    return [[InlineKeyboardButton(t("button_book", lang), callback_data="bk:start")]] if bookable else []


FOLLOW_UP_BUTTON_CHARS = 30


def answer_keyboard(svc: Services, asked: Asked, lang: Lang) -> InlineKeyboardMarkup:
    """Answer: book (if bookable), the second question, other entries, votes. Unsure: the suggestions and
    hand-over. Overview: the card's services, or the cards to choose from, and hand-over. Not covered:
    hand-over."""
    answer = asked.answer
    rows = book_row(svc, answer.entry, lang) if answer.entry else []
    if answer.follow_up:
        label = t("button_follow_up", lang, question=answer.follow_up[:FOLLOW_UP_BUTTON_CHARS])
        rows.append([InlineKeyboardButton(label, callback_data=f"fu:{asked.question_id}")])
    rows += [
        [InlineKeyboardButton(f"🔎 {s.entry.title}", callback_data=f"alt:{asked.question_id}:{s.entry.id}")]
        for s in answer.alternatives
    ]
    if answer.asks_which_card:
        rows += [list(row) for row in card_keyboard(svc, lang).inline_keyboard]
    if answer.answered:
        rows.append(_vote_row(asked.question_id))
    else:
        rows.append(
            [InlineKeyboardButton(t("button_handover", lang), callback_data=f"ho:{asked.question_id}")]
        )
    return InlineKeyboardMarkup(rows)


async def send_entry(
    message: Message,
    svc: Services,
    entry: Entry,
    lang: Lang,
    tier: str | None,
    keyboard: InlineKeyboardMarkup | None,
) -> None:
    """The entry in as many messages as it needs; the buttons go under the last one."""
    chunks = svc.entry_pages(entry, lang, tier)
    for number, chunk in enumerate(chunks, start=1):
        await message.reply_text(chunk, reply_markup=keyboard if number == len(chunks) else None)


async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    svc, me, message, text = (
        services(context),
        who(update, context),
        update.effective_message,
        text_of(update),
    )
    if not text and not await booking_actions.waits_for_text(svc, me):
        await fallback.non_text(update, context)  # only invisible characters: nothing to answer
        return
    outcome = await holder_actions.ask(svc, me, text)
    if outcome is None:  # a booking form is open: typed steps take the text, button steps leave it a question
        if await booking_actions.waits_for_text(svc, me):
            await form_text_input(update, context)
            return
        outcome = await holder_actions.ask(svc, me, text, form_waits_for_buttons=True)
    if isinstance(outcome, Chat):
        await message.reply_text(t(outcome.kind, me.lang))
        return
    if isinstance(outcome, Wants):
        from bot.commands import BY_NAME  # the table names this module's handlers: imported when used

        await BY_NAME[outcome.command].telegram(update, context)
        return
    if not isinstance(outcome, Asked):
        await reply_bind(update, context, outcome)
        return
    await reply_asked(message, svc, outcome, me.lang)


async def reply_asked(message: Message, svc: Services, asked: Asked, lang: Lang) -> None:
    """Confident: the answer. Unsure: no answer, "did you mean" buttons; an overview: the card's services
    as buttons. Not covered: say so and where such questions go. The hand-over button under all three."""
    keyboard = answer_keyboard(svc, asked, lang)
    answer = asked.answer
    if answer.entry is not None:
        await send_entry(message, svc, answer.entry, lang, asked.tier, keyboard)
        return
    if answer.offers_choices:
        text = choices_heading(answer, svc.knowledge, lang)
    else:
        text = "\n".join(not_covered_lines(answer, svc.knowledge, lang))
    await message.reply_text(html.escape(text), reply_markup=keyboard)


async def follow_up(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The second question of a message, asked by its button."""
    svc, me, query = services(context), who(update, context), update.callback_query
    asked = await holder_actions.ask_follow_up(svc, me, int(query.data.removeprefix("fu:")))
    if asked is None:
        await query.answer(t("not_yours", me.lang), show_alert=True)
        return
    await query.answer()
    await reply_asked(query.message, svc, asked, me.lang)


async def open_alternative(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    svc, me, query = services(context), who(update, context), update.callback_query
    _, question_id, entry_id = query.data.split(":", 2)
    entry = await holder_actions.open_suggestion(svc, me, int(question_id), entry_id)
    if entry is None:
        await query.answer(t("not_yours", me.lang), show_alert=True)
        return
    await query.answer()
    profile = await holder_actions.profile(svc, me)
    await send_entry(
        query.message,
        svc,
        entry,
        me.lang,
        profile.tier,
        InlineKeyboardMarkup([*book_row(svc, entry, me.lang), _vote_row(int(question_id))]),
    )


async def vote(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    svc, me, query = services(context), who(update, context), update.callback_query
    _, question_id, value = query.data.split(":")
    accepted = await holder_actions.vote(svc, me, int(question_id), int(value))
    await query.answer(t("vote_thanks" if accepted else "not_yours", me.lang))


async def hand_over(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    svc, me, query = services(context), who(update, context), update.callback_query
    staff_chat = svc.settings.staff_chat_id
    if staff_chat is None:
        await query.answer(t("handover_unavailable", me.lang), show_alert=True)
        return
    request = await holder_actions.hand_over(
        svc, me, int(query.data.removeprefix("ho:")), query.message.chat.id
    )
    if request is None:
        await query.answer(t("not_yours", me.lang), show_alert=True)
        return
    await query.answer(t("handover_sent", me.lang))
    if not request.first_time:
        return
    post = await context.bot.send_message(
        staff_chat,
        staff_post_text(svc, request.handover.id, me.first_name, request.card, request.handover.text),
    )
    await holder_actions.posted(svc, request.handover, post.chat.id, post.message_id)
    await query.message.reply_text(t("handover_sent", me.lang))
