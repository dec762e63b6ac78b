"""Statistics of a period: questions, votes, hand-overs (the 12345 one-hour rule), bookings, reminders.

Collected from the database, written as text (the chart's caption and `python -m bot stats`) and drawn as
a PNG chart. Drawing is CPU work: callers on the event loop run `render_chart` in a thread.
"""

from __future__ import annotations

import io
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.answers.handover import FIRST_RESPONSE_WITHIN
from bot.texts import Lang, t
from db.models import Booking, Handover, QuestionLog, Reminder, Vote

PERIODS = (7, 30)  # what /stats offers; the CLI takes any number of days
MAX_DAYS = 366
OUTCOMES = ("answered", "unsure", "declined")
STATUSES = ("pending", "confirmed", "rejected", "cancelled")  # a booking's life, in order
# What became of a reminder that fell due: sent, dropped (the appointment had begun), or not sent yet.
REMINDER_DELIVERY = ("sent", "dropped", "late")


@dataclass
class Stats:
    first_day: date
    last_day: date
    per_day: dict[date, Counter[str]]  # day -> outcome -> questions
    votes_up: int = 0
    votes_down: int = 0
    handovers: int = 0
    handovers_replied: int = 0
    handovers_due: int = 0  # replied, or open for over an hour: those the one-hour rule can judge
    handovers_within_hour: int = 0
    bookings: Counter[tuple[str, str]] = field(default_factory=Counter)  # (type, status) -> count
    reminders: Counter[str] = field(default_factory=Counter)  # delivery -> count (due in the period)

    @property
    def days(self) -> int:
        return (self.last_day - self.first_day).days + 1

    @property
    def outcomes(self) -> Counter[str]:
        return sum(self.per_day.values(), Counter())

    @property
    def questions(self) -> int:
        return sum(self.outcomes.values())


def outcome_class(answered: bool, outcome: str) -> str:
    """Answered; unsure (only suggestions were offered, or one was opened); or declined."""
    if answered:
        return "answered"
    return "unsure" if outcome in ("unsure", "alternative") else "declined"


def period(now: datetime, days: int, zone: ZoneInfo) -> tuple[date, datetime, datetime]:
    """The last `days` calendar days in `zone`, today included: (first day, start, end)."""
    today = now.astimezone(zone).date()
    first = today - timedelta(days=days - 1)
    start = datetime.combine(first, time(), zone)
    return first, start, datetime.combine(today + timedelta(days=1), time(), zone)


async def collect(session: AsyncSession, now: datetime, days: int, zone: ZoneInfo) -> Stats:
    if not 1 <= days <= MAX_DAYS:
        raise ValueError(f"days must be 1..{MAX_DAYS}")
    first, start, end = period(now, days, zone)
    stats = Stats(
        first, first + timedelta(days=days - 1), {first + timedelta(d): Counter() for d in range(days)}
    )
    questions = await session.execute(
        select(QuestionLog.created_at, QuestionLog.answered, QuestionLog.outcome).where(
            QuestionLog.created_at >= start, QuestionLog.created_at < end
        )
    )
    for created_at, answered, outcome in questions:
        stats.per_day[created_at.astimezone(zone).date()][outcome_class(answered, outcome)] += 1
    votes = await session.execute(
        select(Vote.value, func.count()).where(Vote.at >= start, Vote.at < end).group_by(Vote.value)
    )
    for value, count in votes:
        if value > 0:
            stats.votes_up += count
        else:
            stats.votes_down += count
    handovers = await session.execute(
        select(Handover.created_at, Handover.first_reply_at).where(
            Handover.created_at >= start, Handover.created_at < end
        )
    )
    for created_at, first_reply_at in handovers:
        stats.handovers += 1
        if first_reply_at is not None:
            stats.handovers_replied += 1
            stats.handovers_within_hour += first_reply_at - created_at <= FIRST_RESPONSE_WITHIN
        stats.handovers_due += first_reply_at is not None or now - created_at > FIRST_RESPONSE_WITHIN
    bookings = await session.execute(
        select(Booking.type, Booking.status, func.count())
        .where(Booking.created_at >= start, Booking.created_at < end)
        .group_by(Booking.type, Booking.status)
    )
    stats.bookings.update({(kind, status): count for kind, status, count in bookings})
    reminders = await session.execute(
        select(Reminder.status, func.count())
        .where(Reminder.due_at >= start, Reminder.due_at < min(end, now))
        .where(Reminder.status.in_(("sent", "dropped", "scheduled", "sending", "failed")))  # failed: refused
        .group_by(Reminder.status)
    )
    for status, count in reminders:
        stats.reminders[status if status in ("sent", "dropped") else "late"] += count
    return stats


def _status_rank(status: str) -> int:
    return STATUSES.index(status) if status in STATUSES else len(STATUSES)


def _share(part: int, whole: int) -> str:
    return f"{round(100 * part / whole)}%" if whole else "–"


def summary(stats: Stats, type_titles: dict[str, str], lang: Lang) -> str:
    """The numbers as plain text (the chart's caption; well under Telegram's 1024 characters)."""
    outcomes, total = stats.outcomes, stats.questions
    by_type: dict[str, list[str]] = {}
    ordered = sorted(stats.bookings.items(), key=lambda item: (item[0][0], _status_rank(item[0][1])))
    for (kind, status), count in ordered:
        by_type.setdefault(kind, []).append(f"{t(f'status_{status}', lang)} {count}")
    bookings = "; ".join(
        f"{type_titles.get(kind, kind)}: {', '.join(parts)}" for kind, parts in by_type.items()
    ) or t("stats_none", lang)
    due = sum(stats.reminders.values())
    lines = [
        t(
            "stats_title",
            lang,
            first=stats.first_day.isoformat(),
            last=stats.last_day.isoformat(),
            days=stats.days,
        ),
        t(
            "stats_questions",
            lang,
            total=total,
            **{o: outcomes[o] for o in OUTCOMES},
            **{f"{o}_share": _share(outcomes[o], total) for o in OUTCOMES},
        ),
        t("stats_votes", lang, up=stats.votes_up, down=stats.votes_down),
        t(
            "stats_handovers",
            lang,
            total=stats.handovers,
            replied=stats.handovers_replied,
            within=stats.handovers_within_hour,
            due=stats.handovers_due,
            share=_share(stats.handovers_within_hour, stats.handovers_due),
        ),
        t("stats_bookings", lang, bookings=bookings),
        t("stats_reminders", lang, due=due, **{k: stats.reminders[k] for k in REMINDER_DELIVERY}),
    ]
    return "\n".join(lines)


def per_day_lines(stats: Stats) -> list[str]:
    """One line per day for the command line: date, answered, unsure, declined."""
    return [
        f"{day.isoformat()}  " + "  ".join(f"{o} {counts[o]}" for o in OUTCOMES)
        for day, counts in sorted(stats.per_day.items())
    ]


def render_chart(stats: Stats) -> bytes:
    """A PNG: questions per day by outcome, bookings by type and status, hand-overs and reminders.
    Labels are ASCII so the chart needs no CJK font on the server."""
    # Imported here: matplotlib takes about a second to import, and only the chart needs it. The Agg canvas
    # draws in memory, without pyplot's global state, so charts can be drawn in worker threads.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    figure = Figure(figsize=(10, 7), dpi=100, layout="constrained")
    upper, lower = figure.subfigures(2, 1)
    top, (left, right) = upper.subplots(), lower.subplots(1, 2)
    days = sorted(stats.per_day)
    labels = [f"{d:%m-%d}" for d in days]
    bottom = [0] * len(days)
    for outcome, colour in zip(OUTCOMES, ("#2e7d32", "#f9a825", "#c62828"), strict=True):
        values = [stats.per_day[d][outcome] for d in days]
        top.bar(labels, values, bottom=bottom, label=outcome, color=colour)
        bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    top.set_title(f"Questions per day, {stats.first_day} to {stats.last_day}")
    top.legend(loc="upper left")
    top.tick_params(axis="x", labelrotation=90 if len(days) > 10 else 0)
    pairs = sorted(stats.bookings, key=lambda pair: (pair[0], _status_rank(pair[1])), reverse=True)
    left.barh(
        [f"{kind}/{status}" for kind, status in pairs] or ["none"], [stats.bookings[p] for p in pairs] or [0]
    )
    left.set_title("Bookings by type/status")
    names = ["handovers", "replied", "within 1 h", *(f"reminders {k}" for k in REMINDER_DELIVERY)]
    values = [
        stats.handovers,
        stats.handovers_replied,
        stats.handovers_within_hour,
        *(stats.reminders[k] for k in REMINDER_DELIVERY),
    ]
    right.barh(names, values, color="#1565c0")
    right.set_title(f"Votes: +{stats.votes_up} / -{stats.votes_down}")
    top.yaxis.set_major_locator(MaxNLocator(integer=True))  # counts: no half questions
    for axis in (left, right):
        axis.xaxis.set_major_locator(MaxNLocator(integer=True))
    buffer = io.BytesIO()
    FigureCanvasAgg(figure).print_png(buffer)
    return buffer.getvalue()
