"""One way in: deep links, /language, greetings, and one command table for Telegram and the console."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import yaml
from telegram.ext import CommandHandler

from bot.answers.qa import Answerer
from bot.answers.smalltalk import small_talk
from bot.app import set_command_menus
from bot.commands import COMMANDS, Command, menu_of
from bot.console import run_console
from bot.holders.actions import Who
from bot.holders.registry import import_registry, parse_registry
from bot.kb.loader import KnowledgeBase, load_knowledge
from bot.services import Services
from bot.texts import t
from db.models import User
from db.session import Database
from tests.knowledge_factory import SHIPPED, small_knowledge
from tests.telegram_harness import ADMIN, STAFF_CHAT, FakeClock, Harness, make_harness
from tests.test_telegram_booking import CARDS, REGISTRY
from tests.test_telegram_bot import settings

HOLDER, NEWCOMER = 301, 302


def services(database: Database, knowledge: KnowledgeBase, clock: FakeClock) -> Services:
    return Services(settings(Path("knowledge")), knowledge, Answerer(knowledge), database, clock)


@pytest.fixture
async def bot(database: Database, shipped: KnowledgeBase) -> AsyncIterator[Harness]:
    async with database.session() as session:
        await import_registry(session, parse_registry(REGISTRY, CARDS))
    clock = FakeClock()
    harness = make_harness(services(database, shipped, clock), clock)
    async with harness.app:
        yield harness


async def test_deep_links_choose_the_card_and_open_the_form(bot: Harness) -> None:
    await bot.say(NEWCOMER, "/start baiyun")
    assert "已选择：白云区云聚英才卡" in bot.fake.last_text(NEWCOMER)
    async with bot.svc.db.session() as session:
        assert (await session.get(User, NEWCOMER)).card == "baiyun"  # type: ignore[union-attr]

    await bot.say(NEWCOMER, "/start book-hospital")  # not bound yet: the card is set, /bind is asked for
    assert "张店区优秀企业家服务保障卡" in bot.fake.messages_to(NEWCOMER)[-2]["text"]
    assert "/bind" in bot.fake.last_text(NEWCOMER)

    await bot.say(HOLDER, "/bind BY0001")
    await bot.say(HOLDER, "/start book-airport")  # a QR code on a poster: straight into the form
    form = bot.last_message(HOLDER)
    assert "请选择服务类型" in form["text"] and "bk:c:domestic-departure" in [
        d for _, d in bot.fake.buttons(form)
    ]

    await bot.say(HOLDER, "/start no-such-thing")
    unknown = bot.last_message(HOLDER)
    assert "链接已失效" in unknown["text"] and bot.fake.buttons(unknown)[0][1] == "card:zhangdian"


async def test_language_is_switched_and_kept_per_user(
    bot: Harness, database: Database, shipped: KnowledgeBase
) -> None:
    await bot.say(HOLDER, "/language")
    choice = bot.last_message(HOLDER)
    await bot.press(HOLDER, "lang:en", choice)
    assert bot.fake.last_text(HOLDER) == "Language set to English."
    await bot.say(HOLDER, "/help")  # a Chinese Telegram client, English from now on
    assert "/reminders Reminders" in bot.fake.last_text(HOLDER)
    await bot.say(NEWCOMER, "/help")  # only that user
    assert "/reminders 预约提醒" in bot.fake.last_text(NEWCOMER)

    clock = FakeClock()
    restarted = make_harness(services(database, shipped, clock), clock)  # another process, same database
    async with restarted.app:
        await restarted.say(HOLDER, "/book")
        assert restarted.fake.last_text(HOLDER) == "Bookings need a linked card number: send /bind."
        await restarted.say(HOLDER, "/language")
        await restarted.press(HOLDER, "lang:zh", restarted.last_message(HOLDER))
        await restarted.say(HOLDER, "/book")
        assert "/bind" in restarted.fake.last_text(HOLDER) and "预约" in restarted.fake.last_text(HOLDER)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("你好", "greeting"),
        ("您好！", "greeting"),
        ("Hello", "greeting"),
        ("谢谢", "thanks"),
        ("thank you!", "thanks"),
        ("好的，谢谢", "thanks"),
        ("好的。", "acknowledgement"),
        ("OK!", "acknowledgement"),
        ("好的，体检在哪", None),
        ("你好，体检在哪", None),
        ("谢谢你们的服务怎么办", None),
    ],
)
def test_small_talk_is_recognised_only_when_it_is_all_there_is(
    text: str, expected: str | None, tmp_path: Path
) -> None:
    matching = load_knowledge(small_knowledge(tmp_path / "knowledge")).matching
    assert small_talk(text, matching) == expected


def test_the_phrase_lists_are_folded_once_per_knowledge(tmp_path: Path) -> None:
    """Every message is compared with every list: refolding them per message cost ~0.3 ms (the cache
    was smaller than the number of lists), 13 % of the bot's throughput."""
    from bot.answers.smalltalk import _folded_words, command_in_words

    matching = load_knowledge(small_knowledge(tmp_path / "knowledge")).matching

    def read(text: str) -> None:
        small_talk(text, matching)
        command_in_words(text, matching)

    for text in ("你好", "我的预约", "体检在哪"):
        read(text)
    misses = _folded_words.cache_info().misses
    for text in ("谢谢", "菜单", "接机电话"):
        read(text)
    assert _folded_words.cache_info().misses == misses


async def test_greetings_and_thanks_get_a_short_reply(bot: Harness) -> None:
    await bot.say(NEWCOMER, "你好")
    assert "直接输入您的问题" in bot.fake.last_text(NEWCOMER)
    await bot.say(NEWCOMER, "谢谢！")
    assert bot.fake.last_text(NEWCOMER) == "不客气，有需要随时问我。"
    await bot.say(NEWCOMER, "知道了")
    assert bot.fake.last_text(NEWCOMER) == t("acknowledgement", "zh")
    assert "答不上来" not in "".join(m.get("text", "") for m in bot.fake.messages_to(NEWCOMER))


SHIPPED_COMMANDS_IN_WORDS = yaml.safe_load((SHIPPED / "matching.yaml").read_text(encoding="utf-8"))[
    "commands_in_words"
]


@pytest.mark.parametrize(
    ("words", "command"),
    [("菜单。", "/menu"), *((phrases[0], f"/{name}") for name, phrases in SHIPPED_COMMANDS_IN_WORDS.items())],
)
async def test_a_command_asked_for_in_words_runs_it(bot: Harness, words: str, command: str) -> None:
    await bot.say(HOLDER, "/start")
    await bot.press(HOLDER, "card:baiyun", bot.last_message(HOLDER))
    await bot.say(HOLDER, command)
    sent = bot.last_message(HOLDER)
    await bot.say(HOLDER, words)
    said = bot.last_message(HOLDER)
    assert (said["text"], said.get("reply_markup")) == (sent["text"], sent.get("reply_markup"))

    async def console(line: str) -> str:
        stdout = io.StringIO()
        await run_console(
            bot.svc, Who(HOLDER, "console", "zh"), None, io.StringIO(f"{line}\n/quit\n"), stdout
        )
        return stdout.getvalue()

    assert await console(words) == await console(command)


async def test_telegram_and_the_console_run_the_same_command_table(bot: Harness) -> None:
    registered: dict[str, object] = {}  # the first handler of each command is the one that runs
    for group in sorted(bot.app.handlers):
        for handler in bot.app.handlers[group]:
            if isinstance(handler, CommandHandler):
                for command in handler.commands:
                    registered.setdefault(command, handler.callback)
    for command in COMMANDS:
        assert registered[command.name] is command.telegram
        assert command.scope != "user" or command.console is not None
    await set_command_menus(bot.app)  # what post_init does when the bot starts
    menu = [c["command"] for c in bot.fake.commands["default"][""]]
    assert menu == [c.name for c in COMMANDS if c.scope == "user"] and "reminders" in menu
    assert [c["command"] for c in bot.fake.commands[f"chat:{ADMIN}"][""]] == [
        c.name for c in menu_of("admins")
    ]
    assert [c["command"] for c in bot.fake.commands[f"chat:{STAFF_CHAT}"][""]] == [
        "agenda",
        "pending",
        "export",
        "unbind",
    ]
    with pytest.raises(ValueError, match="console handler"):
        Command("orphan", "user", COMMANDS[0].telegram, None)
    with pytest.raises(ValueError, match="no TEXTS 'command_nameless'"):
        Command("nameless", "admin", COMMANDS[0].telegram, None)

    await bot.say(HOLDER, "/help")
    telegram_help = bot.fake.last_text(HOLDER)
    stdout = io.StringIO()
    await run_console(bot.svc, Who(HOLDER, "console", "zh"), None, io.StringIO("/help\n/quit\n"), stdout)
    assert telegram_help in stdout.getvalue()  # the same text, from the same table
    for command in COMMANDS:
        if command.scope == "user":
            assert f"/{command.name} " in telegram_help


async def test_the_console_lists_and_mutes_reminders_changes_and_cancels_with_confirmation(
    bot: Harness,
) -> None:
    from tests.test_telegram_booking import HOLDER as BOOKER
    from tests.test_telegram_booking import STAFFER, fill_airport, tap

    await bot.say(BOOKER, "/bind BY0001")
    bot.fake.members[(-1001, STAFFER)] = "member"
    await fill_airport(bot)
    await tap(bot, BOOKER, "✅ 确认提交")
    notice = bot.last_message(-1001)
    await bot.press(STAFFER, bot.button(notice, "st:ok:"), notice)

    script = (
        "/reminders\n/mute 1\n/cancelbooking 1\nno\n/change 1\n/cancelform\n/cancelbooking 1\nyes\n/quit\n"
    )
    stdout = io.StringIO()
    await run_console(bot.svc, Who(BOOKER, "console", "zh"), None, io.StringIO(script), stdout)
    out = stdout.getvalue()
    assert "即将发送的提醒" in out and "/mute 1" in out and "已关闭该提醒。" in out
    assert out.index("确定取消预约 #1") < out.index("好的，预约保留。")
    assert "📅" in out  # /change 1 opened the form at the date, the details carried over
    assert "预约 #1 已取消。" in out and "[已取消]" in out
