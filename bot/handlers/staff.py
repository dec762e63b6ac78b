"""The staff group chat: a reply to a hand-over reaches the user; unanswered ones come back after an hour."""

from __future__ import annotations

import logging
import re
from datetime import datetime

from telegram import Update
from telegram.constants import ChatMemberStatus
from telegram.ext import ContextTypes

from bot.answers.handover import handover_for_reply, mark_replied, overdue, record_post, staff_post_text
from bot.answers.render import TELEGRAM_LIMIT, escaped_pieces, telegram_length
from bot.booking import outbox
from bot.handlers.common import services, text_of
from bot.handlers.outbox_sender import drain_outbox, failure_of
from bot.holders.users import user_language
from bot.services import Services
from bot.texts import t
from db.models import Handover, User

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
    """A reply to a hand-over reaches the user; a reply to a booking notice waiting for a reason rejects it
    with that reason."""
    svc, message = services(context), update.effective_message
    replied_to = message.reply_to_message
    if replied_to.from_user is not None and replied_to.from_user.id == context.bot.id:
        booking_id = booking_asking_reason(replied_to.text or "")
        if booking_id is not None:
            await reject_with_reply(update, context, booking_id)
            return
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
    # Through the outbox: a reply of any length arrives (in parts), a blocked holder is a dead letter, and
    # a failure is retried rather than lost.
    room = TELEGRAM_LIMIT - telegram_length(t("staff_reply", lang, text=""))
    async with svc.db.session() as session:
        queued = [
            await outbox.enqueue(
                session, chat_id, t("staff_reply", lang, text=part), svc.clock(), user_id=handover.user_id
            )
            for part in escaped_pieces(text_of(update), room)
        ]
        mark_replied(await session.merge(handover), svc.clock())
        await session.flush()
        ids = [row.id for row in queued]
    await drain_outbox(context)
    states = set((await outbox.statuses(svc.db, ids)).values())
    key = (
        "staff_delivered"
        if states == {"sent"}
        else "staff_undeliverable"
        if "dead" in states
        else "staff_queued"
    )
    await message.reply_text(t(key, "zh"))


async def _posting_refused(
    svc: Services, handover: Handover, chat_id: int, text: str, reason: str, now: datetime
) -> None:
    try:
        async with svc.db.session() as session:
            (await session.merge(handover)).last_posted_at = now
            await outbox.record_dead(session, chat_id, text, reason, now, handover.user_id)
    except Exception:
        log.warning("hand-over %s: could not record the refusal", handover.id, exc_info=True)


_NOTICE_ID = re.compile(r"#(\d+)")


def booking_asking_reason(notice: str) -> int | None:
    """The booking of a staff notice on which ❌ was pressed (it then asks for a reason), else None."""
    first_line = notice.split("\n", 1)[0]
    match = _NOTICE_ID.search(first_line)
    return int(match.group(1)) if match and t("staff_reject_prompt", "zh") in notice else None


async def reject_with_reply(update: Update, context: ContextTypes.DEFAULT_TYPE, booking_id: int) -> None:
    from bot.handlers.booking import reject  # booking's handlers use is_staff from here

    svc, message = services(context), update.effective_message
    if not await is_staff(context, svc, message.from_user.id):
        await message.reply_text(t("staff_only", "zh"))
        return
    reason = text_of(update)[:200]
    if await reject(context, message.reply_to_message, booking_id, reason, message.from_user.first_name):
        await message.reply_text(t("staff_rejected_noted", "zh", id=booking_id))
    else:
        await message.reply_text(t("staff_already", "zh"))


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
    for handover in due:  # each on its own: one that fails never keeps the others from being posted
        user = names[handover.id]
        text = staff_post_text(
            svc,
            handover.id,
            user.first_name if user else "",
            user.card if user else None,
            handover.text,
            prefix=t("handover_repost", "zh") if handover.last_posted_at else "",
        )
        try:
            post = await context.bot.send_message(staff_chat, text)
            async with svc.db.session() as session:
                await record_post(session, await session.merge(handover), post.chat.id, post.message_id, now)
            log.info("hand-over %s posted again to the staff chat", handover.id)
        except Exception as error:  # noqa: BLE001  (classified below)
            failure = failure_of(error)
            log.warning("hand-over %s not posted: %s", handover.id, failure.reason)
            if failure.retry_after is not None:
                return  # Telegram's limit is per bot: the rest go on the next run, after its wait
            if failure.permanent:  # posting it again in 5 minutes would fail the same way: wait the hour
                await _posting_refused(svc, handover, staff_chat, text, failure.reason, now)
