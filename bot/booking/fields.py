"""Values a card holder types into a booking form: normalised, or refused with a message showing an example.

Every kind but `text` first goes through NFKC and strip, so full-width digits, letters, colons and commas
work like their ASCII forms. Dates typed without a year come back as "MM-DD" (this module does not know
today's date, so the caller picks the year); dates with a year come back as "YYYY-MM-DD".
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import assert_never

from bot.holders.user_text import clean_text
from bot.kb.schema import FieldKind
from bot.texts import Lang, Text, t

__all__ = ["NONE", "NO", "YES", "FieldKind", "Parsed", "parse_field", "shown_value"]

# The stored answers yes, no and "nothing": staff read them as stored, a holder through `shown_value`.
YES, NO, NONE = "是", "否", "无"
_SHOWN = {YES: "value_yes", NO: "value_no", NONE: "value_none"}


@dataclass(frozen=True)
class Parsed:
    value: str  # normalised text, stored as is and shown in summaries
    error: Text | None = None  # value == "" when error; said in the reader's language


def shown_value(value: str, lang: Lang) -> str:
    """A stored value as the reader reads it: yes, no and "nothing" in their language, the rest as typed."""
    key = _SHOWN.get(value)
    return t(key, lang) if key else value


def _bad(key: str, **values: object) -> Parsed:
    return Parsed("", Text(key, values))


def _clean(raw: str) -> str:
    # Invisible characters must neither fail a value nor fill a required one (see bot.holders.user_text).
    return unicodedata.normalize("NFKC", clean_text(raw)).strip()


def _quote(text: str) -> str:
    """A piece of the user's input echoed in a message, cut short so the message stays readable."""
    return text if len(text) <= 20 else text[:20] + "…"


# --- names ------------------------------------------------------------------------------------------

_CJK = "\u3400-\u4dbf\u4e00-\u9fff\U00020000-\U0003134f"
_LATIN = "A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f\u1e00-\u1eff"
_CHINESE_NAME = re.compile(f"[{_CJK}]+(?:[· ][{_CJK}]+)*")
_LATIN_NAME = re.compile(f"[{_LATIN}]+(?:[ '-][{_LATIN}]+)*")
# Phones and IMEs type the separating dot of minority and foreign names as any of these.
_DOTS = re.compile(r"\s*[·•・‧∙⋅]\s*")
_NAME_SEPARATORS = re.compile(f"[,、;]|(?<=[{_CJK}])\\s+|\\s+(?=[{_CJK}])")


def _name_text(text: str) -> str:
    spaced = re.sub(r"\s+", " ", _DOTS.sub("·", text))
    return spaced.replace("’", "'").replace("‘", "'")


def _name(text: str) -> Parsed:
    name = _name_text(text)
    if any(unicodedata.category(c) == "Nd" for c in name):
        return _bad("field_name_digits")
    if name and not 2 <= len(name) <= 20:
        return _bad("field_name_length")
    if _CHINESE_NAME.fullmatch(name) or _LATIN_NAME.fullmatch(name):
        return Parsed(name)
    return _bad("field_name_bad")


def _names(text: str, max_count: int) -> Parsed:
    pieces = [p.strip() for p in _NAME_SEPARATORS.split(_name_text(text)) if p.strip()]
    if not pieces:
        return _bad("field_names_none")
    if len(pieces) > max_count:
        return _bad("field_names_too_many", most=max_count, given=len(pieces))
    names = []
    for number, piece in enumerate(pieces, start=1):
        parsed = _name(piece)
        if parsed.error:
            return _bad("field_names_one_bad", number=number, piece=_quote(piece), error=parsed.error)
        names.append(parsed.value)
    return Parsed("、".join(names))


# --- numbers ----------------------------------------------------------------------------------------

_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_CHINESE_NUMBER = "[零〇一二两三四五六七八九十]{1,3}"
# Bounded digit runs: int() of a huge string is slow, and over 4300 digits it raises.
_NUMBER = f"[0-9]{{1,2}}|{_CHINESE_NUMBER}"


def _number(text: str) -> int | None:
    """Arabic digits, or a Chinese numeral from 零 to 九十九 (两 and a leading 零 as in 两点零五 included)."""
    if re.fullmatch(r"[0-9]+", text):
        return int(text)
    if len(text) > 1 and text[0] in "零〇":
        text = text[1:]
    if text in _DIGITS:
        return _DIGITS[text]
    head, ten, tail = text.partition("十")
    if not ten:
        return None
    tens = _DIGITS.get(head) if head else 1
    ones = _DIGITS.get(tail) if tail else 0
    return None if tens is None or ones is None else tens * 10 + ones


def _count(text: str, max_count: int) -> Parsed:
    match = re.fullmatch(rf"([0-9]{{1,4}}|{_CHINESE_NUMBER})\s*[人位辆个]?", text)
    number = _number(match.group(1)) if match else None
    if number is None or number > max_count:
        return _bad("field_count_bad", most=max_count)
    return Parsed(str(number))


# --- phone ------------------------------------------------------------------------------------------

_MOBILE = re.compile(r"(?:\+?86)?(1[3-9][0-9]{9})")
# Area codes are 010 and 02x (three digits) or 0 + three digits starting 3-9, so no separator is needed
# to tell where the area code ends; local numbers never start with 0 or 1.
_LANDLINE = re.compile(r"(?:\+86|(?=0))0?(10|2[0-9]|[3-9][0-9]{2})([2-9][0-9]{6,7})")


def _phone(text: str) -> Parsed:
    compact = re.sub(r"[\s\-()]", "", text)
    mobile = _MOBILE.fullmatch(compact)
    if mobile:
        return Parsed(mobile.group(1))
    landline = _LANDLINE.fullmatch(compact)
    if landline:
        return Parsed(f"0{landline.group(1)}-{landline.group(2)}")
    return _bad("field_phone_bad")


# --- plates -----------------------------------------------------------------------------------------

_PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
_PLATE = re.compile(f"([{_PROVINCES}])([A-Za-z])([A-Za-z0-9]{{5,6}})")
# Guangdong's cross-border Hong Kong / Macao plates (粤Z·1234港), common at Guangzhou's airport.
_CROSS_BORDER = re.compile("粤[Zz][A-Za-z0-9]{4}[港澳]")
_NO_VEHICLE = {"无", "没有", "none", "no"}
_PLATE_HINT = Text("field_plate_hint")


def _plate(token: str) -> Parsed:
    if _CROSS_BORDER.fullmatch(token):
        return Parsed(token.upper())
    match = _PLATE.fullmatch(token)
    if not match:
        return _bad("field_plate_bad", plate=_quote(token), hint=_PLATE_HINT)
    plate = token.upper()
    serial = plate[2:]
    if "I" in serial or "O" in serial:
        return _bad("field_plate_i_o", plate=plate)
    # Six characters is a new-energy plate: D/F (electric/hybrid) first on cars, last on buses and lorries.
    if len(serial) == 6 and not (serial[0] in "DF" or serial[-1] in "DF"):
        return _bad("field_plate_bad", plate=plate, hint=_PLATE_HINT)
    return Parsed(plate)


def _plates(text: str, max_count: int) -> Parsed:
    if text.lower() in _NO_VEHICLE:
        return Parsed(NONE)
    tokens = []
    for piece in re.split(r"[,、;]", text):
        # Spaces and dots may sit inside a plate (粤A·12345), so plates are told apart by their province.
        compact = re.sub(r"[\s·•・.\-]", "", piece)
        tokens += [t for t in re.split(f"(?=[{_PROVINCES}])", compact) if t]
    if not tokens:
        return _bad("field_plates_none", hint=_PLATE_HINT)
    if len(tokens) > max_count:
        return _bad("field_plates_too_many", most=max_count, given=len(tokens))
    plates = []
    for token in tokens:
        parsed = _plate(token)
        if parsed.error:
            return parsed
        plates.append(parsed.value)
    return Parsed("、".join(plates))


# --- flight number ----------------------------------------------------------------------------------

_FLIGHT = re.compile(r"([A-Za-z0-9]{2})([0-9]{1,4}[A-Za-z]?)")


def _flight_no(text: str) -> Parsed:
    match = _FLIGHT.fullmatch(re.sub(r"[\s\-]", "", text))
    if match and re.search(r"[A-Za-z]", match.group(1)):  # an all-digit airline code does not exist
        return Parsed(match.group(0).upper())
    return _bad("field_flight_bad")


# --- time -------------------------------------------------------------------------------------------

_CLOCKS = [
    re.compile(r"(?P<h>[0-9]{1,2}):(?P<m>[0-9]{2})"),
    re.compile(r"(?P<h>[0-9]{1,2})(?P<m>[0-9]{2})"),  # 1430, 930
    re.compile(r"(?P<h>[0-9]{1,2})"),  # a bare hour, like 9点
    re.compile(rf"(?P<h>{_NUMBER})[点时]钟?(?:(?P<half>半)|整|(?P<quarter>[一三])刻|(?P<m>{_NUMBER})分?)?"),
]
# The hours a period word allows; a 12-hour h is read as h or h + 12, whichever falls inside.
# 晚上12点 and 上午12点 are left out on purpose: midnight or noon, and which day, is a guess.
_PERIODS: dict[str, range] = {
    "am": range(0, 12),
    "pm": range(12, 24),
    "凌晨": range(0, 6),
    "早上": range(4, 12),
    "早晨": range(4, 12),
    "早": range(4, 12),
    "上午": range(1, 12),
    "中午": range(11, 14),
    "下午": range(12, 24),
    "傍晚": range(16, 21),
    "晚上": range(17, 24),
    "晚": range(17, 24),
}
_PERIOD_WORD = re.compile("(凌晨|早上|早晨|上午|中午|下午|傍晚|晚上|早|晚)?(.*)")
_AM_PM = re.compile(r"(.*?)(am|pm|a\.m\.|p\.m\.)")
_TIME_BAD = _bad("field_time_bad")
_TIME_IMPOSSIBLE = _bad("field_time_impossible")


def _clock(text: str) -> tuple[int, int] | None:
    for pattern in _CLOCKS:
        match = pattern.fullmatch(text)
        if match:
            groups = match.groupdict()
            hours = _number(match.group("h"))
            if groups.get("half"):
                minutes: int | None = 30
            elif groups.get("quarter"):
                minutes = 15 if groups["quarter"] == "一" else 45
            else:
                minutes = _number(groups["m"]) if groups.get("m") else 0
            return None if hours is None or minutes is None else (hours, minutes)
    return None


def _time(text: str) -> Parsed:
    compact = re.sub(r"\s+", "", text).lower()
    period = None
    am_pm = _AM_PM.fullmatch(compact)
    if am_pm:
        compact, period = am_pm.group(1), am_pm.group(2).replace(".", "")
    word = _PERIOD_WORD.fullmatch(compact)
    if word and word.group(1):
        if period:
            return _TIME_BAD  # 下午2点pm: two period words
        compact, period = word.group(2), word.group(1)
    clock = _clock(compact)
    if clock is None:
        return _TIME_BAD
    hours, minutes = clock
    if period in ("am", "pm") and not 1 <= hours <= 12:
        return _TIME_BAD  # 13pm: unlike 下午14点, English never puts a 24-hour clock before am/pm
    if period:
        readings = {hours % 12, hours % 12 + 12} if 1 <= hours <= 12 else {hours}
        inside = [h for h in readings if h in _PERIODS[period]]
        if not inside:
            return _TIME_BAD
        hours = inside[0]
    if hours > 23 or minutes > 59:
        return _TIME_IMPOSSIBLE
    return Parsed(f"{hours:02d}:{minutes:02d}")


# --- date -------------------------------------------------------------------------------------------

# Month before day, as Chinese writes it: 12/1 is 1 December.
_DATES = [
    re.compile(r"(?P<y>[0-9]{4})[-/.](?P<m>[0-9]{1,2})[-/.](?P<d>[0-9]{1,2})"),
    re.compile(r"(?P<y>[0-9]{4})(?P<m>[0-9]{2})(?P<d>[0-9]{2})"),
    re.compile(rf"(?:(?P<y>[0-9]{{4}})年)?(?P<m>{_NUMBER})月(?P<d>{_NUMBER})[日号]?"),
    re.compile(r"(?P<m>[0-9]{1,2})[-/.](?P<d>[0-9]{1,2})"),
]


def _date(text: str) -> Parsed:
    compact = re.sub(r"\s+", "", text)
    match = next((m for m in (p.fullmatch(compact) for p in _DATES) if m), None)
    month = _number(match.group("m")) if match else None
    day = _number(match.group("d")) if match else None
    if match is None or month is None or day is None:
        return _bad("field_date_bad")
    year = match.groupdict().get("y")
    try:
        # Without a year, check against a leap year so that 2月29日 is allowed.
        date(int(year) if year else 2000, month, day)
    except ValueError:
        if year:
            return _bad("field_date_impossible", year=year, month=month, day=day)
        return _bad("field_date_impossible_no_year", month=month, day=day)
    return Parsed(f"{year}-{month:02d}-{day:02d}" if year else f"{month:02d}-{day:02d}")


# --- yes / no and free text -------------------------------------------------------------------------

_YES = {"是", "是的", "有", "要", "需要", "对", "好", "好的", "yes", "y", "ok", "1", "✓", "✔"}
_NO = {"否", "无", "没有", "不", "不要", "不需要", "不用", "no", "n", "0", "✗", "✘", "×"}


def _yes_no(text: str) -> Parsed:
    answer = re.sub(r"[.!。~]+$", "", text).strip().lower()
    if answer in _YES:
        return Parsed(YES)
    if answer in _NO:
        return Parsed(NO)
    return _bad("field_yes_no")


def _text(raw: str) -> Parsed:
    # Not NFKC: it would turn Chinese punctuation (，！？) into ASCII in what staff read.
    cleaned = clean_text(raw)
    if not cleaned:
        return _bad("field_text_empty")
    if len(cleaned) > 200:
        return _bad("field_text_too_long", length=len(cleaned))
    return Parsed(cleaned)


def parse_field(kind: FieldKind, raw: str, *, max_count: int = 20) -> Parsed:
    """The normalised value of `raw`, or an error; `max_count` bounds count, names and plates."""
    match kind:
        case "text":
            return _text(raw)
        case "name":
            return _name(_clean(raw))
        case "names":
            return _names(_clean(raw), max_count)
        case "count":
            return _count(_clean(raw), max_count)
        case "phone":
            return _phone(_clean(raw))
        case "plates":
            return _plates(_clean(raw), max_count)
        case "flight_no":
            return _flight_no(_clean(raw))
        case "time":
            return _time(_clean(raw))
        case "date":
            return _date(_clean(raw))
        case "yes_no":
            return _yes_no(_clean(raw))
        case _:
            assert_never(kind)
