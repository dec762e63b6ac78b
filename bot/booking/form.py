"""The guided booking form as a pure state machine: what to ask next, and what an answer does.

The draft is plain data (kept as JSON in the database, so a restart or another instance continues it).
The current step is derived from what is filled in, so "back" is simply un-filling the last thing.
Only fields that apply are asked (their `when` in bookings.yaml); what is known is filled in beforehand
(`prefill`) and shown on the confirm screen, so a returning holder confirms it with one tap.
"""

from __future__ import annotations

import calendar
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Literal
from zoneinfo import ZoneInfo

from bot.booking.fields import NO, NONE, YES, parse_field, shown_value
from bot.booking.rules import Violation, bookable_days, check_time, free_slots, last_day, quota_violation
from bot.booking.when import parse_when
from bot.kb.schema import BookingField, BookingType
from bot.texts import Lang, t, weekday_name

Step = Literal["type", "kind", "date", "time", "field", "confirm"]
EDIT_PREFILLED = "edit"  # the confirm screen's "change the filled-in details" choice
OFFERED = "offer"  # a field's one-tap choice: the value it had before "edit"
MONTH = "m:"  # calendar paging: m:YYYY-MM
_NONE_WORDS = ("无", "没有", "none", "no")


@dataclass
class Draft:
    token: str = field(default_factory=lambda: secrets.token_hex(8))
    type: str | None = None
    kind: str | None = None
    day: str | None = None  # YYYY-MM-DD in the rules' zone
    at: str | None = None  # HH:MM
    values: dict[str, str] = field(default_factory=dict)
    replaces: int | None = None  # the booking this one changes (cancelled once this one is placed)
    month: str | None = None  # the calendar page shown, YYYY-MM
    prefilled: list[str] = field(default_factory=list)  # fields filled in beforehand, not typed
    offers: dict[str, str] = field(default_factory=dict)  # one-tap values once the holder chose to edit
    note: str | None = None  # the last answer echoed back ("下午三点 → 15:00")
    message_id: int | None = None  # the one message showing this form (its buttons are the live ones)

    def to_json(self) -> dict[str, object]:
        return dict(self.__dict__)

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> Draft:
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})  # type: ignore[arg-type]


@dataclass(frozen=True)
class Choice:
    label: str
    value: str  # "" for a placeholder (a calendar day that cannot be booked): shown, never chosen


@dataclass(frozen=True)
class Screen:
    step: Step
    text: str
    choices: tuple[Choice, ...] = ()  # what can be chosen, in order
    expects_text: bool = False
    rows: tuple[tuple[Choice, ...], ...] = ()  # a layout with placeholders (the calendar); else one a row
    columns: int = 1  # without rows: choices per row


@dataclass(frozen=True)
class FormContext:
    """What the form needs from outside: the types this holder may book, time, and the database's counts."""

    types: Mapping[str, BookingType]
    now: datetime
    zone: ZoneInfo
    lang: Lang
    quota_used: Mapping[str, Mapping[int, int]] = field(default_factory=dict)  # per type: uses per year
    taken: Mapping[datetime, int] = field(default_factory=dict)  # seats per slot, every bookable day

    def used(self, booking: BookingType, year: int) -> int:
        return self.quota_used.get(booking.id, {}).get(year, 0)


def _label(spec: BookingField, ctx: FormContext) -> str:
    return spec.label.of(ctx.lang)


def applies(spec: BookingField, kind: str | None, values: Mapping[str, str]) -> bool:
    """Whether a field is asked for this kind and these answers (its `when` in bookings.yaml)."""
    condition = spec.when
    if condition is None:
        return True
    if condition.kinds is not None and kind not in condition.kinds:
        return False
    if condition.field is not None:
        count = values.get(condition.field, "0")
        return count.isdigit() and int(count) >= condition.min
    return True


def answers(draft: Draft, booking: BookingType) -> dict[str, str]:
    """The values that go into the booking: those of the fields that apply."""
    return {
        f.id: draft.values[f.id]
        for f in booking.fields
        if f.id in draft.values and applies(f, draft.kind, draft.values)
    }


def step_of(draft: Draft, ctx: FormContext) -> Step:
    if draft.type is None:
        return "type"
    if draft.kind is None:
        return "kind"
    if draft.day is None:
        return "date"
    if draft.at is None:
        return "time"
    if next_field(draft, ctx) is not None:
        return "field"
    return "confirm"


def expects_text(draft: Draft, ctx: FormContext) -> bool:
    """Whether the current step takes typed input, as its screen says, without building the screen."""
    step = step_of(draft, ctx)
    if step == "field":
        return next_field(draft, ctx).kind != "yes_no"  # type: ignore[union-attr]
    return step in ("date", "time")


def next_field(draft: Draft, ctx: FormContext) -> BookingField | None:
    booking = ctx.types[draft.type]  # type: ignore[index]
    return next(
        (f for f in booking.fields if f.id not in draft.values and applies(f, draft.kind, draft.values)), None
    )


def start_at(draft: Draft, zone: ZoneInfo) -> datetime:
    return datetime.combine(date.fromisoformat(draft.day), time.fromisoformat(draft.at), zone)  # type: ignore[arg-type]


def _year(draft: Draft, ctx: FormContext) -> int:
    return int(draft.day[:4]) if draft.day else ctx.now.astimezone(ctx.zone).year


def quota_line(booking: BookingType, year: int, ctx: FormContext) -> str:
    """Uses of the service year shown (near the year's end the calendar reaches into the next one)."""
    if booking.yearly_quota is None:
        return ""
    used = ctx.used(booking, year)
    if year == ctx.now.astimezone(ctx.zone).year:
        return t("form_quota", ctx.lang, used=used, quota=booking.yearly_quota)
    return t("form_quota_year", ctx.lang, year=year, used=used, quota=booking.yearly_quota)


def open_days(booking: BookingType, draft: Draft, ctx: FormContext) -> list[date]:
    """Days that can be booked: by the rules, and in a service year with quota left."""
    kind = booking.kind(draft.kind)  # type: ignore[arg-type]
    days = bookable_days(booking, kind, ctx.now, ctx.zone)  # type: ignore[arg-type]
    if booking.yearly_quota is None:
        return days
    return [d for d in days if ctx.used(booking, d.year) < booking.yearly_quota]


def quota_refusal(booking: BookingType, ctx: FormContext) -> str | None:
    """Why the form cannot start for this type (every service year in reach used up), with what to do."""
    if booking.yearly_quota is None:
        return None
    today = ctx.now.astimezone(ctx.zone).date()
    years = range(today.year, last_day(booking, ctx.now, ctx.zone).year + 1)
    if any(ctx.used(booking, year) < booking.yearly_quota for year in years):
        return None
    return quota_message(quota_violation(booking, booking.yearly_quota), booking, ctx.lang)  # type: ignore[arg-type]


def quota_message(violation: Violation, booking: BookingType, lang: Lang) -> str:
    """The yearly quota is used up: why, and whom to call."""
    return violation.text.of(lang) + t("next_quota", lang, contact=booking.changes_contact or "")


def screen(draft: Draft, ctx: FormContext) -> Screen:
    made = _screen(draft, ctx)
    if draft.note:
        return Screen(
            made.step,
            f"{draft.note}\n\n{made.text}",
            made.choices,
            made.expects_text,
            made.rows,
            made.columns,
        )
    return made


def _screen(draft: Draft, ctx: FormContext) -> Screen:
    step = step_of(draft, ctx)
    if step == "type":
        return Screen(
            step,
            t("form_choose_type", ctx.lang),
            tuple(Choice(b.title.of(ctx.lang), b.id) for b in ctx.types.values()),
        )
    booking = ctx.types[draft.type]  # type: ignore[index]
    if step == "kind":
        what = (
            t("form_choose_hospital", ctx.lang)
            if booking.timing == "slots"
            else t("form_choose_kind", ctx.lang)
        )
        return Screen(
            step,
            what + quota_line(booking, _year(draft, ctx), ctx),
            tuple(Choice(k.title.of(ctx.lang), k.id) for k in booking.kinds),
        )
    if step == "date":
        return _calendar(booking, draft, ctx)
    kind = booking.kind(draft.kind)  # type: ignore[arg-type]
    if step == "time":
        if booking.timing == "slots":
            slots = free_slots(booking, kind, date.fromisoformat(draft.day), ctx.now, ctx.zone, ctx.taken)  # type: ignore[arg-type]
            text = (
                t("form_choose_slot", ctx.lang, day=_day_text(draft, ctx))
                if slots
                else t("day_full", ctx.lang, phone=kind.phone or "")  # type: ignore[union-attr]
            )
            choices = tuple(Choice(f"{s:%H:%M}", f"{s:%H:%M}") for s in slots)
            return Screen(step, text, choices, expects_text=True, columns=4)
        return Screen(
            step,
            t("form_type_flight_time", ctx.lang, day=_day_text(draft, ctx)),
            expects_text=True,
        )
    if step == "field":
        return _field_screen(next_field(draft, ctx), draft, ctx)  # type: ignore[arg-type]
    choices = [Choice(t("form_submit", ctx.lang), draft.token)]
    if draft.prefilled:
        choices.append(Choice(t("form_edit_prefilled", ctx.lang), EDIT_PREFILLED))
    return Screen(step, summary(draft, ctx) + "\n\n" + t("form_submit_question", ctx.lang), tuple(choices))


def _field_screen(spec: BookingField, draft: Draft, ctx: FormContext) -> Screen:
    label = _label(spec, ctx)
    offer = draft.offers.get(spec.id)
    if offer and spec.count is not None and len(offer.split("、")) != int(draft.values.get(spec.count, "0")):
        offer = None  # last time's names, but the count changed: they must be typed
    choices: list[Choice] = [Choice(f"✓ {shown_value(offer, ctx.lang)}", OFFERED)] if offer else []
    if spec.kind == "yes_no":
        choices += [Choice(t("yes", ctx.lang), YES), Choice(t("no", ctx.lang), NO)]
        return Screen("field", t("form_yes_no_field", ctx.lang, label=label), tuple(choices), columns=2)
    if spec.kind == "count":
        choices += [Choice(str(n), str(n)) for n in range(spec.min_count, spec.min_count + 4)]
        text = t("form_count_field", ctx.lang, label=label)
        return Screen("field", text, tuple(choices), expects_text=True, columns=4)
    if spec.count is not None:
        count = draft.values.get(spec.count, "")
        hint = t("form_names_hint", ctx.lang, count=count)
    else:
        hint = "" if spec.required else t("form_optional_hint", ctx.lang)
    return Screen(
        "field", t("form_type_field", ctx.lang, label=label, hint=hint), tuple(choices), expects_text=True
    )


def _month_of(value: date) -> str:
    return f"{value:%Y-%m}"


def _calendar(booking: BookingType, draft: Draft, ctx: FormContext) -> Screen:
    """A month of days, Monday first; bookable days are buttons, the others placeholders; ◀ ▶ page to
    the months that have a bookable day."""
    days = open_days(booking, draft, ctx)
    if not days:
        return Screen("date", t("no_days", ctx.lang, contact=booking.changes_contact or ""))
    months = sorted({_month_of(d) for d in days})
    page = draft.month if draft.month in months else months[0]
    year, month = int(page[:4]), int(page[5:])
    active = {d for d in days if _month_of(d) == page}
    rows: list[tuple[Choice, ...]] = []
    for week in calendar.Calendar().monthdatescalendar(year, month):
        rows.append(
            tuple(Choice(str(d.day), d.isoformat()) if d in active else Choice("·", "") for d in week)
        )
    index = months.index(page)
    nav = []
    if index > 0:
        nav.append(Choice("◀", MONTH + months[index - 1]))
    if index + 1 < len(months):
        nav.append(Choice("▶", MONTH + months[index + 1]))
    if nav:
        rows.append(tuple(nav))
    heading = t("calendar_heading", ctx.lang, year=year, month=month)
    text = heading + quota_line(booking, year, ctx) + "\n" + t("calendar_hint", ctx.lang)
    # Listed (the console, typed numbers) with the whole date; the keyboard shows day numbers.
    choices = tuple(
        Choice(f"{c.value[5:]} {weekday_name(date.fromisoformat(c.value), ctx.lang)}", c.value)
        if not c.value.startswith(MONTH)
        else c
        for row in rows
        for c in row
        if c.value
    )
    return Screen("date", text, choices, expects_text=True, rows=tuple(rows))


def _day_text(draft: Draft, ctx: FormContext) -> str:
    day = date.fromisoformat(draft.day)  # type: ignore[arg-type]
    return f"{day:%Y-%m-%d} {weekday_name(day, ctx.lang)}"


def summary(draft: Draft, ctx: FormContext) -> str:
    booking = ctx.types[draft.type]  # type: ignore[index]
    kind = booking.kind(draft.kind)  # type: ignore[arg-type]
    lines = [
        f"{booking.title.of(ctx.lang)} · {kind.title.of(ctx.lang)}",  # type: ignore[union-attr]
        t("form_time_line", ctx.lang, day=_day_text(draft, ctx), at=draft.at),
    ]
    if kind.service_point:  # type: ignore[union-attr]
        lines.append(t("form_service_point", ctx.lang, point=kind.service_point))  # type: ignore[union-attr]
    marker = t("form_prefilled", ctx.lang)
    for spec in booking.fields:
        if spec.id in draft.values and applies(spec, draft.kind, draft.values):
            shown = shown_value(draft.values[spec.id], ctx.lang) + (
                marker if spec.id in draft.prefilled else ""
            )
            lines.append(t("field_line", ctx.lang, label=_label(spec, ctx), value=shown))
    if booking.yearly_quota is not None:
        lines.append(quota_line(booking, _year(draft, ctx), ctx).strip("（）() "))
    return "\n".join(lines)


def _expired(ctx: FormContext) -> str:
    return t("button_expired", ctx.lang)


def choose(draft: Draft, value: str, ctx: FormContext) -> str | None:
    """A button press on the current step; returns an error text or None. Stale buttons are refused."""
    step = step_of(draft, ctx)
    current = _screen(draft, ctx)
    if value not in {c.value for c in current.choices} or not value:
        return _expired(ctx)
    draft.note = None
    if step == "type":
        draft.type = value
    elif step == "kind":
        draft.kind = value
    elif step == "date" and value.startswith(MONTH):
        draft.month = value.removeprefix(MONTH)
    elif step == "date":
        draft.day = value
    elif step == "time":
        draft.at = value
    elif step == "field":
        spec = next_field(draft, ctx)
        draft.values[spec.id] = draft.offers[spec.id] if value == OFFERED else value  # offers stay for "back"  # type: ignore[union-attr]
    elif value == EDIT_PREFILLED:
        for field_id in draft.prefilled:
            if field_id in draft.values:
                draft.offers[field_id] = draft.values.pop(field_id)
        draft.prefilled = []
    return None


def _echo(raw: str, shown: str, label: str, lang: Lang) -> str:
    typed = raw.strip()
    return t("form_echo", lang, label=label, value=shown if typed == shown else f"{typed} → {shown}")


def _typed_when(draft: Draft, raw: str, ctx: FormContext) -> str | None:
    """A date, a time, or both, on the date or time step."""
    booking = ctx.types[draft.type]  # type: ignore[index]
    kind = booking.kind(draft.kind)  # type: ignore[arg-type]
    parsed = parse_when(raw, ctx.now.astimezone(ctx.zone).date())
    if parsed.error:
        return parsed.error.of(ctx.lang)
    day = parsed.day or (date.fromisoformat(draft.day) if draft.day else None)
    if day is None:
        return t("date_first", ctx.lang)
    if day not in open_days(booking, draft, ctx):
        return _closed_day(booking, day, ctx)
    draft.day, draft.month, draft.at = day.isoformat(), _month_of(day), None
    shown = f"{day:%Y-%m-%d} {weekday_name(day, ctx.lang)}"
    draft.note = _echo(raw, shown, t("form_date", ctx.lang), ctx.lang)
    if parsed.at is None:
        return None
    at = datetime.combine(day, time.fromisoformat(parsed.at), ctx.zone)
    if booking.timing == "slots":
        if parsed.at not in {c.value for c in _screen(draft, ctx).choices}:
            problems = check_time(booking, kind, at, ctx.now)  # type: ignore[arg-type]
            return problems[0].text.of(ctx.lang) if problems else t("slot_taken", ctx.lang)
    else:
        problems = check_time(booking, kind, at, ctx.now)  # type: ignore[arg-type]
        if problems:
            return problems[0].text.of(ctx.lang)
    draft.at = parsed.at
    draft.note = _echo(raw, f"{shown} {parsed.at}", t("form_time", ctx.lang), ctx.lang)
    return None


def _closed_day(booking: BookingType, day: date, ctx: FormContext) -> str:
    """Why a typed day cannot be booked, and what to do instead."""
    if booking.yearly_quota is not None and ctx.used(booking, day.year) >= booking.yearly_quota:
        return t("quota_year_used", ctx.lang, year=day.year, contact=booking.changes_contact or "")
    if day > last_day(booking, ctx.now, ctx.zone):
        return t(
            "too_far", ctx.lang, days=booking.horizon_days, last=f"{last_day(booking, ctx.now, ctx.zone)}"
        )
    return t("day_closed", ctx.lang, day=f"{day:%Y-%m-%d} {weekday_name(day, ctx.lang)}")


def type_text(draft: Draft, raw: str, ctx: FormContext) -> str | None:
    """Typed input for the current step (a date or time, or a field); returns an error text or None."""
    step = step_of(draft, ctx)
    if step in ("date", "time"):
        return _typed_when(draft, raw, ctx)
    if step == "field":
        spec = next_field(draft, ctx)
        assert spec is not None
        text = raw.strip()
        if not spec.required and text.lower() in _NONE_WORDS:
            draft.values[spec.id], draft.note = NONE, None
            return None
        parsed = parse_field(spec.kind, text)
        if parsed.error:
            return parsed.error.of(ctx.lang)
        if spec.kind == "count" and int(parsed.value) < spec.min_count:
            return t("count_too_small", ctx.lang, least=spec.min_count)
        if spec.count is not None:
            expected, given = int(draft.values.get(spec.count, "0")), len(parsed.value.split("、"))
            if given != expected:
                return t("count_mismatch", ctx.lang, expected=expected, given=given)
        draft.values[spec.id] = parsed.value
        draft.note = _echo(text, shown_value(parsed.value, ctx.lang), _label(spec, ctx), ctx.lang)
        return None
    return t("use_buttons", ctx.lang)


def back(draft: Draft, ctx: FormContext) -> None:
    """Un-fill the last thing the holder gave (filled-in values stay; a single type stays chosen)."""
    draft.note = None
    asked = [k for k in draft.values if k not in draft.prefilled]
    if asked:
        draft.values.pop(asked[-1])
    elif draft.at is not None:
        draft.at = None
    elif draft.day is not None:
        draft.day = None
    elif draft.kind is not None:
        draft.kind = None
    elif draft.type is not None and len(ctx.types) > 1:
        draft.type = None
