"""The standing guard: arbitrary updates through the real Application never break the bot.

Hypothesis drives every handler with sequences of arbitrary text, presses of real and forged buttons
(other users' ids, huge numbers, malformed data), edited messages and update types the bot does not
handle, from private chats and the staff group, with the clock moving and the periodic jobs running.
After each step: no exception reached the error handler, every callback query was answered once, the
fake Bot API refused nothing (so every reply was valid Telegram HTML within limits), and the database
invariants hold: no active booking without its quota use and seat, no quota or slot over its limit, no
reminder left to send for a booking that is not confirmed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from bot.answers.qa import Answerer
from bot.handlers.outbox_sender import drain_outbox
from bot.handlers.privacy import enforce_retention
from bot.handlers.reminders import nudge_staff, send_reminder, staff_agenda
from bot.handlers.staff import repost_overdue
from bot.holders.registry import import_registry, parse_registry
from bot.services import Services
from db.models import Base, Booking, QuotaUse, Reminder, SlotSeat
from db.session import Database
from tests.knowledge_factory import CARDS
from tests.telegram_harness import ADMIN, STAFF_CHAT, FakeClock, Harness, make_harness
from tests.test_telegram_bot import settings as bot_settings

AIRPORT, HOSPITAL, STRANGER, STAFFER, OUTSIDER = 401, 402, 403, 555, 404
PRIVATE_USERS = [AIRPORT, HOSPITAL, STRANGER, ADMIN, STAFFER]
GROUP_USERS = [STAFFER, OUTSIDER]
REGISTRY = (
    "card_number,card,holder_name,tier,valid_until\nBY0001,baiyun,王英才,standard,2030-12-31\n"
    "ZD0001,zhangdian,李企业,outstanding,2030-12-31\n"
)

# --- strategies -----------------------------------------------------------------------------------------

# What people type: commands, plausible form values, and anything at all (control and format
# characters, NUL, emoji, RTL marks, up to Telegram's 4096).
TYPED = st.sampled_from(
    [
        "/start",
        "/menu",
        "/book",
        "/mybookings",
        "/reminders",
        "/privacy",
        "/forget",
        "/help",
        "/unanswered",
        "/unanswered 30d",
        "/stats",
        "/reload",
        "/rollback",
        "/agenda",
        "/agenda 2026-12-01",
        "/pending",
        "/export",
        "/unbind BY0001",
        "/unbind BY\x000001",
        "/unbind",
        "/bind",
        "/bind BY0001",
        "/bind ZD0001",
        "/bind \x00\u200b",
        "/nonsense",
        "14:30",
        "09:00",
        "2026-12-01",
        "王英才",
        "CZ3101",
        "2",
        "0",
        "王英才，李四",
        "13800138000",
        "粤A12345",
        "是",
        "否",
        "需要轮椅",
        "区中医院绿色通道电话",
        "接机 举牌",
        "\u200b",
        "\x00",
        "<b>&amp;</b>",
        "字" * 4096,  # Telegram's limit: the staff post of it adds a header
    ]
)
ANY_TEXT = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), min_size=1, max_size=300
).filter(lambda text: text.strip() != "")
TEXT = st.one_of(TYPED, ANY_TEXT)
NUMBER = st.one_of(st.integers(-5, 50), st.integers(10**9, 10**30), st.just(2**63))
PREFIXES = [
    "card",
    "alt",
    "fb",
    "ho",
    "entry",
    "bk",
    "bk:c",
    "bk:ok",
    "bkx",
    "bkm",
    "rm",
    "st:ok",
    "st:no",
    "st:rj",
    "kb:ok",
    "kb:no",
    "un:h:7",
    "un:a:30",
    "fu",
]
FORGED = st.one_of(
    st.builds(lambda p, n: f"{p}:{n}", st.sampled_from(PREFIXES), NUMBER),
    st.builds(lambda n, v: f"fb:{n}:{v}", NUMBER, st.integers(-3, 3)),
    st.builds(lambda n: f"st:rj:{n}:full", NUMBER),
    st.text(min_size=0, max_size=64).filter(lambda d: len(d.encode()) <= 64),
)


@dataclass(frozen=True)
class Say:
    user: int
    text: str
    in_group: bool = False
    reply_to: int | None = None  # index of a bot message in the group to reply to
    edited: bool = False
    english: bool = False


@dataclass(frozen=True)
class Press:
    user: int
    button: int  # index into the buttons the bot has shown in that chat
    in_group: bool = False
    twice: bool = False  # a double tap


@dataclass(frozen=True)
class Forge:
    user: int
    data: str
    in_group: bool = False


@dataclass(frozen=True)
class Odd:
    user: int
    kind: str  # an update the bot has no handler for, or a message it cannot read


@dataclass(frozen=True)
class Book:
    """A whole booking form, typed and tapped as a holder would (choices picked by index), so the
    random steps around it meet real bookings to cancel, change, confirm and remind."""

    user: int
    picks: tuple[int, int, int]  # kind, day, slot (hospital)
    time: str
    detour: tuple[int, str]  # at this step, press a button again, go back, or cancel


AIRPORT_VALUES = [
    "CZ3101",
    "2",
    "王英才，李四",
    "13800138000",
    "1",
    "张三",
    "1",
    "粤A12345",
]  # the name is prefilled
HOSPITAL_VALUES = ["李企业", "13800138000", "需要轮椅"]


@dataclass(frozen=True)
class Later:
    minutes: int  # the clock moves; the periodic jobs and due reminders run


ACTIONS = st.one_of(
    st.builds(Say, st.sampled_from(PRIVATE_USERS), TEXT, edited=st.booleans(), english=st.booleans()),
    st.builds(
        Say,
        st.sampled_from(GROUP_USERS),
        TEXT,
        in_group=st.just(True),
        reply_to=st.none() | st.integers(0, 50),
        edited=st.booleans(),
    ),
    st.builds(Press, st.sampled_from(PRIVATE_USERS), st.integers(0, 10**6), twice=st.booleans()),
    st.builds(
        Press,
        st.sampled_from(GROUP_USERS),
        st.integers(0, 10**6),
        in_group=st.just(True),
        twice=st.booleans(),
    ),
    st.builds(Forge, st.sampled_from(PRIVATE_USERS + [OUTSIDER]), FORGED, in_group=st.booleans()),
    st.builds(
        Odd,
        st.sampled_from(PRIVATE_USERS),
        st.sampled_from(
            ["sticker", "photo", "voice", "channel", "member", "inline", "inline_button", "game"]
        ),
    ),
    st.builds(
        Book,
        st.sampled_from([AIRPORT, HOSPITAL]),
        st.tuples(st.integers(0, 3), st.integers(0, 15), st.integers(0, 15)),
        st.sampled_from(["14:30", "09:00", "23:59", "00:10", "12:00"]),
        st.tuples(st.integers(0, 20), st.sampled_from(["again", "back", "cancel", "none"])),
    ),
    st.builds(Later, st.sampled_from([1, 11, 61, 6 * 60, 25 * 60, 8 * 24 * 60])),
)

# --- running actions ------------------------------------------------------------------------------------


@dataclass
class Run:
    bot: Harness
    queries: list[str]

    def chat_of(self, action: Say | Press | Forge) -> int:
        return STAFF_CHAT if action.in_group else action.user

    async def feed(self, update: dict[str, Any]) -> None:
        if "callback_query" in update:
            self.queries.append(update["callback_query"]["id"])
        await self.bot.feed(update)

    async def say(self, action: Say) -> None:
        fake = self.bot.fake
        reply_to = None
        group_messages = fake.messages_to(STAFF_CHAT)
        if action.reply_to is not None and group_messages:
            reply_to = group_messages[action.reply_to % len(group_messages)]
        update = fake.make_text_update(
            action.user,
            action.text,
            chat_id=STAFF_CHAT if action.in_group else None,
            chat_type="supergroup" if action.in_group else "private",
            reply_to_message=reply_to,
            language_code="en" if action.english else "zh-hans",
        )
        if action.edited:
            message = update.pop("message")
            update["edited_message"] = {**message, "edit_date": message["date"] + 1}
        await self.feed(update)

    async def press(self, action: Press) -> None:
        chat = self.chat_of(action)
        buttons = [
            (message, data)
            for message in self.bot.fake.messages_to(chat)
            for _, data in self.bot.fake.buttons(message)
        ]
        if not buttons:
            return
        # The newest buttons are the likeliest to be pressed: a quarter of the time the last message's.
        message, data = buttons[-1 - action.button % min(len(buttons), 12 if action.button % 4 else 3)]
        for _ in range(2 if action.twice else 1):
            await self.feed(self.bot.fake.make_callback_update(action.user, data, message))

    async def forge(self, action: Forge) -> None:
        chat = self.chat_of(action)
        messages = self.bot.fake.messages_to(chat)
        if not messages:
            await self.bot.app.bot.send_message(chat, "·")
            messages = self.bot.fake.messages_to(chat)
        await self.feed(self.bot.fake.make_callback_update(action.user, action.data, messages[-1]))

    async def odd(self, action: Odd) -> None:
        fake, user = self.bot.fake, action.user
        if action.kind == "sticker":
            await self.feed(fake.make_sticker_update(user))
        elif action.kind == "photo":
            await self.feed(fake.make_photo_update(user, caption="/book"))
        elif action.kind == "voice":
            await self.feed(fake.make_voice_update(user, chat_id=STAFF_CHAT, chat_type="supergroup"))
        elif action.kind == "channel":
            post = fake.make_text_update(user, "/start", chat_id=-100777, chat_type="channel")["message"]
            post.pop("from")
            await self.feed(fake._update(channel_post=post))
        elif action.kind == "member":
            chat = {"id": STAFF_CHAT, "title": "staff", "type": "supergroup"}
            member = {"user": fake.users.get(user, {"id": user, "is_bot": False, "first_name": "x"})}
            await self.feed(
                fake._update(
                    my_chat_member={
                        "chat": chat,
                        "from": member["user"],
                        "date": 0,
                        "old_chat_member": {**member, "status": "left"},
                        "new_chat_member": {**member, "status": "member"},
                    }
                )
            )
        elif action.kind == "inline":
            sender = {"id": user, "is_bot": False, "first_name": "x"}
            await self.feed(
                fake._update(inline_query={"id": "iq1", "from": sender, "query": "bk", "offset": ""})
            )
        else:  # a button of an inline message (no message attached), or a game button (no data)
            sender = {"id": user, "is_bot": False, "first_name": "x"}
            query_id = f"q{len(self.queries)}x{user}"
            fake._callback_ids.add(query_id)
            query: dict[str, Any] = {"id": query_id, "from": sender, "chat_instance": "ci"}
            if action.kind == "inline_button":
                query.update(inline_message_id="im1", data="bk:start")
            else:
                query.update(message=fake.messages_to(user)[-1] if fake.messages_to(user) else None)
                query.update(game_short_name="game")
                if query["message"] is None:
                    query.pop("message")
            await self.feed(fake._update(callback_query=query))

    async def tap(self, user: int, pick: int, prefix: str) -> None:
        """Press the pick-th button starting with `prefix` on the user's last message."""
        message = self.bot.last_message(user)
        choices = [data for _, data in self.bot.fake.buttons(message) if data.startswith(prefix)]
        if choices:
            await self.feed(self.bot.fake.make_callback_update(user, choices[pick % len(choices)], message))

    async def book(self, action: Book) -> None:
        user, (kind, day, slot) = action.user, action.picks
        steps: list[tuple[str, str | int]] = [
            ("say", "/book"),
            ("bk:c:", kind),
            ("bk:c:20", day),
        ]  # a date (the calendar also pages)
        if user == HOSPITAL:
            steps += [("bk:c:", slot), *(("say", value) for value in HOSPITAL_VALUES)]
        else:
            steps += [("say", value) for value in (action.time, *AIRPORT_VALUES)] + [
                ("bk:c:", 0),
                ("bk:c:", 1),
            ]
        steps.append(("bk:ok:", 0))
        at, detour = action.detour
        for number, (prefix, value) in enumerate(steps):
            for _ in range(2 if number == at and detour == "again" else 1):  # a double tap or a repeat
                if prefix == "say":
                    await self.say(Say(user, str(value)))
                elif self.bot.fake.messages_to(user):
                    await self.tap(user, int(value), prefix)
            if number == at and detour in ("back", "cancel"):
                await self.tap(user, 0, f"bk:{detour}")

    async def later(self, action: Later) -> None:
        bot = self.bot
        bot.clock.advance(timedelta(minutes=action.minutes))
        context = bot.job_context()
        for job in (drain_outbox, nudge_staff, repost_overdue, staff_agenda, enforce_retention, drain_outbox):
            await job(context)
        async with bot.svc.db.session() as session:
            due = (
                await session.execute(
                    select(Reminder.id).where(Reminder.status == "scheduled", Reminder.due_at <= bot.clock())
                )
            ).scalars()
            due_ids = list(due)
        for reminder_id in due_ids:
            await send_reminder(context, reminder_id)

    async def do(self, action: Say | Press | Forge | Odd | Book | Later) -> None:
        await getattr(self, type(action).__name__.lower())(action)  # Say -> self.say, Book -> self.book


# --- invariants -----------------------------------------------------------------------------------------


def check_telegram(run: Run) -> None:
    bot = run.bot
    assert bot.errors == [], f"the error handler saw {bot.errors!r}"
    # Telegram refuses an edit to what a message already shows; the bot takes that as done (a double tap).
    refused = [error for error in bot.fake.errors if "message is not modified" not in error[2]]
    assert refused == [], f"the Bot API refused {refused[-1]!r}"
    answers: dict[str, int] = {}
    for answer in bot.fake.callback_answers:
        key = str(answer["callback_query_id"])
        answers[key] = answers.get(key, 0) + 1
    unanswered = [q for q in run.queries if answers.get(q, 0) != 1]
    assert unanswered == [], "callback queries not answered exactly once"


async def check_database(svc: Services) -> None:
    types = svc.knowledge.booking_types
    async with svc.db.session() as session:
        bookings = list((await session.execute(select(Booking))).scalars())
        uses = list((await session.execute(select(QuotaUse))).scalars())
        seats = list((await session.execute(select(SlotSeat))).scalars())
        reminders = list((await session.execute(select(Reminder))).scalars())
    by_id = {b.id: b for b in bookings}
    used_by = {u.booking_id for u in uses}
    seated = {s.booking_id for s in seats}
    for booking in bookings:
        rules = types[booking.type]
        active = booking.status in ("pending", "confirmed")
        if rules.yearly_quota is not None:
            assert (booking.id in used_by) == active, f"booking {booking.id} ({booking.status}) vs quota use"
        if rules.capacity_per_slot is not None:
            assert (booking.id in seated) == active, f"booking {booking.id} ({booking.status}) vs slot seat"
    for use in uses:
        assert 1 <= use.use <= (types[use.type].yearly_quota or 0), f"quota use {use.use} over the limit"
    per_year: dict[tuple[str, str, int], int] = {}
    for use in uses:
        key = (use.card_number, use.type, use.year)
        per_year[key] = per_year.get(key, 0) + 1
    assert all(count <= (types[key[1]].yearly_quota or 0) for key, count in per_year.items())
    for seat in seats:
        assert 1 <= seat.seat <= (types[seat.type].capacity_per_slot or 0)
    for reminder in reminders:
        if reminder.status in ("scheduled", "sending"):
            assert by_id[reminder.booking_id].status == "confirmed", (
                f"reminder {reminder.id} of a closed booking"
            )


# --- the test -------------------------------------------------------------------------------------------


async def fresh_bot(database: Database, answerer: Answerer) -> Harness:
    """A new bot on an emptied database, so each example starts alike and failures shrink well."""
    async with database.session() as session:
        for table in reversed(Base.metadata.sorted_tables):
            await session.execute(table.delete())
        await import_registry(session, parse_registry(REGISTRY, CARDS))
    clock = FakeClock()
    svc = Services(bot_settings(Path("knowledge")), answerer.knowledge, answerer, database, clock)
    harness = make_harness(svc, clock, rate_limit=False)  # Telegram's pacing would only slow the test
    harness.fake.members[(STAFF_CHAT, STAFFER)] = "member"
    return harness


@settings(max_examples=75, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(actions=st.lists(ACTIONS, min_size=1, max_size=10))
async def test_no_update_breaks_the_bot(
    database: Database, shipped_answerer: Answerer, actions: list[Any]
) -> None:
    bot = await fresh_bot(database, shipped_answerer)
    async with bot.app:
        await bot.say(AIRPORT, "/bind BY0001")
        await bot.say(HOSPITAL, "/bind ZD0001")
        run = Run(bot, [])
        for action in actions:
            await run.do(action)
            check_telegram(run)
            await check_database(bot.svc)
