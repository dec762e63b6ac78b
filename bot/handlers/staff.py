"""The staff group chat: a reply to a hand-over reaches the user; unanswered ones come back after an hour."""

from __future__ import annotations

import html
import logging

from telegram import Update
from telegram.constants import ChatMemberStatus, ParseMode
from telegram.ext import ContextTypes

from bot.answers.handover import handover_for_reply, mark_replied, overdue, record_post, staff_post_text
from bot.handlers.common import services, text_of
from bot.holders.users import user_language
from bot.services import Services
from bot.texts import t
from db.models import User

log = logging.getLogger(__name__)
STAFF_STATUSES = {ChatMemberStatus.MEMBER, ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER}


async def is_staff(context: ContextTypes.DEFAULT_TYPE, svc: Services, user_id: int) -> bool:
    """STAFF_IDS when set; otherwise anyone who is a member of the staff chat."""
    if svc.settings.staff_ids:
        return user_id in svc.settings.staff_ids
    if svc.settings.staff_chat_id is None:
        return False
    member = await context.bot.get_chat_member(svc.settings.staff_chat_id, user_id)
    return member.status in STAFF_STATUSES


async def staff_reply(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    svc, message = services(context), update.effective_message
    replied_to = message.reply_to_message
    async with svc.db.session() as session:
        handover = await handover_for_reply(session, message.chat.id, replied_to.message_id)
        if handover is None:
            return  # staff talking among themselves
        user = await session.get(User, handover.user_id)
        lang = user_language(user)
        chat_id = handover.chat_id
    if not await is_staff(context, svc, message.from_user.id):
        await message.reply_text(t("staff_only", "zh"))
        return
    await context.bot.send_message(
        chat_id, t("staff_reply", lang, text=html.escape(text_of(update))), parse_mode=ParseMode.HTML
    )
    async with svc.db.session() as session:
        handover = await session.merge(handover)
        mark_replied(handover, svc.clock())
    await message.reply_text(t("staff_delivered", "zh"))


async def repost_overdue(context: ContextTypes.DEFAULT_TYPE) -> None:
    """JobQueue callback: post again every hand-over without a first reply after an hour."""
    svc = services(context)
    staff_chat = svc.settings.staff_chat_id
    if staff_chat is None:
        return
    now = svc.clock()
    async with svc.db.session() as session:
        due = await overdue(session, now)
        names = {h.id: await session.get(User, h.user_id) for h in due}
    for handover in due:
        user = names[handover.id]
        text = staff_post_text(
            svc,
            handover.id,
            user.first_name if user else "",
            user.card if user else None,
            handover.text,
            prefix=t("handover_repost", "zh") if handover.last_posted_at else "",
        )
        post = await context.bot.send_message(staff_chat, text, parse_mode=ParseMode.HTML)
        async with svc.db.session() as session:
            await record_post(session, await session.merge(handover), post.chat.id, post.message_id, now)
        log.info("hand-over %s posted again to the staff chat", handover.id)
