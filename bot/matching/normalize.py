"""Text folding shared by the knowledge side and the question side."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from bot.matching.simplified import to_simplified

_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
# Runs of Chinese characters, of Latin letters (two or more: the "s" of "people's" says nothing), of
# digits; everything else separates them.
RUN_RE = re.compile(rf"[{_CJK}]+|[a-z]{{2,}}|[0-9]+")
CJK_RE = re.compile(rf"^[{_CJK}]+$")


def fold(text: str) -> str:
    """NFKC (full-width to half-width), lower case. Knowledge text is already Simplified."""
    return unicodedata.normalize("NFKC", text).lower()


@lru_cache(maxsize=4096)  # a question is folded at each step of answering it
def fold_question(text: str) -> str:
    """Like `fold`, plus Traditional to Simplified: users type either."""
    return to_simplified(fold(text))


def runs(text: str) -> list[str]:
    """Split folded text into runs of one script; punctuation and spaces only separate."""
    return RUN_RE.findall(text)


def is_cjk(run: str) -> bool:
    return bool(CJK_RE.match(run))


def compact(text: str) -> str:
    """Folded text without punctuation or spaces, for whole-string fuzzy comparison."""
    return "".join(runs(text))
