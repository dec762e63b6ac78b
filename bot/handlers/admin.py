"""Admin commands and buttons (ADMIN_IDS): knowledge reload, upload, rollback, the regression gate's
confirmation, and what users missed. Commands and files are filtered to admins where they are registered
(app.py); buttons are checked here."""

from __future__ import annotations

import html
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from functools import wraps

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, ContextTypes

from bot.admin import reload as knowledge
from bot.admin.archive import UploadRefused, check_size
from bot.admin.reload import Outcome
from bot.admin.unanswered import MissGroup, group_missed, group_of, mark_handled, missed_since
from bot.admin.upload import add_alternate_question, upload
from bot.answers.render import TELEGRAM_LIMIT, Block, html_chunks, plain_text
from bot.booking import outbox
from bot.handlers.access import is_admin
from bot.handlers.common import SERVICES_KEY, args_of, lang_of, services
from bot.kb.schema import Entry
from bot.services import Services
from bot.texts import Lang, t

log = logging.getLogger(__name__)

Handler = Callable[[Update, ContextTypes.DEFAULT_TYPE], Awaitable[None]]
DEFAULT_DAYS, MAX_DAYS, MAX_GROUPS = 7, 90, 8


def admin_button(handler: Handler) -> Handler:
    """Buttons cannot be filtered where they are registered (commands and files are): checked here."""

    @wraps(handler)
    async def checked(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if is_admin(update, context):
            await handler(update, context)
        else:
            await update.callback_query.answer(t("admin_only", lang_of(update, context)), show_alert=True)

    return checked


# --- knowledge changes ------------------------------------------------------------------------------


async def report(bot: Bot, chat_id: int, outcome: Outcome, lang: Lang, done: str = "kb_installed") -> None:
    """The outcome of a knowledge change, as the admin sees it (every problem, split under 4096)."""
    summary = outcome.diff.summary() if outcome.diff else ""
    if outcome.status == "invalid":
        text = "\n".join([t("kb_invalid", lang, count=len(outcome.problems)), *map(str, outcome.problems)])
        for chunk in html_chunks([Block(text)]):
            await bot.send_message(chat_id, chunk)
        return
    if outcome.status == "gated":
        moves = "\n".join(move.describe() for move in outcome.moves)
        text = t("kb_gated", lang, count=len(outcome.moves), moves=moves, summary=summary)
        keyboard = InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton(
                        t("button_confirm_install", lang), callback_data=f"kb:ok:{outcome.version_id}"
                    ),
                    InlineKeyboardButton(
                        t("button_cancel_install", lang), callback_data=f"kb:no:{outcome.version_id}"
                    ),
                ]
            ]
        )
        *first, last = html_chunks([Block(text)])
        for chunk in first:
            await bot.send_message(chat_id, chunk)
        await bot.send_message(chat_id, last, reply_markup=keyboard)
        return
    key = {"installed": done, "unchanged": "kb_unchanged", "stale": "kb_stale"}.get(
        outcome.status, "kb_nothing_pending"
    )
    text = t(key, lang, version=outcome.version_id, summary=summary)
    for chunk in html_chunks([Block(text)]):
        await bot.send_message(chat_id, chunk)


async def reload_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    svc, chat = services(context), update.effective_chat
    outcome = await knowledge.propose(svc, svc.settings.knowledge_dir, update.effective_user.id)
    await report(context.bot, chat.id, outcome, lang_of(update, context))


async def reload_on_signal(application: Application) -> None:
    """SIGHUP: the same reload, reported to every admin."""
    svc: Services = application.bot_data[SERVICES_KEY]
    outcome = await knowledge.propose(svc, svc.settings.knowledge_dir, None)
    log.info("SIGHUP reload: %s", outcome.status)
    for admin_id in svc.settings.admin_ids:
        await report(application.bot, admin_id, outcome, "zh")


async def follow_knowledge(context: ContextTypes.DEFAULT_TYPE) -> None:
    """Job: another instance installed a knowledge version; serve it here too."""
    await knowledge.follow_installed(services(context))


async def rollback_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    outcome = await knowledge.rollback(services(context), update.effective_user.id)
    lang = lang_of(update, context)
    if outcome.status == "nothing":
        await update.effective_message.reply_text(t("kb_no_rollback", lang))
        return
    await report(context.bot, update.effective_chat.id, outcome, lang, done="kb_rolled_back")


async def upload_document(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    svc, message, lang = services(context), update.effective_message, lang_of(update, context)
    document = message.document
    name = document.file_name or "upload"
    try:
        check_size(name, document.file_size or 0)  # before downloading it
        content = bytes(await (await context.bot.get_file(document.file_id)).download_as_bytearray())
        outcome = await upload(svc, name, content, update.effective_user.id)
    except UploadRefused as refused:
        await message.reply_text(html.escape(t("kb_refused", lang, reason=str(refused))))
        return
    await report(context.bot, update.effective_chat.id, outcome, lang)


@admin_button
async def gate_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    svc, query, lang = services(context), update.callback_query, lang_of(update, context)
    _, decision, version_id = query.data.split(":")
    await query.answer()
    if query.message.reply_markup is not None:  # a decision is taken once: the buttons go
        await query.edit_message_reply_markup(None)
    if decision == "ok":
        outcome = await knowledge.confirm(svc, int(version_id), update.effective_user.id)
        await report(context.bot, update.effective_chat.id, outcome, lang)
        return
    cancelled = await knowledge.cancel(svc, int(version_id))
    key = "kb_cancelled" if cancelled else "kb_nothing_pending"
    await query.message.reply_text(t(key, lang, version=svc.knowledge_version))


# --- what users missed ------------------------------------------------------------------------------


def _days(args: list[str]) -> int:
    """`/unanswered 30d` (or `30`): the period in days, default a week."""
    if args and args[0].rstrip("dD").isdecimal():
        return max(1, min(MAX_DAYS, int(args[0].rstrip("dD"))))
    return DEFAULT_DAYS


async def _groups(svc: Services, days: int) -> list[MissGroup]:
    await svc.questions.flush()  # this instance's latest questions too
    async with svc.db.session() as session:
        missed = await missed_since(session, svc.clock() - timedelta(days=days))
    return group_missed(missed)


def _group_text(n: int, group: MissGroup, closest: Entry | None, lang: Lang) -> str:
    wordings = " / ".join(
        f"「{html.escape(text[:80])}」" + (f"×{count}" if count > 1 else "")
        for text, count in group.wordings()[:4]
    )
    reasons = ", ".join(f"{reason} {count}" for reason, count in group.reasons().items())
    return t(
        "unanswered_group",
        lang,
        n=n,
        count=group.count,
        wordings=wordings,
        cards=", ".join(group.cards()) or "—",
        reasons=reasons,
        closest=html.escape(f"{closest.title} ({closest.id})") if closest else "—",
    )


async def list_unanswered(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    svc, lang, days = services(context), lang_of(update, context), _days(args_of(context))
    groups = await _groups(svc, days)
    if not groups:
        await update.effective_message.reply_text(t("unanswered_none", lang, days=days))
        return
    count = sum(g.count for g in groups)
    lines = [t("unanswered_title", lang, days=days, groups=len(groups), count=count)]
    rows = []
    for n, group in enumerate(groups[:MAX_GROUPS], start=1):
        closest = group.closest(svc.answerer)
        text = _group_text(n, group, closest, lang)
        if len("\n\n".join([*lines, text])) > TELEGRAM_LIMIT:
            break
        lines.append(text)
        row = [
            InlineKeyboardButton(t("button_handled", lang, n=n), callback_data=f"un:h:{days}:{group.lead.id}")
        ]
        if closest is not None:
            row.append(
                InlineKeyboardButton(
                    t("button_add_question", lang, n=n), callback_data=f"un:a:{days}:{group.lead.id}"
                )
            )
        rows.append(row)
    await update.effective_message.reply_text("\n\n".join(lines), reply_markup=InlineKeyboardMarkup(rows))


@admin_button
async def unanswered_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    svc, query, lang, me = (
        services(context),
        update.callback_query,
        lang_of(update, context),
        update.effective_user.id,
    )
    _, action, days, question_id = query.data.split(":")
    group = group_of(await _groups(svc, int(days)), int(question_id))
    if group is None:
        await query.answer(t("unanswered_gone", lang), show_alert=True)
        return
    if action == "h":
        async with svc.db.session() as session:
            await mark_handled(session, group, me, svc.clock())
        await query.answer(t("unanswered_marked", lang, count=group.count))
        return
    await query.answer()
    wording, closest = group.wordings()[0][0], group.closest(svc.answerer)
    outcome = await add_alternate_question(svc, closest.id, wording, me) if closest else None
    if outcome is None:
        await query.message.reply_text(t("unanswered_gone", lang))
        return
    if outcome.status == "installed":
        async with svc.db.session() as session:
            await mark_handled(session, group, me, svc.clock())
        await query.message.reply_text(
            html.escape(t("question_added", lang, question=wording, entry=closest.id)),  # type: ignore[union-attr]
        )
    await report(context.bot, update.effective_chat.id, outcome, lang)


# --- delivery -----------------------------------------------------------------------------------------


async def list_dead_letters(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/outbox: messages Telegram refused for good or after every retry, newest first, with the error."""
    svc, lang = services(context), lang_of(update, context)
    async with svc.db.session() as session:
        rows = await outbox.dead_letters(session)
    if not rows:
        await update.effective_message.reply_text(t("outbox_none", lang))
        return
    tz = svc.settings.tz
    lines = "\n".join(
        f"#{row.id} {row.created_at.astimezone(tz):%m-%d %H:%M} → {row.chat_id} · "
        f"{(row.last_error or '')[:120]}\n  {plain_text(row.text)[:120]}"
        for row in rows
    )
    for chunk in html_chunks([Block(t("outbox_title", lang), "title"), Block(lines, "verbatim")]):
        await update.effective_message.reply_text(chunk)
