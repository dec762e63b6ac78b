"""Greetings and thanks get a short reply of their own, not "I can't answer that"."""

from __future__ import annotations

import re
import unicodedata
from typing import Literal

SmallTalk = Literal["greeting", "thanks"]

_GREETINGS = {
    "你好",
    "您好",
    "嗨",
    "哈喽",
    "哈啰",
    "在吗",
    "在不在",
    "早上好",
    "上午好",
    "下午好",
    "晚上好",
    "早",
    "早安",
    "hi",
    "hello",
    "hey",
    "good morning",
    "good afternoon",
    "good evening",
}
_THANKS = {
    "谢谢",
    "谢谢你",
    "谢谢您",
    "多谢",
    "感谢",
    "非常感谢",
    "谢啦",
    "谢了",
    "好的谢谢",
    "好的，谢谢",
    "ok谢谢",
    "thanks",
    "thank you",
    "thx",
    "ty",
    "thanks a lot",
    "many thanks",
}
_TRAILING = re.compile(r"[\s!！。.~～,，?？啊呀呢哦喔啦]+$")


def small_talk(text: str) -> SmallTalk | None:
    folded = _TRAILING.sub("", unicodedata.normalize("NFKC", text).strip().lower())
    folded = re.sub(r"\s+", " ", folded)
    if folded in _GREETINGS:
        return "greeting"
    if folded in _THANKS or folded.replace(",", "") in _THANKS:
        return "thanks"
    return None
