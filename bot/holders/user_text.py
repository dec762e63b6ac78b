"""The one normalisation of text a user sends (questions, names, card numbers, typed form fields), applied
where it enters: by the Telegram adapters and the console.

Control characters other than line breaks and tabs go (PostgreSQL refuses NUL in text; the others only
garble what staff read), and so do format characters such as the zero-width space that chat apps paste
invisibly: a lone one is an empty message. Surrogates cannot be stored as UTF-8. Nothing else changes:
NFKC would turn Chinese punctuation into ASCII in what staff read, so the form's fields fold themselves.
"""

from __future__ import annotations

import re
import unicodedata

_DROP = frozenset({"Cc", "Cf", "Cs"})
_KEEP = frozenset("\n\t")
NAME_LIMIT = 64  # Telegram's own limit for first names; the column holds twice that
ID_DIGITS = 9  # a typed or forged record id: every 9-digit number fits an INTEGER column
ID_PATTERN = rf"[0-9]{{1,{ID_DIGITS}}}"


def clean_text(text: str) -> str:
    return "".join(c for c in text if c in _KEEP or unicodedata.category(c) not in _DROP).strip()


def clean_name(name: str) -> str:
    return " ".join(clean_text(name).split())[:NAME_LIMIT]


def parse_id(text: str) -> int | None:
    """A record id the user typed (console) or a button carried, or None: "²", "-1" and numbers too big for
    the database are no id."""
    return int(text) if re.fullmatch(ID_PATTERN, text) else None
