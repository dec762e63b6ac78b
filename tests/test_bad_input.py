"""Bad input through the real Application: forged and stale callback data, buttons pressed in the wrong
chat, and text with NUL, control and format characters (on SQLite and PostgreSQL)."""

from __future__ import annotations

import io
from typing import Any

import pytest
from sqlalchemy import select

from bot.answers.qa import Answerer
from bot.console import run_console
from bot.holders.actions import Who
from bot.kb.loader import KnowledgeBase
from bot.services import Services
from bot.settings import Settings
from db.models import Booking, BookingDraft, QuestionLog, User
from db.session import Database
from tests.telegram_harness import STAFF_CHAT, Harness
from tests.test_staff_ops import HOLDER, STAFFER, STRANGER
from tests.test_staff_ops import bot as bot  # noqa: F401  (the fixture: a registry with BY0001, a staffer)

HUGE = "9" * 30


async def staff_message(bot: Harness) -> dict[str, Any]:
    """A bot message in the staff group, as a booking notice would be."""
    await bot.app.bot.send_message(STAFF_CHAT, "📋 notice")
    return bot.last_message(STAFF_CHAT)


async def press_and_check_answered(bot: Harness, user: int, data: str, message: dict[str, Any]) -> str:
    update = bot.fake.make_callback_update(user, data, message)
    await bot.feed(update)
    answers = [
        a for a in bot.fake.callback_answers if a["callback_query_id"] == update["callback_query"]["id"]
    ]
    assert len(answers) == 1, f"{data!r} answered {len(answers)} times"
    return str(answers[0].get("text") or "")


@pytest.mark.parametrize(
    "data",
    [
        f"bkx:{HUGE}",
        f"bkm:{HUGE}",
        f"rm:{HUGE}",
        f"fb:{HUGE}:1",
        f"ho:{HUGE}",
        f"alt:{HUGE}:baiyun.airport",
        "bkx:-1",
        "bkx:",
        "fb:1:2",
        "st:ok:abc",
        "bk:c:",
        "entry:",
        "card:../x",
        "nonsense",
        "",
    ],
)
async def test_out_of_range_and_malformed_callback_data_is_answered_not_raised(
    bot: Harness, data: str
) -> None:
    await bot.say(HOLDER, "/start")
    text = await press_and_check_answered(bot, HOLDER, data, bot.last_message(HOLDER))
    assert not bot.errors
    assert text  # the user is told, not left with a silent spinner


async def test_a_stale_button_answers_in_the_users_language(bot: Harness) -> None:
    await bot.say(HOLDER, "/start", language_code="en")
    update = bot.fake.make_callback_update(HOLDER, "old:v1:7", bot.last_message(HOLDER), language_code="en")
    await bot.feed(update)
    assert bot.fake.callback_answers[-1]["text"] == "This button has expired or does not work here."


@pytest.mark.parametrize(
    "data", ["bk:cancel", "bk:back", "card:zhangdian", "forget:no", "forget:yes", "menu"]
)
async def test_private_buttons_do_nothing_in_the_staff_group(bot: Harness, data: str) -> None:
    notice = await staff_message(bot)
    await bot.say(STAFFER, "/start")  # the staffer also uses the bot privately
    before = len(bot.fake.sent)
    await press_and_check_answered(bot, STAFFER, data, notice)
    assert len(bot.fake.sent) == before  # no edit of the notice, nothing posted in the group
    assert bot.fake.messages[(STAFF_CHAT, notice["message_id"])]["text"] == "📋 notice"
    async with bot.svc.db.session() as session:
        staffer = await session.get(User, STAFFER)
        assert staffer is not None and staffer.card is None  # card:… did not act either
    assert not bot.errors


@pytest.mark.parametrize("in_group", [False, True])
async def test_a_query_without_data_matches_no_handler(bot: Harness, in_group: bool) -> None:
    """PTB lets a callback query without data match every pattern; ours must not run on it."""
    message = await staff_message(bot) if in_group else None
    if message is None:
        await bot.say(HOLDER, "/start")
        message = bot.last_message(HOLDER)
    text = await press_and_check_answered(bot, STAFFER, "", message)
    assert "失效" in text and not bot.errors


async def test_staff_buttons_do_nothing_in_a_private_chat(bot: Harness) -> None:
    await bot.say(HOLDER, "/bind BY0001")
    await bot.say(HOLDER, "/start")
    before = len(bot.fake.calls_of("getChatMember"))
    text = await press_and_check_answered(bot, STAFFER, "st:ok:1", bot.last_message(HOLDER))
    assert "失效" in text and len(bot.fake.calls_of("getChatMember")) == before


# --- text: NUL, control and format characters --------------------------------------------------------


async def test_nul_and_format_characters_in_a_question_and_a_name_are_cleaned(bot: Harness) -> None:
    await bot.say(HOLDER, "/start", first_name="王\x00英\u200b才")
    await bot.press(HOLDER, "card:baiyun", bot.last_message(HOLDER), first_name="王\x00英\u200b才")
    await bot.say(HOLDER, "接机\x00举牌\u200b\x07吗", first_name="王\x00英\u200b才")
    await bot.say(HOLDER, "/menu", first_name="王\x00英\u200b才")  # later interactions keep working
    assert not bot.errors
    assert "白云区云聚英才卡" in bot.fake.last_text(HOLDER)
    async with bot.svc.db.session() as session:
        user = await session.get(User, HOLDER)
        asked = (await session.execute(select(QuestionLog))).scalar_one()
    assert user is not None and user.first_name == "王英才"
    assert asked.text == "接机举牌吗"


async def test_nul_in_a_card_number_binds_or_is_refused_without_error(bot: Harness) -> None:
    await bot.say(HOLDER, "/bind BY\x000001")
    assert "绑定成功" in bot.fake.last_text(HOLDER)
    await bot.say(STRANGER, "/bind")
    await bot.say(STRANGER, "\x00\u200b")
    await bot.say(STRANGER, "ZZ\x00")
    assert "还可尝试" in bot.fake.last_text(STRANGER)
    assert not bot.errors


async def test_a_lone_zero_width_space_does_not_fill_a_required_field(bot: Harness) -> None:
    await bot.say(HOLDER, "/bind BY0001")
    await bot.say(HOLDER, "/book")
    for data in ("bk:c:domestic-departure", "bk:c:2026-11-30"):
        await bot.press(HOLDER, data, bot.last_message(HOLDER))
    await bot.say(HOLDER, "14:30")
    assert "航班号" in bot.fake.last_text(HOLDER)
    await bot.say(HOLDER, "\u200b")
    assert "航班号" in bot.fake.last_text(HOLDER)  # asked again
    await bot.say(HOLDER, "\u200b\x00")
    async with bot.svc.db.session() as session:
        draft = await session.get(BookingDraft, HOLDER)
        assert draft is not None and "flight_no" not in draft.data.get("values", {})  # type: ignore[operator]
        assert (await session.execute(select(Booking))).first() is None
    assert not bot.errors


async def test_a_double_tap_or_back_on_the_first_step_is_no_error(bot: Harness) -> None:
    await bot.say(HOLDER, "/bind BY0001")
    await bot.say(HOLDER, "/book")
    form = bot.last_message(HOLDER)
    await press_and_check_answered(bot, HOLDER, "bk:back", form)  # nothing before the first step
    await press_and_check_answered(bot, HOLDER, "bk:c:domestic-departure", form)
    await press_and_check_answered(bot, HOLDER, "bk:c:domestic-departure", form)  # a double tap
    await press_and_check_answered(bot, HOLDER, "bk:cancel", form)
    await press_and_check_answered(bot, HOLDER, "bk:cancel", form)
    assert not bot.errors and bot.fake.last_text(HOLDER) == "已取消本次预约填写。"


async def test_the_console_takes_the_same_bad_input_without_error(
    database: Database, shipped: KnowledgeBase
) -> None:
    svc = Services(Settings(_env_file=None), shipped, Answerer(shipped), database)
    script = f"/card baiyun\n/cancelbooking {HUGE}\n/cancelbooking ²\n区图书馆\x00电话\u200b\n²\n\u200b\n/privacy\n/quit\n"
    stdout = io.StringIO()
    assert await run_console(svc, Who(9, "console", "zh"), None, io.StringIO(script), stdout) == 0
    out = stdout.getvalue()
    assert "36214296" in out and "{days}" not in out and "365 天" in out
    async with database.session() as session:
        asked = (await session.execute(select(QuestionLog))).scalars().all()
    assert [q.text for q in asked] == ["区图书馆电话", "²"]  # "²" is no suggestion number: a question


async def test_a_button_whose_handler_fails_is_still_answered(
    bot: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(*args: object) -> bool:
        raise RuntimeError("database gone")

    monkeypatch.setattr("bot.holders.actions.vote", broken)
    await bot.say(HOLDER, "/start")
    text = await press_and_check_answered(bot, HOLDER, "fb:1:1", bot.last_message(HOLDER))
    assert text == "抱歉，系统出了点问题，请稍后再试。"
    assert [type(error) for error in bot.errors] == [RuntimeError]


async def test_command_arguments_are_cleaned_like_text(bot: Harness) -> None:
    await bot.say(HOLDER, "/bind BY\x000001")
    await bot.say(STAFFER, "/unbind BY\x00\u200b0001", chat_id=STAFF_CHAT, chat_type="supergroup")
    await bot.say(STAFFER, "/agenda \u200b", chat_id=STAFF_CHAT, chat_type="supergroup")
    assert not bot.errors
    async with bot.svc.db.session() as session:
        holder = await session.get(User, HOLDER)
    assert holder is not None and holder.card_number is None  # the cleaned number was unbound
    assert "今日" in bot.fake.last_text(STAFF_CHAT) or "2026-11-23" in bot.fake.last_text(STAFF_CHAT)
