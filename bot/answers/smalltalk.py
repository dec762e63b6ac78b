"""Messages that are no question for the guides: greetings, thanks and acknowledgements (好的, 知道了) get a
short reply of their own, not "I can't answer that" or, worse, an answer to a question nobody asked; a
request the bot serves with a command (我的预约) runs it."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Literal

from bot.kb.schema import MatchingConfig

SmallTalk = Literal["greeting", "thanks", "acknowledgement"]

_TRAILING = re.compile(r"[\s!！。.~～,，?？啊呀呢哦喔啦]+$")


def _folded(text: str) -> str:
    folded = _TRAILING.sub("", unicodedata.normalize("NFKC", text).strip().lower())
    return re.sub(r"\s+", " ", folded)


@lru_cache(maxsize=64)  # each phrase list of the knowledge in use (and of the one before a reload)
def _folded_words(words: tuple[str, ...]) -> frozenset[str]:
    return frozenset(_folded(w) for w in words)


def small_talk(text: str, matching: MatchingConfig) -> SmallTalk | None:
    """A greeting, thanks or acknowledgement (the words of `matching.yaml`) when that is all the message
    says."""
    folded = _folded(text)
    if folded in _folded_words(tuple(matching.greetings)):
        return "greeting"
    thanks = _folded_words(tuple(matching.thanks))
    if folded in thanks or folded.replace(",", "") in thanks:
        return "thanks"
    if folded in _folded_words(tuple(matching.acknowledgements)):
        return "acknowledgement"
    return None


def command_in_words(text: str, matching: MatchingConfig) -> str | None:
    """The command a message asks for in words (我的预约: mybookings), when that is all it says."""
    folded = _folded(text)
    for command, phrases in matching.commands_in_words.items():
        if folded in _folded_words(tuple(phrases)):
            return command
    return None
