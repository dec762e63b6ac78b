"""The guided booking form as a pure state machine: what to ask next, and what an answer does.

The draft is plain data (kept as JSON in the database, so a restart or another instance continues it).
The current step is derived from what is filled in, so "back" is simply un-filling the last thing.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Literal
from zoneinfo import ZoneInfo

from bot.booking.fields import parse_field
from bot.booking.rules import bookable_days, check_time, free_slots
from bot.kb.schema import BookingType
from bot.texts import Lang

Step = Literal["type", "kind", "date", "time", "field", "confirm"]


@dataclass
class Draft:
    token: str = field(default_factory=lambda: secrets.token_hex(8))
    type: str | None = None
    kind: str | None = None
    day: str | None = None  # YYYY-MM-DD in the rules' zone
    at: str | None = None  # HH:MM
    values: dict[str, str] = field(default_factory=dict)
    replaces: int | None = None  # the booking this one changes (cancelled once this one is placed)

    def to_json(self) -> dict[str, object]:
        return dict(self.__dict__)

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> Draft:
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})  # type: ignore[arg-type]


@dataclass(frozen=True)
class Choice:
    label: str
    value: str


@dataclass(frozen=True)
class Screen:
    step: Step
    text: str
    choices: tuple[Choice, ...] = ()
    expects_text: bool = False


@dataclass(frozen=True)
class FormContext:
    """What the form needs from outside: the types this holder may book, time, and the database's counts."""

    types: Mapping[str, BookingType]
    now: datetime
    zone: ZoneInfo
    lang: Lang
    quota_used: int = 0
    taken: Mapping[datetime, int] = field(default_factory=dict)  # seats per slot on the chosen day


def _l(ctx: FormContext, zh: str, en: str) -> str:
    return zh if ctx.lang == "zh" else en


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


def next_field(draft: Draft, ctx: FormContext):  # type: ignore[no-untyped-def]
    booking = ctx.types[draft.type]  # type: ignore[index]
    return next((f for f in booking.fields if f.id not in draft.values), None)


def start_at(draft: Draft, ctx: FormContext) -> datetime:
    return datetime.combine(date.fromisoformat(draft.day), time.fromisoformat(draft.at), ctx.zone)  # type: ignore[arg-type]


def quota_line(booking: BookingType, ctx: FormContext) -> str:
    if booking.yearly_quota is None:
        return ""
    return _l(
        ctx,
        f"（本年度已使用 {ctx.quota_used}/{booking.yearly_quota} 次）",
        f" (used {ctx.quota_used}/{booking.yearly_quota} this year)",
    )


def screen(draft: Draft, ctx: FormContext) -> Screen:
    step = step_of(draft, ctx)
    if step == "type":
        return Screen(
            step,
            _l(ctx, "请选择预约服务：", "Choose a service to book:"),
            tuple(Choice(b.title.zh if ctx.lang == "zh" else b.title.en, b.id) for b in ctx.types.values()),
        )
    booking = ctx.types[draft.type]  # type: ignore[index]
    if step == "kind":
        what = (
            _l(ctx, "请选择医院：", "Choose the hospital:")
            if booking.timing == "slots"
            else _l(ctx, "请选择服务类型：", "Choose the service:")
        )
        return Screen(
            step,
            what + quota_line(booking, ctx),
            tuple(Choice(k.title.zh if ctx.lang == "zh" else k.title.en, k.id) for k in booking.kinds),
        )
    kind = booking.kind(draft.kind)  # type: ignore[arg-type]
    if step == "date":
        days = bookable_days(booking, kind, ctx.now, ctx.zone)  # type: ignore[arg-type]
        text = (
            _l(ctx, "请选择日期：", "Choose the date:")
            if days
            else _l(ctx, "近期没有可预约的日期。", "No bookable dates at the moment.")
        )
        return Screen(
            step, text, tuple(Choice(f"{d:%m-%d} {_weekday(d, ctx.lang)}", d.isoformat()) for d in days)
        )
    if step == "time":
        if booking.timing == "slots":
            slots = free_slots(booking, kind, date.fromisoformat(draft.day), ctx.now, ctx.zone, ctx.taken)  # type: ignore[arg-type]
            text = (
                _l(ctx, "请选择时段：", "Choose a time:")
                if slots
                else _l(
                    ctx, "这一天已约满，请返回选择其他日期。", "That day is full; go back and choose another."
                )
            )
            return Screen(step, text, tuple(Choice(f"{s:%H:%M}", f"{s:%H:%M}") for s in slots))
        return Screen(
            step,
            _l(
                ctx,
                "请输入航班起飞/抵达时间（如 14:30）：",
                "Type the flight's departure/arrival time (e.g. 14:30):",
            ),
            expects_text=True,
        )
    if step == "field":
        spec = next_field(draft, ctx)
        label = spec.label.zh if ctx.lang == "zh" else spec.label.en
        if spec.kind == "yes_no":
            return Screen(
                step, f"{label}？", (Choice(_l(ctx, "是", "Yes"), "是"), Choice(_l(ctx, "否", "No"), "否"))
            )
        optional = "" if spec.required else _l(ctx, "（没有请输入“无”）", " (type 无 if none)")
        return Screen(step, _l(ctx, f"请输入{label}{optional}：", f"{label}{optional}:"), expects_text=True)
    return Screen(
        step,
        summary(draft, ctx) + "\n\n" + _l(ctx, "确认提交吗？", "Submit this booking?"),
        (Choice(_l(ctx, "✅ 确认提交", "✅ Submit"), draft.token),),
    )


def _weekday(day: date, lang: Lang) -> str:
    return (
        ("周一", "周二", "周三", "周四", "周五", "周六", "周日")[day.weekday()]
        if lang == "zh"
        else f"{day:%a}"
    )


def summary(draft: Draft, ctx: FormContext) -> str:
    booking = ctx.types[draft.type]  # type: ignore[index]
    kind = booking.kind(draft.kind)  # type: ignore[arg-type]
    lines = [
        f"{booking.title.zh if ctx.lang == 'zh' else booking.title.en} · "
        f"{kind.title.zh if ctx.lang == 'zh' else kind.title.en}",  # type: ignore[union-attr]
        _l(ctx, f"时间：{draft.day} {draft.at}", f"Time: {draft.day} {draft.at}"),
    ]
    if kind.service_point:  # type: ignore[union-attr]
        lines.append(_l(ctx, f"服务地点：{kind.service_point}", f"Service point: {kind.service_point}"))  # type: ignore[union-attr]
    for spec in booking.fields:
        if spec.id in draft.values:
            lines.append(f"{spec.label.zh if ctx.lang == 'zh' else spec.label.en}：{draft.values[spec.id]}")
    if booking.yearly_quota is not None:
        lines.append(quota_line(booking, ctx).strip("（）() "))
    return "\n".join(lines)


def choose(draft: Draft, value: str, ctx: FormContext) -> str | None:
    """A button press on the current step; returns an error text or None. Stale buttons are refused."""
    step = step_of(draft, ctx)
    current = screen(draft, ctx)
    if value not in {c.value for c in current.choices}:
        return _l(
            ctx, "该选项已失效，请按最新的按钮操作。", "That button has expired; please use the latest one."
        )
    if step == "type":
        draft.type = value
    elif step == "kind":
        draft.kind = value
    elif step == "date":
        draft.day = value
    elif step == "time":
        draft.at = value
    elif step == "field":
        draft.values[next_field(draft, ctx).id] = value
    return None


def type_text(draft: Draft, raw: str, ctx: FormContext) -> str | None:
    """Typed input for the current step (a flight time, or a field); returns an error text or None."""
    step = step_of(draft, ctx)
    if step == "time" and not screen(draft, ctx).choices:
        parsed = parse_field("time", raw)
        if parsed.error:
            return parsed.error.zh if ctx.lang == "zh" else parsed.error.en
        booking = ctx.types[draft.type]  # type: ignore[index]
        at = datetime.combine(date.fromisoformat(draft.day), time.fromisoformat(parsed.value), ctx.zone)  # type: ignore[arg-type]
        problems = check_time(booking, booking.kind(draft.kind), at, ctx.now)  # type: ignore[arg-type]
        if problems:
            return problems[0].zh if ctx.lang == "zh" else problems[0].en
        draft.at = parsed.value
        return None
    if step == "field":
        spec = next_field(draft, ctx)
        text = raw.strip()
        if not spec.required and text in ("无", "没有", "none", "no"):
            draft.values[spec.id] = "无"
            return None
        parsed = parse_field(spec.kind, text)
        if parsed.error:
            return parsed.error.zh if ctx.lang == "zh" else parsed.error.en
        draft.values[spec.id] = parsed.value
        return None
    return _l(ctx, "请用上面的按钮选择。", "Please use the buttons above.")


def back(draft: Draft, ctx: FormContext) -> None:
    """Un-fill the last filled step (a single booking type is chosen for the holder, so it stays)."""
    if draft.values:
        draft.values.pop(list(draft.values)[-1])
    elif draft.at is not None:
        draft.at = None
    elif draft.day is not None:
        draft.day = None
    elif draft.kind is not None:
        draft.kind = None
    elif draft.type is not None and len(ctx.types) > 1:
        draft.type = None
