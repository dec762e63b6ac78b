"""Logging that never shows a phone, plate, ID number or a booking's names in full, tracebacks included."""

from __future__ import annotations

import logging
import re

# Mainland mobiles, landlines with area code, and plates such as 粤A12345 / 粤AD12345 (new energy).
_PHONE = re.compile(r"(?<!\d)(?:\(?0\d{2,3}\)?[-\s]?\d{7,8}|1[3-9]\d{9})(?!\d)")
_PLATE = re.compile(r"[京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼][A-Z][A-Z0-9]{5,6}")
# Resident ID numbers: 17 digits and a check digit or X.
_ID_NUMBER = re.compile(r"(?<!\d)\d{17}[\dXx](?![\dXx])")
# A value after a key that names a person: booking fields (holder_name, passenger_names, …) as they
# appear in reprs, JSON and SQL parameters, and the labels of staff notices (持卡人姓名：…).
_NAME_VALUE = re.compile(
    r"""(?P<key>(?:\b[A-Za-z_]*_names?|\bnames?|[\u4e00-\u9fff]*(?:姓名|持卡人|就诊人|乘机人))"""
    r"""['"]?\s*[:=：]\s*['"]?)(?P<value>[^'",\n}）)(（]+)"""
)


def _keep_ends(value: str, head: int, tail: int) -> str:
    return value[:head] + "*" * (len(value) - head - tail) + (value[-tail:] if tail else "")


def mask(text: str) -> str:
    text = _ID_NUMBER.sub(lambda m: _keep_ends(m.group(), 3, 2), text)
    text = _PHONE.sub(lambda m: _keep_ends(m.group(), 3, 2), text)
    text = _PLATE.sub(lambda m: _keep_ends(m.group(), 2, 1), text)
    return _NAME_VALUE.sub(lambda m: m.group("key") + _keep_ends(m.group("value"), 1, 0), text)


class MaskingFilter(logging.Filter):
    """Masks everything a record will print: the message with its arguments, the traceback (where a
    database error shows its SQL parameters) and the stack."""

    _formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = mask(record.getMessage())
        record.args = None
        if record.exc_info and not record.exc_text:
            # Formatters print exc_text when it is set, so the masked text is what every handler shows.
            record.exc_text = self._formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask(record.exc_text)
        if record.stack_info:
            record.stack_info = mask(record.stack_info)
        return True


def configure_logging(level: int = logging.INFO) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(MaskingFilter())
    logging.basicConfig(level=level, handlers=[handler], force=True)
    logging.getLogger("httpx").setLevel(logging.WARNING)  # its INFO lines carry the bot token in URLs
