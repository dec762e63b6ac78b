"""Free-text questions: the answer with its source, "did you mean" buttons, votes, and hand-over to staff."""

from __future__ import annotations

import html

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.constants import ParseMode
from telegram.ext import ContextTypes

from bot.handlers.common import lang_of, services
from bot.handlers.start import AWAITING_CARD_NUMBER, try_card_number
from bot.handover import open_handover, record_post
from bot.kb.schema import Entry
from bot.qa import Answer, Suggestion
from bot.question_log import log_question, own_question, record_vote
from bot.render import entry_blocks, html_chunks
from bot.services import Services
from bot.texts import Lang, t
from bot.users import ensure_user, holder_of


def _suggestion_rows(question_id: int, suggestions: tuple[Suggestion, ...]) -> list[list[InlineKeyboardButton]]:
    return [[InlineKeyboardButton(f"🔎 {s.entry.title}", callback_data=f"alt:{question_id}:{s.entry.id}")]
            for s in suggestions]


def answer_keyboard(question_id: int, answer: Answer, lang: Lang) -> InlineKeyboardMarkup:
    rows = _suggestion_rows(question_id, answer.alternatives)
    if answer.answered:
        rows.append([InlineKeyboardButton("👍", callback_data=f"fb:{question_id}:1"),
                     InlineKeyboardButton("👎", callback_data=f"fb:{question_id}:-1")])
    else:
        rows.append([InlineKeyboardButton(t("button_handover", lang), callback_data=f"ho:{question_id}")])
    return InlineKeyboardMarkup(rows)


async def send_entry(message: Message, svc: Services, entry: Entry, lang: Lang, tier: str | None,
                     keyboard: InlineKeyboardMarkup | None) -> None:
    """The entry in as many messages as it needs; the buttons go under the last one."""
    chunks = html_chunks(entry_blocks(entry, svc.knowledge, lang, tier))
    for number, chunk in enumerate(chunks, start=1):
        await message.reply_text(chunk, parse_mode=ParseMode.HTML,
                                 reply_markup=keyboard if number == len(chunks) else None)


async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    svc, lang, tg_user, message = services(context), lang_of(update), update.effective_user, update.effective_message
    now = svc.clock()
    async with svc.db.session() as session:
        user = await ensure_user(session, tg_user.id, tg_user.first_name, lang, now)
        if user.awaiting == AWAITING_CARD_NUMBER:
            awaiting_number = True
        else:
            awaiting_number = False
            answer = svc.answerer.answer(message.text, user.card)
            holder = await holder_of(session, user)
            question = await log_question(session, user.id, user.card, answer, now)
    if awaiting_number:
        await try_card_number(update, context, message.text)
        return
    keyboard = answer_keyboard(question.id, answer, lang)
    if answer.entry is not None:
        await send_entry(message, svc, answer.entry, lang, holder.tier if holder else None, keyboard)
        return
    text = t("not_found", lang)
    if answer.alternatives:
        text += "\n" + t("did_you_mean", lang)
    await message.reply_text(html.escape(text), parse_mode=ParseMode.HTML, reply_markup=keyboard)


async def open_alternative(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    svc, lang, query = services(context), lang_of(update), update.callback_query
    _, question_id, entry_id = query.data.split(":", 2)
    entry = svc.knowledge.by_id.get(entry_id)
    async with svc.db.session() as session:
        question = await own_question(session, int(question_id), query.from_user.id)
        if question is not None and entry is not None:
            question.outcome = "alternative"
            question.entry_id = entry.id
            user = await ensure_user(session, query.from_user.id, query.from_user.first_name, lang, svc.clock())
            holder = await holder_of(session, user)
    if question is None or entry is None:
        await query.answer(t("not_yours" if entry is not None else "gone", lang), show_alert=True)
        return
    await query.answer()
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("👍", callback_data=f"fb:{question_id}:1"),
                                      InlineKeyboardButton("👎", callback_data=f"fb:{question_id}:-1")]])
    await send_entry(query.message, svc, entry, lang, holder.tier if holder else None, keyboard)


async def vote(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    svc, lang, query = services(context), lang_of(update), update.callback_query
    _, question_id, value = query.data.split(":")
    async with svc.db.session() as session:
        accepted = await record_vote(session, int(question_id), query.from_user.id, int(value), svc.clock())
    await query.answer(t("vote_thanks" if accepted else "not_yours", lang))


async def hand_over(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    svc, lang, query = services(context), lang_of(update), update.callback_query
    staff_chat = svc.settings.staff_chat_id
    if staff_chat is None:
        await query.answer(t("handover_unavailable", lang), show_alert=True)
        return
    now = svc.clock()
    async with svc.db.session() as session:
        question = await own_question(session, int(query.data.removeprefix("ho:")), query.from_user.id)
        if question is None:
            await query.answer(t("not_yours", lang), show_alert=True)
            return
        handover = await open_handover(session, question, query.message.chat.id, now)
        already_posted = handover.last_posted_at is not None
        card = question.card
    await query.answer(t("handover_sent", lang))
    if already_posted:
        return
    post = await context.bot.send_message(
        staff_chat, handover_post_text(svc, handover.id, query.from_user.first_name, card, handover.text),
        parse_mode=ParseMode.HTML,
    )
    async with svc.db.session() as session:
        handover = await session.merge(handover)
        await record_post(session, handover, post.chat.id, post.message_id, now)
    await query.message.reply_text(t("handover_sent", lang))


def handover_post_text(svc: Services, handover_id: int, first_name: str, card: str | None, question: str,
                       prefix: str = "") -> str:
    """Staff see the first name and card, never a phone number; user text is escaped."""
    body = t("handover_post", "zh", id=handover_id, name=html.escape(first_name),
             card=html.escape(svc.card_name(card, "zh")), question=html.escape(question))
    return f"{prefix}\n{body}" if prefix else body
