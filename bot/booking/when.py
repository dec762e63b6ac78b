"""Typed dates and times in everyday Chinese and English: "明天下午3点", "12月5日", "下周三", "next Friday",
"2026-12-05 15:30".

dateparser was tried first (PyPI, offline, RELATIVE_BASE for the clock): it reads the English forms but
none of the Chinese ones ("明天下午3点", "12月5日", "下周三" all give None), so this small parser does both.
Conventions, so the echo ("下周三 → 2026-12-02 周三") is never a surprise:
- a date without a year is this year's, or next year's once this year's has passed (booking is ahead);
- "12/5" is month/day, as Chinese writes it;
- 下周三 is the Wednesday of next calendar week (weeks start on Monday); "next Friday" and a bare
  周五 / "Friday" are the first such day after today (a bare weekday that is today means today);
- the time part, if any, is read by the form's time field (下午三点 → 15:00, 3pm, 9点半, 14:30).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from bot.booking.fields import parse_field
from bot.texts import Text

_CN_DIGITS = "零〇一二两三四五六七八九十"
_NUM = rf"[0-9]{{1,2}}|[{_CN_DIGITS}]{{1,3}}"
_WEEKDAY_ZH = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6, "七": 6}
_WEEKDAY_EN = {
    name: n
    for n, names in enumerate(
        (
            ("monday", "mon"),
            ("tuesday", "tue", "tues"),
            ("wednesday", "wed"),
            ("thursday", "thu", "thur", "thurs"),
            ("friday", "fri"),
            ("saturday", "sat"),
            ("sunday", "sun"),
        )
    )
    for name in names
}
_MONTHS_EN = {
    name: n
    for n, names in enumerate(
        (
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ),
        start=1,
    )
    for name in names
}
_RELATIVE_DAYS = {
    "今天": 0,
    "今日": 0,
    "明天": 1,
    "明日": 1,
    "后天": 2,
    "大后天": 3,
    "today": 0,
    "tomorrow": 1,
    "tmr": 1,
    "the day after tomorrow": 2,
    "day after tomorrow": 2,
}
_EN_MONTH = "|".join(sorted(_MONTHS_EN, key=len, reverse=True))
_EN_DAY = "|".join(sorted(_WEEKDAY_EN, key=len, reverse=True))

# The text reaches these patterns folded: lower case, NFKC, single spaces (so " ?" allows one).
_ISO = re.compile(
    r"(?P<y>[0-9]{4}) ?[-/.年] ?(?P<m>[0-9]{1,2}) ?[-/.月] ?(?P<d>[0-9]{1,2})(?![0-9]) ?[日号]?"
)
_ZH_MONTH_DAY = re.compile(rf"(?:(?P<y>[0-9]{{4}}) ?年 ?)?(?P<m>{_NUM}) ?月 ?(?P<d>{_NUM}) ?[日号]?")
_SLASH = re.compile(r"(?P<m>[0-9]{1,2})[/.](?P<d>[0-9]{1,2})(?![0-9:])")
_DAY_ONLY = re.compile(rf"(?P<d>{_NUM}) ?[日号]")
_EN_MONTH_FIRST = re.compile(
    rf"(?P<m>{_EN_MONTH})\b\.? ?(?P<d>[0-9]{{1,2}})(?![0-9:])(?:st|nd|rd|th)?(?: ?(?P<y>[0-9]{{4}})\b)?"
)
_EN_DAY_FIRST = re.compile(
    rf"(?P<d>[0-9]{{1,2}})(?:st|nd|rd|th)? ?(?:of )?(?P<m>{_EN_MONTH})\b\.?(?: ?(?P<y>[0-9]{{4}})\b)?"
)
_ZH_WEEK = re.compile(r"(?P<which>下下|下|这|本|今)?个?(?:周|星期|礼拜)(?P<d>[一二三四五六日天七])")
_EN_WEEK = re.compile(rf"(?:(?P<which>next|this|coming) )?(?P<d>{_EN_DAY})\b")
_IN_DAYS = re.compile(rf"in (?P<en>[0-9]{{1,2}}) days?\b|(?P<zh>{_NUM}) ?天(?:后|以后|之后)")


@dataclass(frozen=True)
class When:
    day: date | None = None
    at: str | None = None  # HH:MM
    error: Text | None = None  # said in the reader's language


def _bad(key: str, **values: object) -> When:
    return When(error=Text(key, values))


def _number(text: str) -> int | None:
    parsed = parse_field("count", text, max_count=99)
    return None if parsed.error else int(parsed.value)


def _first_ahead(today: date, candidates: Iterable[tuple[int, int, int]]) -> date | None:
    """The first of these (year, month, day) that exists and is not before today."""
    for year, month, day in candidates:
        try:
            candidate = date(year, month, day)
        except ValueError:
            continue
        if candidate >= today:
            return candidate
    return None


def _roll(today: date, month: int, day: int) -> date | None:
    """A month and day without a year: the next such date from today."""
    return _first_ahead(today, ((year, month, day) for year in (today.year, today.year + 1)))


def _day_of_month(today: date, day: int) -> date | None:
    """ "5号": this month's 5th, or a later month's once it has passed."""
    months = (today.month - 1 + ahead for ahead in range(3))
    return _first_ahead(today, ((today.year + m // 12, m % 12 + 1, day) for m in months))


def _date_part(text: str, today: date) -> tuple[date | None, str, bool]:
    """(date, the rest of the text, whether a date was named at all: a named impossible date is an error)."""
    for word, days in sorted(_RELATIVE_DAYS.items(), key=lambda item: -len(item[0])):
        if text.startswith(word):
            return today + timedelta(days=days), text[len(word) :], True
    if match := _IN_DAYS.match(text):
        count = int(match["en"]) if match["en"] else _number(match["zh"])
        return (today + timedelta(days=count) if count is not None else None), text[match.end() :], True
    if match := _ISO.match(text):
        try:
            return date(int(match["y"]), int(match["m"]), int(match["d"])), text[match.end() :], True
        except ValueError:
            return None, "", True
    for pattern in (_ZH_MONTH_DAY, _EN_MONTH_FIRST, _EN_DAY_FIRST, _SLASH):
        if match := pattern.match(text):
            month_text = match["m"]
            month = _MONTHS_EN.get(month_text) or _number(month_text)
            day = _number(match["d"])
            year = match.groupdict().get("y")
            if month is None or day is None:
                return None, "", True
            if year:
                try:
                    return date(int(year), month, day), text[match.end() :], True
                except ValueError:
                    return None, "", True
            return _roll(today, month, day), text[match.end() :], True
    if match := _ZH_WEEK.match(text):
        weekday, which = _WEEKDAY_ZH[match["d"]], match["which"]
        monday = today - timedelta(days=today.weekday())
        if which in ("下", "下下"):
            weeks = 1 if which == "下" else 2
            return monday + timedelta(weeks=weeks, days=weekday), text[match.end() :], True
        if which in ("这", "本", "今"):
            return monday + timedelta(days=weekday), text[match.end() :], True
        return today + timedelta(days=(weekday - today.weekday()) % 7), text[match.end() :], True
    if match := _EN_WEEK.match(text):
        weekday = _WEEKDAY_EN[match["d"]]
        ahead = (weekday - today.weekday()) % 7
        if match["which"] in ("next", "coming") and ahead == 0:
            ahead = 7
        return today + timedelta(days=ahead), text[match.end() :], True
    if match := _DAY_ONLY.match(text):
        day = _number(match["d"])
        return (_day_of_month(today, day) if day else None), text[match.end() :], True
    return None, text, False


def parse_when(raw: str, today: date) -> When:
    """A date, a time, or both, typed by the holder; `today` is in the rules' zone."""
    folded = unicodedata.normalize("NFKC", raw).lower().replace("的", " ").replace(",", " ")
    text = re.sub(r"\s+", " ", folded).strip()
    day, rest, named = _date_part(text, today)
    if named and day is None:
        return _bad("when_no_such_day")
    rest = re.sub(r"^(?:at|@) ", "", rest.strip())
    at = None
    if rest:
        parsed = parse_field("time", rest)
        if parsed.error:
            if day is None:
                return _bad("when_unreadable")
            return When(error=parsed.error)
        at = parsed.value
    if day is not None and day < today:
        return _bad("when_past", day=f"{day:%Y-%m-%d}")
    return When(day, at)
