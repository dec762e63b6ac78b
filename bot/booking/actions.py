"""Booking, channel-neutral: the form kept in the database, placing, staff decisions, cancelling.

Every change that someone must hear about writes its notification into the outbox in the same transaction.
"""

from __future__ import annotations

import html
import logging
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.booking import outbox, reminders
from bot.booking import store as bookings
from bot.booking.calendar import booking_ics
from bot.booking.form import (
    Draft,
    FormContext,
    Screen,
    answers,
    applies,
    back,
    choose,
    expects_text,
    quota_message,
    quota_refusal,
    screen,
    start_at,
    type_text,
)
from bot.booking.rules import Violation, last_day
from bot.booking.store import BookingBusy, BookingRequest
from bot.holders.actions import AWAITING_BOOKING, Who
from bot.holders.users import ensure_user, forget, user_language
from bot.kb.schema import BookingKind, BookingType
from bot.services import Services
from bot.texts import Lang, t
from db.models import Booking, BookingDraft, CardHolder, User


@dataclass(frozen=True)
class FormView:
    screen: Screen | None = None  # the next question (None: the form is over)
    notice: str | None = None  # an error to show above it, or the outcome
    booking: Booking | None = None
    cancelled_reminders: tuple[int, ...] = ()  # of the booking a change replaced: their jobs go too
    stale: bool = False  # a button of an older message: nothing was done
    message_id: int | None = None  # the message showing the form (edited in place)


def _types_for(svc: Services, card: str | None) -> dict[str, BookingType]:
    return {b.id: b for b in svc.knowledge.booking_types.values() if b.card == card}


async def _context(session: AsyncSession, svc: Services, user: User, draft: Draft, lang: Lang) -> FormContext:
    """Everything a step of the form may need, read once: the quota uses of each type it can reach (all
    of them while none is chosen) and, once the kind is known, the seats taken on every bookable day (a
    typed "明天下午3点" picks the day and the slot in one step)."""
    zone, now = svc.settings.tz, svc.clock()
    types = _types_for(svc, user.card)
    reachable = [types[draft.type]] if draft.type is not None else list(types.values())
    used: dict[str, dict[int, int]] = {}
    taken: dict[datetime, int] = {}
    for booking_type in reachable:
        if booking_type.yearly_quota is None:
            continue
        years = range(now.astimezone(zone).year, last_day(booking_type, now, zone).year + 1)
        used[booking_type.id] = {
            year: await bookings.quota_used(session, booking_type, user.card_number or "", year)
            for year in years
        }
        if draft.replaces is not None:  # a change moves the old booking's use: count it as free
            moved = await bookings.quota_year_of(session, draft.replaces)
            if moved is not None and moved in used[booking_type.id]:
                used[booking_type.id][moved] -= 1
    if draft.type is not None and draft.kind is not None and types[draft.type].timing == "slots":
        booking_type = types[draft.type]
        start = datetime.combine(now.astimezone(zone).date(), time(), zone)
        end = datetime.combine(last_day(booking_type, now, zone) + timedelta(days=1), time(), zone)
        taken = await bookings.seats_taken(session, booking_type, draft.kind, start, end)
    return FormContext(types, now, zone, lang, used, taken)


async def _load(session: AsyncSession, svc: Services, who: Who) -> tuple[User, Draft | None]:
    user = await ensure_user(session, who.user_id, who.first_name, who.lang, svc.clock())
    row = await session.get(BookingDraft, who.user_id)
    return user, Draft.from_json(row.data) if row else None


async def _save(session: AsyncSession, svc: Services, user_id: int, draft: Draft) -> None:
    row = await session.get(BookingDraft, user_id)
    if row is None:
        session.add(BookingDraft(user_id=user_id, data=draft.to_json(), updated_at=svc.clock()))
    else:
        row.data, row.updated_at = draft.to_json(), svc.clock()


async def _prefill(session: AsyncSession, user: User, draft: Draft, booking_type: BookingType) -> None:
    """Fill in what is known (bookings.yaml `prefill`): the registry's holder name, the last booking's
    values. They are shown on the confirm screen, where one tap accepts them or asks them again."""
    holder = await session.get(CardHolder, user.card_number) if user.card_number else None
    last = await bookings.last_booking(session, user.id, booking_type.id)
    for spec in booking_type.fields:
        if spec.id in draft.values:
            continue
        value = None
        if spec.prefill == "holder_name" and holder is not None:
            value = holder.holder_name
        elif spec.prefill == "last" and last is not None:
            value = last.fields.get(spec.id)
        if value:
            draft.values[spec.id] = value
            draft.prefilled.append(spec.id)


async def begin(svc: Services, who: Who, replaces: int | None = None, type_id: str | None = None) -> FormView:
    """Start (or restart) the form. Everything that would refuse the booking at the end and can be known
    now is checked now: a bound, valid card of a programme with booking types, and quota left. The view's
    `message_id` is the message of the form this one replaces (its buttons are to go)."""
    async with svc.db.session() as session:
        user, previous = await _load(session, svc, who)
        view = await _begin(session, svc, who, user, replaces, type_id)
    return replace(view, message_id=previous.message_id if previous else None)


async def _begin(
    session: AsyncSession, svc: Services, who: Who, user: User, replaces: int | None, type_id: str | None
) -> FormView:
    now = svc.clock()
    if user.card_number is None:
        return FormView(notice=t("book_needs_card", who.lang))
    holder = await session.get(CardHolder, user.card_number)
    if holder is not None and holder.valid_until < now.astimezone(svc.settings.tz).date():
        return FormView(notice=t("book_card_expired", who.lang, date=f"{holder.valid_until}"))
    types = _types_for(svc, user.card)
    if type_id is not None:
        types = {k: v for k, v in types.items() if k == type_id} or types
    if not types:
        return FormView(notice=t("book_nothing", who.lang))
    draft = Draft(replaces=replaces)
    if replaces is not None:
        old = await bookings.own_booking(session, replaces, who.user_id)
        if old is None or not bookings.changeable(old, now):
            return FormView(notice=t("not_yours", who.lang))
        draft.type, draft.kind = old.type, old.kind
        draft.values = dict(old.fields)
        draft.prefilled = list(old.fields)
    elif len(types) == 1:
        draft.type = next(iter(types))
        await _prefill(session, user, draft, types[draft.type])
    ctx = await _context(session, svc, user, draft, who.lang)
    if draft.type is not None and replaces is None:
        refusal = quota_refusal(ctx.types[draft.type], ctx)
        if refusal is not None:
            return FormView(notice=refusal)
    await _save(session, svc, who.user_id, draft)
    user.awaiting = AWAITING_BOOKING
    return FormView(screen(draft, ctx))


async def attach_message(svc: Services, who: Who, message_id: int) -> None:
    """The message now showing the form: only its buttons act on it from here on."""
    async with svc.db.session() as session:
        _, draft = await _load(session, svc, who)
        if draft is not None:
            draft.message_id = message_id
            await _save(session, svc, who.user_id, draft)


async def form_message(svc: Services, who: Who) -> int | None:
    async with svc.db.session() as session:
        _, draft = await _load(session, svc, who)
        return draft.message_id if draft else None


async def current(svc: Services, who: Who) -> FormView | None:
    """The form where the user left it (after a restart too), or None."""
    async with svc.db.session() as session:
        user, draft = await _load(session, svc, who)
        if draft is None:
            return None
        return FormView(
            screen(draft, await _context(session, svc, user, draft, who.lang)), message_id=draft.message_id
        )


async def waits_for_text(svc: Services, who: Who) -> bool:
    """Whether the open form's current step is a typed one (else its buttons are the way on)."""
    async with svc.db.session() as session:
        user, draft = await _load(session, svc, who)
    if draft is None:
        return False
    # The step depends on the draft and the types alone: no counts to read, no screen to build.
    types = _types_for(svc, user.card)
    return expects_text(draft, FormContext(types, svc.clock(), svc.settings.tz, who.lang))


async def _step(
    svc: Services, who: Who, action: str, value: str = "", message_id: int | None = None
) -> FormView | None:
    """One answer. `message_id`: the message whose button was pressed; an older one is refused."""
    async with svc.db.session() as session:
        user, draft = await _load(session, svc, who)
        if draft is None:
            return None
        if message_id is not None and draft.message_id is not None and message_id != draft.message_id:
            return FormView(notice=t("button_expired", who.lang), stale=True)
        ctx = await _context(session, svc, user, draft, who.lang)
        had_type = draft.type
        if action == "back":
            back(draft, ctx)
            error = None
        elif action == "choose":
            error = choose(draft, value, ctx)
        else:
            error = type_text(draft, value, ctx)
        if had_type is None and draft.type is not None:
            await _prefill(session, user, draft, ctx.types[draft.type])
            refusal = quota_refusal(ctx.types[draft.type], ctx)
            if refusal is not None:
                draft.type = None
                error = refusal
        await _save(session, svc, who.user_id, draft)
        return FormView(screen(draft, ctx), notice=error, message_id=draft.message_id)


async def press(svc: Services, who: Who, value: str, message_id: int | None = None) -> FormView | None:
    return await _step(svc, who, "choose", value, message_id)


async def typed(svc: Services, who: Who, text: str) -> FormView | None:
    return await _step(svc, who, "text", text)


async def go_back(svc: Services, who: Who, message_id: int | None = None) -> FormView | None:
    return await _step(svc, who, "back", message_id=message_id)


async def _close_form(session: AsyncSession, user_id: int) -> None:
    row = await session.get(BookingDraft, user_id)
    if row is not None:
        await session.delete(row)
    user = await session.get(User, user_id)
    if user is not None and user.awaiting == AWAITING_BOOKING:
        user.awaiting = None


async def abandon(svc: Services, who: Who) -> None:
    async with svc.db.session() as session:
        await _close_form(session, who.user_id)


def staff_brief(svc: Services, booking: Booking, heading: str) -> str:
    """Number, type and time: all staff need to find a booking they have already seen in full (a
    cancellation, a change, a nudge), so the holder's details are not posted in the group again."""
    booking_type = svc.knowledge.booking_types[booking.type]
    start = booking.starts_at.astimezone(svc.settings.tz)
    return "\n".join(
        [
            f"<b>{html.escape(heading)} #{booking.id}</b>",
            html.escape(booking_type.describe(booking.kind, "zh")),
            t("form_time_line", "zh", day=f"{start:%Y-%m-%d}", at=f"{start:%H:%M}"),
        ]
    )


def staff_notice(svc: Services, booking: Booking, holder: CardHolder | None, heading: str) -> str:
    """Every field, once, for the staff who arrange a new booking; escaped."""
    booking_type = svc.knowledge.booking_types[booking.type]
    kind = booking_type.kind(booking.kind)
    # The holder's name is named once: by the card line, unless a field (持卡人姓名) already says it.
    name = holder.holder_name if holder and holder.holder_name not in booking.fields.values() else ""
    number = html.escape(booking.card_number)
    card = t("staff_card_holder", "zh", name=html.escape(name), card=number) if name else number
    lines = [staff_brief(svc, booking, heading), t("staff_card_line", "zh", card=card)]
    if kind and kind.service_point:
        lines.append(t("form_service_point", "zh", point=html.escape(kind.service_point)))
    for spec in booking_type.fields:
        if spec.id in booking.fields and applies(spec, booking.kind, booking.fields):
            label, value = html.escape(spec.label.zh), html.escape(booking.fields[spec.id])
            lines.append(t("field_line", "zh", label=label, value=value))
    if booking.reason:
        lines.append(t("staff_reason_line", "zh", reason=html.escape(booking.reason)))
    return "\n".join(lines)


log = logging.getLogger(__name__)


def log_state_change(booking_id: int, status: str, detail: str) -> None:
    """One line per committed state change, for operators: ids and states only, never personal data."""
    log.info("booking %d -> %s (%s)", booking_id, status, detail)


def staff_buttons(booking_id: int) -> list[list[tuple[str, str]]]:
    # The id alone is safe: ids are never reused (db.models.NEVER_REUSED), so an old button cannot reach
    # a later booking.
    return [
        [
            (t("button_staff_confirm", "zh"), f"st:ok:{booking_id}"),
            (t("button_staff_reject", "zh"), f"st:no:{booking_id}"),
        ]
    ]


def staff_chat(svc: Services, booking_type: BookingType) -> int | None:
    return booking_type.staff_chat_id or svc.settings.staff_chat_id


async def confirm(svc: Services, who: Who, token: str) -> FormView:
    now = svc.clock()
    async with svc.db.session() as session:
        user, draft = await _load(session, svc, who)
    if draft is None or draft.token != token:
        async with svc.db.session() as session:  # a second tap after the first one placed it
            existing = (
                await session.execute(
                    select(Booking).where(Booking.request_key == token, Booking.user_id == who.user_id)
                )
            ).scalar_one_or_none()
        return FormView(notice=t("book_already" if existing else "book_expired", who.lang), booking=existing)
    booking_type = svc.knowledge.booking_types[draft.type]  # type: ignore[index]
    request = BookingRequest(
        user_id=who.user_id,
        chat_id=who.user_id,
        card_number=user.card_number or "",
        kind=draft.kind or "",
        starts_at=start_at(draft, svc.settings.tz),
        fields=answers(draft, booking_type),
        request_key=draft.token,
    )

    replaced: list[Booking] = []
    cancelled_reminders: list[int] = []

    async def free_old(session: AsyncSession) -> None:
        """A change frees the old booking's quota use and seat first, in the same transaction: with the
        yearly quota used up the new booking takes the old one's use, and if it cannot be placed nothing
        is cancelled."""
        replaced.clear(), cancelled_reminders.clear()
        if draft.replaces is None:
            return
        old = await bookings.cancel(session, draft.replaces, who.user_id, now)
        if old is not None:
            replaced.append(old)
            cancelled_reminders.extend(await reminders.cancel_for(session, old.id))

    async def announce(session: AsyncSession, booking: Booking) -> None:
        holder = await session.get(CardHolder, booking.card_number)
        chat = staff_chat(svc, booking_type)
        if chat is not None:
            for old in replaced:
                notice = staff_brief(svc, old, t("staff_changed", "zh", id=booking.id))
                await outbox.enqueue(session, chat, notice, now, user_id=who.user_id)
            await outbox.enqueue(
                session,
                chat,
                staff_notice(svc, booking, holder, t("staff_new", "zh")),
                now,
                buttons=staff_buttons(booking.id),
                user_id=who.user_id,
            )
        await _close_form(session, who.user_id)

    try:
        placed = await bookings.place_booking(
            svc.db, booking_type, request, now, before=free_old, also=announce
        )
    except BookingBusy:
        return FormView(notice=t("book_busy", who.lang))
    if placed.booking is None:  # the slot filled up, the quota ran out, or time moved past the notice limit
        violation = placed.violations[0]
        reason = violation.text.of(who.lang)
        if violation.code == "quota":  # no date would do: close the form rather than leave a dead button
            await abandon(svc, who)
            return FormView(notice=quota_message(violation, booking_type, who.lang))
        async with svc.db.session() as session:  # back to the time step, so the holder can pick another
            user, draft = await _load(session, svc, who)
            if draft is None:
                return FormView(notice=reason)
            draft.at = None
            await _save(session, svc, who.user_id, draft)
            return FormView(screen(draft, await _context(session, svc, user, draft, who.lang)), notice=reason)
    if draft.replaces is not None:
        log_state_change(draft.replaces, "cancelled", "changed by the holder")
    log_state_change(placed.booking.id, placed.booking.status, f"{placed.booking.type}/{placed.booking.kind}")
    return FormView(
        notice=t("book_submitted", who.lang, id=placed.booking.id),
        booking=placed.booking,
        cancelled_reminders=tuple(cancelled_reminders) if not placed.duplicate else (),
    )


UNDO_WINDOW = timedelta(minutes=5)  # a rejection can be taken back this long; the holder hears after it


@dataclass(frozen=True)
class Decided:
    booking: Booking
    reminders: list[tuple[int, datetime]]  # (id, due) to put on the scheduler


async def decide(svc: Services, booking_id: int, approve: bool, reason: str | None = None) -> Decided | None:
    """Staff confirm or reject; the holder hears of it through the outbox (with an .ics when confirmed), and
    a confirmed booking gets its reminders. A rejection's notice waits out UNDO_WINDOW."""
    now = svc.clock()
    async with svc.db.session() as session:
        booking = await bookings.decide(session, booking_id, approve, reason, now)
        if booking is None:
            return None
        scheduled = (
            reminders.schedule_for(session, booking, svc.knowledge.booking_types[booking.type])
            if approve
            else []
        )
        user = await session.get(User, booking.user_id)
        lang = user_language(user)
        booking_type = svc.knowledge.booking_types[booking.type]
        kind = booking_type.kind(booking.kind)
        start = booking.starts_at.astimezone(svc.settings.tz)
        what = booking_type.describe(booking.kind, "zh")
        if approve:
            place = (kind.service_point or kind.title.zh) if kind else ""
            duration = timedelta(minutes=booking_type.slot_minutes or 60)
            ics = booking_ics(
                booking.id,
                what,
                start,
                duration,
                place,
                booking_type.changes_contact or "",
                booking_type.reminder_offsets_minutes,
                created=booking.created_at,
            )
            text = t(
                "book_confirmed", lang, id=booking.id, what=html.escape(what), at=f"{start:%Y-%m-%d %H:%M}"
            )
            await outbox.enqueue(
                session,
                booking.chat_id,
                text,
                now,
                document=ics,
                document_name=f"booking-{booking.id}.ics",
                user_id=booking.user_id,
            )
        else:
            text = t(
                "book_rejected",
                lang,
                id=booking.id,
                what=html.escape(what),
                at=f"{start:%Y-%m-%d %H:%M}",
                reason=html.escape(booking.reason or ""),
                decided=f"{now.astimezone(svc.settings.tz):%Y-%m-%d %H:%M}",
                contact=html.escape(_contact(booking_type, kind)),
            )
            await outbox.enqueue(
                session, booking.chat_id, text, now, not_before=now + UNDO_WINDOW, user_id=booking.user_id
            )
        await session.flush()
        decided = Decided(booking, [(r.id, r.due_at) for r in scheduled])
    log_state_change(booking.id, booking.status, "staff decision")
    return decided


def _contact(booking_type: BookingType, kind: BookingKind | None) -> str:
    """Whom the holder calls about a booking: the hospital's green channel, or the service's line."""
    return (kind.phone if kind is not None and kind.phone else None) or booking_type.changes_contact or ""


async def undo_rejection(svc: Services, booking_id: int) -> Booking | str:
    """Staff take a rejection back within UNDO_WINDOW; the held notice is withdrawn. A str says why not."""
    now = svc.clock()
    async with svc.db.session() as session:
        booking = await session.get(Booking, booking_id)
        if booking is None:
            return t("staff_undo_late", "zh")
        decided_at = booking.decided_at
        result = await bookings.undo_rejection(
            session, svc.knowledge.booking_types[booking.type], booking_id, now, UNDO_WINDOW
        )
        if result is None:
            return t("staff_undo_late", "zh")
        if isinstance(result, Violation):
            return t("staff_undo_taken", "zh", reason=result.text.of("zh"))
        if decided_at is not None and not await outbox.withdraw(session, result.chat_id, decided_at):
            user = await session.get(User, result.user_id)
            await outbox.enqueue(
                session, result.chat_id, t("book_reopened", user_language(user), id=result.id), now
            )
        return result


@dataclass(frozen=True)
class Cancelled:
    booking: Booking
    reminders: list[int]  # cancelled reminder ids: the caller removes their scheduler jobs


async def cancel_booking(svc: Services, who: Who, booking_id: int) -> Cancelled | None:
    now = svc.clock()
    async with svc.db.session() as session:
        booking = await bookings.cancel(session, booking_id, who.user_id, now)
        if booking is None:
            return None
        cancelled = await reminders.cancel_for(session, booking.id)
        booking_type = svc.knowledge.booking_types[booking.type]
        if (chat := staff_chat(svc, booking_type)) is not None:
            notice = staff_brief(svc, booking, t("staff_cancelled", "zh"))
            await outbox.enqueue(session, chat, notice, now, user_id=who.user_id)
        result = Cancelled(booking, cancelled)
    log_state_change(booking.id, booking.status, "cancelled by the holder")
    return result


async def forget_holder(svc: Services, who: Who) -> list[int]:
    """/forget, in one transaction: upcoming bookings are cancelled (staff told, without personal data),
    every booking is kept anonymised (its quota use stays with the card: forgetting and binding again
    gives no new quota, and the binding lockout stays too), unsent messages about the holder are dropped
    and sent ones emptied, then the user and their questions, votes and hand-overs are deleted. Returns
    the cancelled reminder ids (their scheduler jobs go too)."""
    now = svc.clock()
    cancelled: list[int] = []
    await svc.questions.flush()  # their questions still waiting to be written go with the rest
    async with svc.db.session() as session:
        for booking in await bookings.bookings_of(session, who.user_id, limit=None):
            cancelled += await reminders.cancel_for(session, booking.id)
            if bookings.changeable(booking, now):
                await bookings.cancel(session, booking.id, who.user_id, now)
                log_state_change(booking.id, "cancelled", "the holder used /forget")
                chat = staff_chat(svc, svc.knowledge.booking_types[booking.type])
                if chat is not None:
                    await outbox.enqueue(session, chat, forgotten_notice(svc, booking), now)
            bookings.anonymise(booking)
        await outbox.purge_user(session, who.user_id)
        await forget(session, who.user_id)
    return cancelled


def forgotten_notice(svc: Services, booking: Booking) -> str:
    """What staff need to free the slot, nothing about the person."""
    booking_type = svc.knowledge.booking_types[booking.type]
    start = booking.starts_at.astimezone(svc.settings.tz)
    what = booking_type.describe(booking.kind, "zh")
    return t("staff_forgotten", "zh", id=booking.id, what=html.escape(what), at=f"{start:%Y-%m-%d %H:%M}")


@dataclass(frozen=True)
class ReminderItem:
    reminder_id: int
    at: str  # MM-DD HH:MM in TIMEZONE
    line: str


async def reminder_list(svc: Services, who: Who) -> list[ReminderItem]:
    """The holder's upcoming reminders, as /reminders lists them in every channel."""
    zone = svc.settings.tz
    async with svc.db.session() as session:
        upcoming = await reminders.upcoming_for(session, who.user_id, svc.clock())
    items = []
    for item in upcoming:
        at = f"{item.reminder.due_at.astimezone(zone):%m-%d %H:%M}"
        booking_type = svc.knowledge.booking_types[item.booking.type]
        title = booking_type.title.of(who.lang)
        items.append(ReminderItem(item.reminder.id, at, f"{at} · #{item.booking.id} {title}"))
    return items


async def mute_reminder(svc: Services, who: Who, reminder_id: int) -> bool:
    async with svc.db.session() as session:
        return await reminders.mute(session, reminder_id, who.user_id)


async def my_bookings(svc: Services, who: Who) -> list[Booking]:
    async with svc.db.session() as session:
        return await bookings.bookings_of(session, who.user_id)


async def own_booking(svc: Services, who: Who, booking_id: int) -> Booking | None:
    """One of the holder's bookings by id, however old (None: no such booking, or someone else's)."""
    async with svc.db.session() as session:
        return await bookings.own_booking(session, booking_id, who.user_id)


def booking_line(svc: Services, booking: Booking, lang: Lang) -> str:
    booking_type = svc.knowledge.booking_types[booking.type]
    status = t(f"status_{booking.status}", lang)
    what = booking_type.describe(booking.kind, lang)
    return f"#{booking.id} {booking.starts_at.astimezone(svc.settings.tz):%Y-%m-%d %H:%M} {what} [{status}]"


async def agenda_text(svc: Services, day: date) -> str:
    """The bookings (pending or confirmed) of one day in TIMEZONE, for the staff chat."""
    zone = svc.settings.tz
    start = datetime.combine(day, time(), zone)
    async with svc.db.session() as session:
        booked = await reminders.day_agenda(session, start, start + timedelta(days=1))
    today = svc.clock().astimezone(zone).date()
    title = "agenda_title" if day == today else "agenda_day_title"
    if not booked:
        return t("agenda_none" if day == today else "agenda_day_none", "zh", day=day.isoformat())
    return "\n".join(
        [t(title, "zh", day=day.isoformat())] + [html.escape(booking_line(svc, b, "zh")) for b in booked]
    )


async def pending_text(svc: Services) -> str:
    """Every booking still waiting for a staff decision, soonest first, with its holder."""
    async with svc.db.session() as session:
        waiting = await bookings.pending(session)
    if not waiting:
        return t("pending_none", "zh")
    lines = [t("pending_title", "zh", count=len(waiting))]
    for booking, holder in waiting:
        name = f" · {holder.holder_name}" if holder else ""
        lines.append(html.escape(booking_line(svc, booking, "zh") + name))
    return "\n".join(lines)


async def post_agenda(svc: Services) -> bool:
    """Today's agenda (in TIMEZONE) into the outbox for the staff chat; False without a staff chat."""
    if svc.settings.staff_chat_id is None:
        return False
    now = svc.clock()
    text = await agenda_text(svc, now.astimezone(svc.settings.tz).date())
    async with svc.db.session() as session:
        await outbox.enqueue(session, svc.settings.staff_chat_id, text, now)
    return True


async def raise_waiting(svc: Services) -> int:
    """Pending bookings without a staff decision for an hour go to the staff chat again (at most hourly)."""
    now = svc.clock()
    raised = 0
    async with svc.db.session() as session:
        for booking in await reminders.waiting_for_staff(session, now):
            chat = staff_chat(svc, svc.knowledge.booking_types[booking.type])
            if chat is None:
                continue
            notice = staff_brief(svc, booking, t("staff_waiting", "zh"))
            await outbox.enqueue(
                session, chat, notice, now, buttons=staff_buttons(booking.id), user_id=booking.user_id
            )
            booking.raised_at = now
            raised += 1
    return raised


@dataclass(frozen=True)
class DueReminder:
    chat_id: int
    text: str
    user_id: int | None


async def take_reminder(svc: Services, reminder_id: int, booking_id: int | None = None) -> DueReminder | None:
    """Claim a reminder for sending. None: nothing to send (sent, muted or cancelled already, another
    instance has it, the booking is no longer confirmed, or the appointment has begun: dropped and logged).
    `booking_id`, from the job, must be the reminder's own booking."""
    now = svc.clock()
    async with svc.db.session() as session:
        claimed = await reminders.claim(session, reminder_id, now, booking_id)
        if claimed is None:
            return None
        booking, user = claimed
        if booking.status != "confirmed":
            await reminders.finish(session, reminder_id, "cancelled", now)
            return None
        if booking.starts_at <= now:
            await reminders.finish(session, reminder_id, "dropped", now)
            log.info(
                "reminder %s dropped: booking %s began at %s, before it could be sent",
                reminder_id,
                booking.id,
                booking.starts_at.isoformat(),
            )
            return None
        booking_type = svc.knowledge.booking_types[booking.type]
        text = reminders.reminder_text(booking, booking_type, user_language(user), svc.settings.tz)
        return DueReminder(booking.chat_id, text, booking.user_id)


async def reminder_done(svc: Services, reminder_id: int, sent: bool) -> None:
    """Sent; or given back to be tried again when the send failed for now."""
    async with svc.db.session() as session:
        await reminders.finish(session, reminder_id, "sent" if sent else "scheduled", svc.clock())


async def reminder_refused(svc: Services, reminder_id: int, due: DueReminder, reason: str) -> None:
    """Telegram refused it for good (the holder blocked the bot): never tried again, kept as a dead letter."""
    now = svc.clock()
    async with svc.db.session() as session:
        await reminders.finish(session, reminder_id, "failed", now)
        await outbox.record_dead(
            session, due.chat_id, html.escape(due.text), reason, now, user_id=due.user_id
        )
