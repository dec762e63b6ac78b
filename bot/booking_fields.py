"""Values typed into a booking form: validated, normalised, or refused with a message that shows an example."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from bot.kb.schema import FieldKind


@dataclass(frozen=True)
class FieldError:
    zh: str
    en: str


@dataclass(frozen=True)
class Parsed:
    value: str  # normalised; "" when there is an error
    error: FieldError | None = None


def _bad(zh: str, en: str) -> Parsed:
    return Parsed("", FieldError(zh, en))


_NAME = re.compile(r"^(?:[\u4e00-\u9fff·]{2,20}|[A-Za-z][A-Za-z '\-]{1,19})$")
_SPLIT = re.compile(r"[,，、;；/]+|\s+(?=[\u4e00-\u9fff])")
_NUMERALS = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
_PLATE = re.compile(rf"^[{_PROVINCES}][A-Z](?:[A-HJ-NP-Z0-9]{{5}}|[A-HJ-NP-Z0-9]{{6}})$")
_FLIGHT = re.compile(r"^(?=[A-Z0-9]{2})(?:[A-Z][A-Z0-9]|[0-9][A-Z])[0-9]{1,4}[A-Z]?$")
_NONE = {"无", "没有", "none", "no"}
_YES = {"是", "有", "要", "需要", "yes", "y", "1", "✓", "对"}
_NO = {"否", "无", "没有", "不", "不要", "不需要", "no", "n", "0"}


def _chinese_number(text: str) -> int | None:
    """零..二十 in Chinese numerals (两 included), or Arabic digits."""
    if text.isdigit():
        return int(text)
    if text in _NUMERALS:
        return _NUMERALS[text]
    match = re.fullmatch(r"([一二两]?)十([一二三四五六七八九]?)", text)
    if match:
        tens = _NUMERALS[match.group(1)] if match.group(1) else 1
        return tens * 10 + (_NUMERALS[match.group(2)] if match.group(2) else 0)
    return None


def _name(text: str) -> str | None:
    cleaned = re.sub(r"\s+", " ", text.strip())
    return cleaned if _NAME.match(cleaned) else None


def _time(text: str) -> str | None:
    compact = text.lower().replace(" ", "")
    afternoon = bool(re.match(r"^(下午|晚上|pm)", compact)) or compact.endswith("pm")
    compact = re.sub(r"^(上午|早上|下午|晚上|中午|am|pm)|(am|pm)$", "", compact)
    match = re.fullmatch(r"(\d{1,2})(?::|点|时)?(\d{2}|半)?分?", compact)
    if not match:
        return None
    hours = int(match.group(1))
    minutes = 30 if match.group(2) == "半" else int(match.group(2) or 0)
    if afternoon and hours < 12:
        hours += 12
    if hours > 23 or minutes > 59:
        return None
    return f"{hours:02d}:{minutes:02d}"


def _date(text: str) -> str | None:
    match = re.fullmatch(r"(?:(\d{4})[-/年.])?(\d{1,2})[-/月.](\d{1,2})日?", text.replace(" ", ""))
    if not match:
        return None
    year = int(match.group(1)) if match.group(1) else 2000  # a leap year, so 02-29 is checked as possible
    try:
        day = date(year, int(match.group(2)), int(match.group(3)))
    except ValueError:
        return None
    return day.isoformat() if match.group(1) else f"{day:%m-%d}"


def parse_field(kind: FieldKind, raw: str, *, max_count: int = 20) -> Parsed:
    """Dates without a year come back as MM-DD (the form asks dates with buttons; this is for typed ones)."""
    text = unicodedata.normalize("NFKC", raw).strip()
    if kind == "name":
        name = _name(text)
        return Parsed(name) if name else _bad("姓名格式不对，请输入如“王英才”的姓名。",
                                              "Please type a name, e.g. Wang Yingcai.")
    if kind == "names":
        names = [_name(part) for part in _SPLIT.split(text) if part.strip()]
        if not names or None in names or len(names) > max_count:
            return _bad(f"请输入姓名，多人用逗号分隔（最多 {max_count} 人），如“王英才，李四”。",
                        f"Type names separated by commas (at most {max_count}), e.g. Wang Li, Li Si.")
        return Parsed("、".join(n for n in names if n))
    if kind == "count":
        number = _chinese_number(re.sub(r"[人位辆个]$", "", text))
        if number is None or number > max_count:
            return _bad(f"请输入 0 到 {max_count} 之间的数字，如 2。", f"Type a number from 0 to {max_count}, e.g. 2.")
        return Parsed(str(number))
    if kind == "phone":
        digits = re.sub(r"[\s\-()（）]", "", text)
        digits = re.sub(r"^(\+?86)(?=1\d{10}$)", "", digits)
        if re.fullmatch(r"1[3-9]\d{9}", digits):
            return Parsed(digits)
        landline = re.fullmatch(r"(0(?:10|2\d|[3-9]\d{2}))(\d{7,8})", digits)
        if landline:
            return Parsed(f"{landline.group(1)}-{landline.group(2)}")
        return _bad("电话格式不对，请输入手机号（如 13800138000）或带区号的座机（如 020-86132888）。",
                    "Type a mobile (e.g. 13800138000) or a landline with area code (e.g. 020-86132888).")
    if kind == "plates":
        if text.lower() in _NONE:
            return Parsed("无")
        plates = [re.sub(r"[\s·.\-]", "", p).upper() for p in re.split(r"[,，、;；]+|\s{2,}", text) if p.strip()]
        if not plates or not all(_PLATE.match(p) for p in plates):
            return _bad("车牌号格式不对，请输入如“粤A12345”的车牌，多辆用逗号分隔；没有请输入“无”。",
                        "Type plates like 粤A12345, separated by commas; 无 if none.")
        return Parsed("、".join(plates))
    if kind == "flight_no":
        flight = re.sub(r"\s", "", text).upper()
        if _FLIGHT.match(flight):
            return Parsed(flight)
        return _bad("航班号格式不对，请输入如 CZ3101 的航班号。",
                    "That doesn't look like a flight number; please type one like CZ3101.")
    if kind == "time":
        clock = _time(text)
        return Parsed(clock) if clock else _bad("时间格式不对，请输入如 14:30 的时间。",
                                                "Type a time like 14:30.")
    if kind == "date":
        day = _date(text)
        return Parsed(day) if day else _bad("日期格式不对，请输入如 2026-12-01 或 12月1日。",
                                            "Type a date like 2026-12-01.")
    if kind == "yes_no":
        lowered = text.lower()
        if lowered in _YES:
            return Parsed("是")
        if lowered in _NO:
            return Parsed("否")
        return _bad("请回答“是”或“否”。", "Please answer yes or no.")
    if 1 <= len(text) <= 200:
        return Parsed(text)
    return _bad("请输入 1 到 200 字的说明。", "Please type 1 to 200 characters.")
