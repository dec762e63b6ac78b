"""The console channel: the card holder's Q&A in a terminal, over the same domain as Telegram."""

from __future__ import annotations

from typing import TextIO
import sys

from bot.qa import Answer, Answerer
from bot.render import answer_text, entry_blocks, plain
from bot.texts import language_of, t


def run_console(
    answerer: Answerer, card: str | None, stdin: TextIO | None = None, stdout: TextIO | None = None
) -> int:
    stdin = stdin or sys.stdin
    stdout = stdout or sys.stdout
    knowledge = answerer.knowledge
    say = lambda text: print(text, file=stdout, flush=True)  # noqa: E731
    say(t("console_welcome", "zh"))
    last: Answer | None = None
    while True:
        stdout.write("> ")
        stdout.flush()
        line = stdin.readline()
        if not line:
            return 0
        text = line.strip()
        if not text:
            continue
        if text in ("/quit", "/exit"):
            return 0
        if text.startswith("/card"):
            wanted = text.removeprefix("/card").strip()
            if wanted in knowledge.cards:
                card = wanted
                say(t("console_card_set", "zh", name=knowledge.cards[wanted].name))
            else:
                say(t("console_card_unknown", "zh", cards=", ".join(knowledge.cards)))
            continue
        lang = language_of(text)
        if text.isdigit() and last is not None and 1 <= int(text) <= len(last.alternatives):
            say(plain(entry_blocks(last.alternatives[int(text) - 1].entry, knowledge, lang)))
            continue
        last = answerer.answer(text, card)
        say(answer_text(last, knowledge, lang))
        if last.answered and last.alternatives:
            say(t("did_you_mean", lang))
            for number, suggestion in enumerate(last.alternatives, start=1):
                say(f"{number}. {suggestion.entry.title}")
