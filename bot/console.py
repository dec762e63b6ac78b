"""The console channel: everything a card holder can do in Telegram, in a terminal, over the same domain."""

from __future__ import annotations

import asyncio
import re
import sys
from typing import TextIO

from bot.answers.render import answer_text, entry_blocks, plain
from bot.booking import actions as booking_actions
from bot.booking.actions import FormView
from bot.holders import actions as holder_actions
from bot.holders.actions import Asked, Who
from bot.holders.user_text import clean_text, parse_id
from bot.kb.schema import Entry
from bot.services import Services
from bot.texts import t

_TAGS = re.compile(r"</?[a-z]+>")


class Console:
    def __init__(self, svc: Services, who: Who, stdout: TextIO) -> None:
        self.svc, self.who, self.stdout = svc, who, stdout
        self.last: Asked | None = None
        self.form: FormView | None = None  # the booking form on screen, if one is open

    def say(self, text: str) -> None:
        print(_TAGS.sub("", text), file=self.stdout, flush=True)  # the shared texts carry Telegram tags

    async def show(self, entry: Entry) -> None:
        tier = (await holder_actions.profile(self.svc, self.who)).tier
        self.say(plain(entry_blocks(entry, self.svc.knowledge, self.who.lang, tier)))

    async def command(self, name: str, argument: str) -> None:
        svc, me, lang = self.svc, self.who, self.who.lang
        if name == "card":
            if await holder_actions.choose_card(svc, me, argument):
                self.say(t("card_chosen", lang, card=svc.card_name(argument, lang)))
            else:
                self.say(t("console_card_unknown", lang, cards=", ".join(svc.knowledge.cards)))
        elif name == "bind":
            if argument:
                self.say((await holder_actions.bind(svc, me, argument))[1])
            else:
                await holder_actions.expect_card_number(svc, me, True)
                self.say(t("bind_prompt", lang))
        elif name == "menu":
            card = (await holder_actions.profile(svc, me)).card
            if card is None:
                self.say(t("choose_card_first", lang) + " /card " + " | ".join(svc.knowledge.cards))
                return
            self.say(t("menu", lang, card=svc.card_name(card, lang)))
            for entry in svc.knowledge.entries:
                if entry.parent is None and entry.card in svc.knowledge.offered_to(card):
                    self.say(f"  /open {entry.id}  {entry.title}")
        elif name == "open":
            entry = svc.knowledge.by_id.get(argument)
            if entry is None:
                self.say(t("gone", lang))
                return
            await self.show(entry)
            for child in (e for e in svc.knowledge.entries if e.parent == entry.id):
                self.say(f"  /open {child.id}  {child.title}")
        elif name in ("good", "bad", "staff"):
            await self.about_last(name)
        elif name == "book":
            self.show_form(await booking_actions.begin(svc, me))
        elif name == "back":
            self.show_form(await booking_actions.go_back(svc, me))
        elif name == "cancelform":
            await booking_actions.abandon(svc, me)
            self.form = None
            self.say(t("book_form_cancelled", lang))
        elif name == "mybookings":
            rows = await booking_actions.my_bookings(svc, me)
            self.say(
                "\n".join(
                    [t("mybookings_title", lang)] + [booking_actions.booking_line(svc, b, lang) for b in rows]
                )
                if rows
                else t("mybookings_none", lang)
            )
        elif name == "cancelbooking" and (booking_id := parse_id(argument)) is not None:
            cancelled = await booking_actions.cancel_booking(svc, me, booking_id)
            self.say(
                t("booking_cancelled", lang, id=argument) if cancelled else t("booking_not_cancellable", lang)
            )
        elif name == "privacy":
            self.say(t("privacy", lang, days=self.svc.settings.retention_days))
        elif name == "forget":
            await holder_actions.forget_me(svc, me)
            self.say(t("forget_done", lang))
        else:
            self.say(t("console_welcome", lang))

    async def about_last(self, name: str) -> None:
        lang = self.who.lang
        if self.last is None:
            self.say(t("console_nothing_to_rate", lang))
        elif name == "staff":
            request = await holder_actions.hand_over(
                self.svc, self.who, self.last.question_id, self.who.user_id
            )
            # Not posted from here: the running bot posts hand-overs that have no posting yet.
            self.say(t("console_staff_queued", lang, id=request.handover.id) if request else t("gone", lang))
        else:
            await holder_actions.vote(self.svc, self.who, self.last.question_id, 1 if name == "good" else -1)
            self.say(t("vote_thanks", lang))

    def show_form(self, view: FormView | None) -> None:
        self.form = view if view is not None and view.screen is not None else None
        if view is None:
            self.say(t("book_no_form", self.who.lang))
            return
        if view.notice:
            self.say(view.notice)
        if view.screen is not None:
            self.say(view.screen.text)
            for number, choice in enumerate(view.screen.choices, start=1):
                self.say(f"  {number}. {choice.label}")
            self.say("  /back /cancelform")

    async def form_input(self, text: str) -> None:
        screen = self.form.screen if self.form else None
        if screen is not None and text.isdecimal() and 1 <= int(text) <= len(screen.choices):
            value = screen.choices[int(text) - 1].value
            if screen.step == "confirm":
                view = await booking_actions.confirm(self.svc, self.who, value)
            else:
                view = await booking_actions.press(self.svc, self.who, value)
        else:
            view = await booking_actions.typed(self.svc, self.who, text)
        self.show_form(view)

    async def text(self, text: str) -> None:
        if self.form is not None:
            await self.form_input(text)
            return
        if (
            self.last is not None
            and text.isdecimal()
            and 1 <= int(text) <= len(self.last.answer.alternatives)
        ):
            suggestion = self.last.answer.alternatives[int(text) - 1]
            entry = await holder_actions.open_suggestion(
                self.svc, self.who, self.last.question_id, suggestion.entry.id
            )
            if entry is not None:
                await self.show(entry)
            return
        outcome = await holder_actions.ask(self.svc, self.who, text)
        if outcome is None:  # a form left open in an earlier session: show where it stands
            self.show_form(await booking_actions.current(self.svc, self.who))
            if self.form is not None:
                await self.form_input(text)
            return
        if not isinstance(outcome, Asked):
            self.say(outcome[1])
            return
        self.last = outcome
        self.say(answer_text(outcome.answer, self.svc.knowledge, self.who.lang, outcome.tier))
        if outcome.answer.answered and outcome.answer.alternatives:
            self.say(t("did_you_mean", self.who.lang))
            for number, suggestion in enumerate(outcome.answer.alternatives, start=1):
                self.say(f"{number}. {suggestion.entry.title}")


async def run_console(
    svc: Services, who: Who, card: str | None, stdin: TextIO | None = None, stdout: TextIO | None = None
) -> int:
    stdin, stdout = stdin or sys.stdin, stdout or sys.stdout
    console = Console(svc, who, stdout)
    console.say(t("console_welcome", who.lang))
    if card:
        await console.command("card", card)
    while True:
        stdout.write("> ")
        stdout.flush()
        line = await asyncio.to_thread(stdin.readline)  # keep the event loop free while the user types
        if not line:
            return 0
        text = clean_text(line)
        if text in ("/quit", "/exit"):
            return 0
        if text.startswith("/"):
            name, _, argument = text[1:].partition(" ")
            await console.command(name, argument.strip())
        elif text:
            await console.text(text)
