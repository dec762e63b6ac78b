"""The console channel: everything a card holder can do in Telegram, in a terminal, over the same domain.

Commands come from the one table in `bot/commands.py` (the Telegram channel registers the same table);
what Telegram does with buttons (choosing a card, opening an entry, votes, hand-over, form back/cancel)
the console does with the few extra words below.
"""

from __future__ import annotations

import asyncio
import re
import sys
from typing import TextIO

from bot.answers.render import answer_text, entry_blocks, plain
from bot.booking import actions as booking_actions
from bot.booking.actions import FormView
from bot.booking.form import EDIT_PREFILLED
from bot.booking.store import changeable
from bot.holders import actions as holder_actions
from bot.holders.actions import Asked, Chat, Wants, Who
from bot.holders.user_text import clean_text, parse_id
from bot.kb.schema import Entry
from bot.services import Services
from bot.texts import t

_TAGS = re.compile(r"</?[a-z]+>")
_YES = ("yes", "y", "是", "确认", "确定")


class Console:
    def __init__(self, svc: Services, who: Who, stdout: TextIO) -> None:
        self.svc, self.who, self.stdout = svc, who, stdout
        self.last: Asked | None = None
        self.form: FormView | None = None  # the booking form on screen, if one is open
        self.confirming: tuple[str, int] | None = None  # ("forget", 0) or ("cancel", booking id)
        self.reminders: list[int] = []  # the ids /reminders listed, for /mute N

    def say(self, text: str) -> None:
        print(_TAGS.sub("", text), file=self.stdout, flush=True)  # the shared texts carry Telegram tags

    async def show(self, entry: Entry) -> None:
        tier = (await holder_actions.profile(self.svc, self.who)).tier
        self.say(plain(entry_blocks(entry, self.svc.knowledge, self.who.lang, tier)))

    async def command(self, name: str, argument: str) -> None:
        from bot.commands import BY_NAME  # the table names this module's handlers: imported when used

        command = BY_NAME.get(name)
        if command is not None and command.console is not None:
            await command.console(self, argument)
            return
        buttons = {
            "card": self.choose_card,
            "open": self.open_entry,
            "good": self.about_last,
            "bad": self.about_last,
            "staff": self.about_last,
            "back": self.form_back,
            "cancelform": self.cancel_form,
            "cancelbooking": self.cancel_booking,
            "change": self.change_booking,
            "mute": self.mute,
        }
        if name in buttons:
            await buttons[name](name, argument)
        else:
            self.say(t("console_welcome", self.who.lang))

    # --- what Telegram does with buttons ---------------------------------------------------------------

    async def choose_card(self, _: str, argument: str) -> None:
        svc, lang = self.svc, self.who.lang
        if await holder_actions.choose_card(svc, self.who, argument):
            self.say(t("card_chosen", lang, card=svc.card_name(argument, lang)))
        else:
            self.say(t("console_card_unknown", lang, cards=", ".join(svc.knowledge.cards)))

    async def open_entry(self, _: str, argument: str) -> None:
        entry = self.svc.knowledge.by_id.get(argument)
        if entry is None:
            self.say(t("gone", self.who.lang))
            return
        await self.show(entry)
        for child in (e for e in self.svc.knowledge.entries if e.parent == entry.id):
            self.say(f"  /open {child.id}  {child.title}")

    async def about_last(self, name: str, _: str) -> None:
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

    async def form_back(self, _: str, __: str) -> None:
        self.show_form(await booking_actions.go_back(self.svc, self.who))

    async def cancel_form(self, _: str, __: str) -> None:
        await booking_actions.abandon(self.svc, self.who)
        self.form = None
        self.say(t("book_form_cancelled", self.who.lang))

    async def cancel_booking(self, _: str, argument: str) -> None:
        """Like Telegram's cancel button: asks first."""
        booking_id = parse_id(argument)
        if booking_id is None:
            self.say(t("booking_not_cancellable", self.who.lang))
            return
        self.confirming = ("cancel", booking_id)
        self.say(t("cancel_confirm", self.who.lang, id=argument, line="") + "  (yes / no)")

    async def change_booking(self, _: str, argument: str) -> None:
        booking_id = parse_id(argument)
        if booking_id is None:
            self.say(t("not_yours", self.who.lang))
            return
        self.show_form(await booking_actions.begin(self.svc, self.who, replaces=booking_id))

    async def mute(self, _: str, argument: str) -> None:
        lang = self.who.lang
        if not argument.isdecimal() or not 1 <= int(argument) <= len(self.reminders):
            self.say(t("not_yours", lang))
            return
        muted = await booking_actions.mute_reminder(self.svc, self.who, self.reminders[int(argument) - 1])
        self.say(t("reminder_muted" if muted else "not_yours", lang))
        if muted:
            await list_reminders(self, "")

    async def confirm_pending(self, text: str) -> None:
        what, booking_id = self.confirming  # type: ignore[misc]
        self.confirming = None
        lang = self.who.lang
        agreed = text.strip().lower() in _YES
        if what == "forget":
            if agreed:
                await booking_actions.forget_holder(self.svc, self.who)
            self.say(t("forget_done" if agreed else "forget_kept", lang))
            return
        if not agreed:
            self.say(t("cancel_kept", lang))
            return
        cancelled = await booking_actions.cancel_booking(self.svc, self.who, booking_id)
        self.say(
            t("booking_cancelled", lang, id=booking_id) if cancelled else t("booking_not_cancellable", lang)
        )
        if cancelled:
            await my_bookings(self, "")

    # --- the form --------------------------------------------------------------------------------------

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
        by_label = {c.label: c.value for c in screen.choices} if screen is not None else {}
        if screen is not None and (
            text in by_label or text.isdecimal() and 1 <= int(text) <= len(screen.choices)
        ):
            value = by_label[text] if text in by_label else screen.choices[int(text) - 1].value
            if screen.step == "confirm" and value != EDIT_PREFILLED:
                view = await booking_actions.confirm(self.svc, self.who, value)
            else:
                view = await booking_actions.press(self.svc, self.who, value)
        elif screen is not None and not screen.expects_text:
            self.say(t("console_pick_number", self.who.lang))
            return
        else:
            view = await booking_actions.typed(self.svc, self.who, text)
        self.show_form(view)

    async def text(self, text: str) -> None:
        if self.confirming is not None:
            await self.confirm_pending(text)
            return
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
        if isinstance(outcome, Chat):
            self.say(t(outcome.kind, self.who.lang))
            return
        if isinstance(outcome, Wants):
            await self.command(outcome.command, "")
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


# --- the console handlers of the command table (bot/commands.py) ---------------------------------------


async def start(console: Console, argument: str) -> None:
    svc, me = console.svc, console.who
    link = holder_actions.deep_link(svc, argument) if argument else None
    if link is None:
        console.say(t("console_welcome", me.lang))
        return
    if link.card is not None:
        await console.choose_card("card", link.card)
    if link.booking_type is not None:
        console.show_form(await booking_actions.begin(svc, me, type_id=link.booking_type))


async def menu(console: Console, _: str) -> None:
    svc, me = console.svc, console.who
    card = (await holder_actions.profile(svc, me)).card
    if card is None:
        console.say(t("choose_card_first", me.lang) + " /card " + " | ".join(svc.knowledge.cards))
        return
    console.say(t("menu", me.lang, card=svc.card_name(card, me.lang)))
    for entry in svc.knowledge.entries:
        if entry.parent is None and entry.card in svc.knowledge.offered_to(card):
            console.say(f"  /open {entry.id}  {entry.title}")


async def bind(console: Console, argument: str) -> None:
    svc, me = console.svc, console.who
    if argument:
        console.say((await holder_actions.bind(svc, me, argument))[1])
        return
    await holder_actions.expect_card_number(svc, me, True)
    console.say(t("bind_prompt", me.lang))


async def book(console: Console, _: str) -> None:
    console.show_form(await booking_actions.begin(console.svc, console.who))


async def my_bookings(console: Console, _: str) -> None:
    svc, me = console.svc, console.who
    rows = await booking_actions.my_bookings(svc, me)
    if not rows:
        console.say(t("mybookings_none", me.lang))
        return
    console.say(t("mybookings_title", me.lang))
    now = svc.clock()
    for booking in rows:
        line = booking_actions.booking_line(svc, booking, me.lang)
        actions = f"  /change {booking.id}  /cancelbooking {booking.id}" if changeable(booking, now) else ""
        console.say(line + actions)


async def list_reminders(console: Console, _: str) -> None:
    items = await booking_actions.reminder_list(console.svc, console.who)
    console.reminders = [item.reminder_id for item in items]
    if not items:
        console.say(t("reminders_none", console.who.lang))
        return
    console.say(t("reminders_title", console.who.lang))
    for number, item in enumerate(items, start=1):
        console.say(f"  {item.line}  /mute {number}")


async def language(console: Console, argument: str) -> None:
    lang = "en" if argument.lower().startswith("en") else "zh" if argument else None
    if lang is None:
        console.say(t("language_choose", console.who.lang) + "  /language zh | /language en")
        return
    await holder_actions.choose_language(console.svc, console.who, lang)
    console.who = Who(console.who.user_id, console.who.first_name, lang)
    console.say(t("language_set", lang))


async def help_command(console: Console, _: str) -> None:
    from bot.commands import help_text

    console.say(help_text(console.who.lang))


async def privacy(console: Console, _: str) -> None:
    console.say(t("privacy", console.who.lang, days=console.svc.settings.retention_days))


async def forget(console: Console, _: str) -> None:
    """Asks first, like Telegram's confirm button."""
    console.confirming = ("forget", 0)
    console.say(t("forget_confirm", console.who.lang) + "  (yes / no)")


async def run_console(
    svc: Services, who: Who, card: str | None, stdin: TextIO | None = None, stdout: TextIO | None = None
) -> int:
    stdin, stdout = stdin or sys.stdin, stdout or sys.stdout
    console = Console(svc, who, stdout)
    console.say(t("console_welcome", who.lang))
    if card:
        await console.command("card", card)
    try:
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
    finally:
        await svc.questions.flush()  # the questions of the session, written behind the replies
