"""What a card holder can do, channel-neutral: Telegram handlers and the console both call these.

Each function is one unit of work in the database; none sends anything, so a slow network never holds
a transaction open.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select

from bot.answers.handover import open_handover, record_post
from bot.answers.log import own_question, record_vote
from bot.answers.qa import Answer
from bot.answers.smalltalk import SmallTalk, command_in_words, small_talk
from bot.holders.registry import BindResult, bind_card
from bot.holders.users import ensure_user, holder_of, set_card
from bot.kb.schema import Entry
from bot.services import Services
from bot.texts import Lang, t
from db.models import Handover, User

AWAITING_CARD_NUMBER = "card_number"
AWAITING_MOBILE = "card_mobile"  # the registry has a mobile for the number just sent: it is asked for
AWAITING_BOOKING = "booking"  # a booking form is open: plain text fills its current field
# A question within this time of the last one may be a follow-up of it (要带什么材料 after 落户).
FOLLOW_UP_WINDOW = timedelta(minutes=10)


@dataclass(frozen=True)
class Who:
    user_id: int
    first_name: str
    lang: Lang


@dataclass(frozen=True)
class Asked:
    question_id: int
    answer: Answer
    tier: str | None


@dataclass(frozen=True)
class Chat:
    """A greeting, thanks or acknowledgement, answered in kind."""

    kind: SmallTalk


@dataclass(frozen=True)
class Wants:
    """A command asked for in words (我的预约): run it as if it had been sent."""

    command: str


@dataclass(frozen=True)
class Profile:
    card: str | None
    tier: str | None


@dataclass(frozen=True)
class HandoverRequest:
    handover: Handover
    card: str | None
    first_time: bool  # False: already posted (a second tap), nothing more to send


async def profile(svc: Services, who: Who) -> Profile:
    async with svc.db.session() as session:
        user = await ensure_user(session, who.user_id, who.first_name, who.lang, svc.clock())
        holder = await holder_of(session, user)
        return Profile(user.card, holder.tier if holder else None)


@dataclass(frozen=True)
class DeepLink:
    """Where a t.me/<bot>?start=<payload> link (a QR code on a card or poster) leads."""

    card: str | None
    booking_type: str | None = None


def deep_link(svc: Services, payload: str) -> DeepLink | None:
    """`baiyun`: that card chosen; `book-airport`: its card chosen and the booking form opened."""
    if payload in svc.knowledge.cards:
        return DeepLink(payload)
    booking_type = svc.knowledge.booking_types.get(payload.removeprefix("book-"))
    if payload.startswith("book-") and booking_type is not None:
        return DeepLink(booking_type.card, booking_type.id)
    return None


async def language_choices(svc: Services) -> dict[int, Lang]:
    """Every /language choice (only users who made one)."""
    async with svc.db.session() as session:
        rows = await session.execute(
            select(User.id, User.language_choice).where(User.language_choice.is_not(None))
        )
        return {user_id: "en" if choice == "en" else "zh" for user_id, choice in rows.all()}


async def choose_language(svc: Services, who: Who, lang: Lang) -> None:
    """/language: kept per user, and used from then on (also for messages sent later: outcomes, reminders)."""
    async with svc.db.session() as session:
        user = await ensure_user(session, who.user_id, who.first_name, lang, svc.clock())
        user.language_choice = lang


async def choose_card(svc: Services, who: Who, card: str) -> bool:
    if card not in svc.knowledge.cards:
        return False
    async with svc.db.session() as session:
        user = await ensure_user(session, who.user_id, who.first_name, who.lang, svc.clock())
        await set_card(session, user, card)
    return True


async def expect_card_number(svc: Services, who: Who, expecting: bool) -> None:
    """The next plain text is a card number (or, with False, no longer)."""
    async with svc.db.session() as session:
        user = await ensure_user(session, who.user_id, who.first_name, who.lang, svc.clock())
        user.awaiting = AWAITING_CARD_NUMBER if expecting else None
        user.pending_card_number = None


def _bind_text(svc: Services, result: BindResult, lang: Lang) -> str:
    holder = result.holder
    if result.status == "bound" and holder is not None:
        card = svc.knowledge.cards[holder.card]
        return t(
            "bind_ok",
            lang,
            holder=holder.holder_name,
            card=svc.card_name(holder.card, lang),
            tier=card.tiers.get(holder.tier, holder.tier),
        )
    if result.status == "wrong":
        return t("bind_wrong", lang, left=result.tries_left)
    if result.status == "need_mobile":
        return t("bind_need_mobile", lang)
    if result.status == "wrong_mobile":
        return t("bind_wrong_mobile", lang, left=result.tries_left)
    if result.status == "locked" and result.retry_after is not None:
        return t("bind_locked", lang, minutes=max(1, -(-int(result.retry_after.total_seconds()) // 60)))
    if result.status == "expired" and holder is not None:
        return t("bind_expired", lang, date=holder.valid_until.isoformat())
    return t("bind_taken", lang)


async def bind(svc: Services, who: Who, text: str, mobile_only: bool = False) -> tuple[BindResult, str]:
    """`text` is "NUMBER [MOBILE]"; with `mobile_only` it is the mobile for the number sent before."""
    now = svc.clock()
    async with svc.db.session() as session:
        user = await ensure_user(session, who.user_id, who.first_name, who.lang, now)
        if mobile_only:
            number, mobile = user.pending_card_number or "", text.strip()
        else:
            number, _, mobile = text.strip().partition(" ")
        today = now.astimezone(svc.settings.tz).date()
        result = await bind_card(session, user, number, now, today, mobile.strip() or None)
        # A wrong number may be a typo: keep reading numbers (or the mobile). Otherwise stop, so questions
        # work again.
        user.awaiting = {
            "wrong": AWAITING_CARD_NUMBER,
            "need_mobile": AWAITING_MOBILE,
            "wrong_mobile": AWAITING_MOBILE,
        }.get(result.status)
        if result.status == "need_mobile" and result.holder is not None:
            user.pending_card_number = result.holder.card_number
        elif result.status != "wrong_mobile":
            user.pending_card_number = None
    return result, _bind_text(svc, result, who.lang)


async def ask(
    svc: Services, who: Who, text: str, form_waits_for_buttons: bool = False
) -> Asked | Chat | Wants | tuple[BindResult, str] | None:
    """A plain text: None when a booking form is open (the text may be for the form: the caller decides),
    a greeting or thanks, a command asked for in words, a card number when one is expected, otherwise a
    question (answered and logged).
    With `form_waits_for_buttons`, an open form is at a step of buttons, so the text is not for it."""
    now = svc.clock()
    sender = await svc.senders.read(who.user_id, who.first_name, who.lang)
    if sender.awaiting == AWAITING_BOOKING and not form_waits_for_buttons:
        return None
    if (chat := small_talk(text, svc.knowledge.matching)) is not None:
        return Chat(chat)
    if (command := command_in_words(text, svc.knowledge.matching)) is not None:
        return Wants(command)
    if sender.awaiting in (AWAITING_CARD_NUMBER, AWAITING_MOBILE) and not form_waits_for_buttons:
        return await bind(svc, who, text, mobile_only=sender.awaiting == AWAITING_MOBILE)
    # Matched outside the transaction; logged behind the reply, once the user row is committed.
    recent = sender.last_asked is not None and now - sender.last_asked <= FOLLOW_UP_WINDOW
    answer = svc.answerer.answer(text, sender.card, sender.last_entry if recent else None)
    return Asked(await svc.questions.add(who.user_id, sender.card, answer, now), answer, sender.tier)


async def ask_follow_up(svc: Services, who: Who, question_id: int) -> Asked | None:
    """The second question of a two-question message (offered as a button), asked as a question of its
    own; None if the question is not this user's or has no second question."""
    await svc.questions.written(question_id)
    async with svc.db.session() as session:
        question = await own_question(session, question_id, who.user_id)
        if question is None:
            return None
        text, card = question.text, question.card
    follow_up = svc.answerer.answer(text, card).follow_up
    if follow_up is None:
        return None
    asked = await ask(svc, who, follow_up, form_waits_for_buttons=True)
    return asked if isinstance(asked, Asked) else None


async def open_suggestion(svc: Services, who: Who, question_id: int, entry_id: str) -> Entry | None:
    """The suggested entry, if the question is this user's own; the question's outcome is recorded."""
    entry = svc.knowledge.by_id.get(entry_id)
    if entry is None:
        return None
    await svc.questions.written(question_id)
    async with svc.db.session() as session:
        question = await own_question(session, question_id, who.user_id)
        if question is None:
            return None
        question.outcome, question.entry_id = "alternative", entry.id
    return entry


async def vote(svc: Services, who: Who, question_id: int, value: int) -> bool:
    await svc.questions.written(question_id)
    async with svc.db.session() as session:
        return await record_vote(session, question_id, who.user_id, value, svc.clock())


async def hand_over(svc: Services, who: Who, question_id: int, chat_id: int) -> HandoverRequest | None:
    await svc.questions.written(question_id)
    async with svc.db.session() as session:
        question = await own_question(session, question_id, who.user_id)
        if question is None:
            return None
        handover = await open_handover(session, question, chat_id, svc.clock())
        return HandoverRequest(handover, question.card, handover.last_posted_at is None)


async def posted(svc: Services, handover: Handover, chat_id: int, message_id: int) -> None:
    async with svc.db.session() as session:
        await record_post(session, await session.merge(handover), chat_id, message_id, svc.clock())
