"""Logging that never shows a phone or plate number in full."""

from __future__ import annotations

import logging
import re

# Mainland mobiles, landlines with area code, and plates such as 粤A12345 / 粤AD12345 (new energy).
_PHONE = re.compile(r"(?<!\d)(?:\(?0\d{2,3}\)?[-\s]?\d{7,8}|1[3-9]\d{9})(?!\d)")
_PLATE = re.compile(r"[京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼][A-Z][A-Z0-9]{5,6}")


def mask(text: str) -> str:
    text = _PHONE.sub(lambda m: m.group()[:3] + "*" * (len(m.group()) - 5) + m.group()[-2:], text)
    return _PLATE.sub(lambda m: m.group()[:2] + "*" * (len(m.group()) - 3) + m.group()[-1], text)


class MaskingFilter(logging.Filter):
    """Masks the formatted message (arguments included) of every record passing through a handler."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = mask(record.getMessage())
        record.args = None
        return True


def configure_logging(level: int | str = logging.INFO, json_lines: bool = False) -> None:
    from bot.log_format import JsonFormatter  # LOG_FORMAT=json

    handler = logging.StreamHandler()
    handler.setFormatter(
        JsonFormatter()
        if json_lines
        else logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    )
    handler.addFilter(MaskingFilter())
    logging.basicConfig(level=level, handlers=[handler], force=True)
    logging.getLogger("httpx").setLevel(logging.WARNING)  # its INFO lines carry the bot token in URLs
