"""The fake Bot API behaves like Telegram when driven by a real PTB Application."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from datetime import timedelta
from urllib.parse import parse_qsl, urlencode

import pytest
from hypothesis import given
from hypothesis import strategies as st
from telegram import (
    BotCommand,
    BotCommandScopeChat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from tests.fake_telegram import BOT_ID, FakeBotApi, fake_request, parse_form, parse_telegram_html

USER = 42


async def _start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message is not None
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("好的", callback_data="ok")]])
    await update.effective_message.reply_text("<b>欢迎</b>", parse_mode=ParseMode.HTML, reply_markup=keyboard)


async def _echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message is not None and update.effective_message.text is not None
    await update.effective_message.reply_text(update.effective_message.text)


async def _pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None
    await query.answer("收到")
    await query.edit_message_text(f"你选了 {query.data}")


@pytest.fixture
def fake() -> FakeBotApi:
    return FakeBotApi()


@pytest.fixture
async def app(fake: FakeBotApi) -> AsyncIterator[Application]:
    application = (
        Application.builder()
        .token("123:TEST")
        .request(fake_request(fake))
        .get_updates_request(fake_request(fake))
        .build()
    )
    application.add_handler(CommandHandler("start", _start))
    application.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, _echo))
    application.add_handler(CallbackQueryHandler(_pressed))
    async with application:  # initialize() calls getMe through the fake
        yield application


async def _feed(app: Application, update: dict) -> None:
    await app.process_update(Update.de_json(update, app.bot))


async def test_initialize_uses_get_me(app: Application, fake: FakeBotApi) -> None:
    assert app.bot.id == BOT_ID
    assert app.bot.username == "cardbot_test_bot"
    assert fake.calls[0][0] == "getMe"


async def test_echo_reply_is_recorded(app: Application, fake: FakeBotApi) -> None:
    await _feed(app, fake.make_text_update(USER, "你好"))
    assert fake.last_text(USER) == "你好"
    method, params = fake.calls[-1]
    assert method == "sendMessage"
    assert params["chat_id"] == USER and params["text"] == "你好"
    sent = fake.messages_to(USER)[-1]
    assert sent["from"]["id"] == BOT_ID and isinstance(sent["date"], int)
    # The user's message took id 1, so the bot's reply is 2 in the same private chat.
    assert sent["message_id"] == 2


async def test_command_entity_and_html_reply(app: Application, fake: FakeBotApi) -> None:
    update = fake.make_text_update(USER, "/start payload")
    assert update["message"]["entities"] == [{"type": "bot_command", "offset": 0, "length": 6}]
    await _feed(app, update)
    message = fake.messages_to(USER)[-1]
    assert message["text"] == "欢迎"
    assert message["entities"] == [{"type": "bold", "offset": 0, "length": 2}]
    assert fake.buttons(message) == [("好的", "ok")]


async def test_too_long_text_is_refused(app: Application, fake: FakeBotApi) -> None:
    await app.bot.send_message(USER, "x" * 4096)
    with pytest.raises(BadRequest, match="(?i)too long"):
        await app.bot.send_message(USER, "x" * 4097)
    # Emoji count as two UTF-16 units, as on Telegram.
    with pytest.raises(BadRequest, match="(?i)too long"):
        await app.bot.send_message(USER, "😀" * 2049)
    with pytest.raises(BadRequest, match="(?i)empty"):
        await app.bot.send_message(USER, "   ")


async def test_long_callback_data_is_refused(app: Application, fake: FakeBotApi) -> None:
    ok = InlineKeyboardMarkup([[InlineKeyboardButton("a", callback_data="x" * 64)]])
    await app.bot.send_message(USER, "fits", reply_markup=ok)
    too_long = InlineKeyboardMarkup([[InlineKeyboardButton("a", callback_data="x" * 65)]])
    with pytest.raises(BadRequest, match="(?i)BUTTON_DATA_INVALID"):
        await app.bot.send_message(USER, "too long", reply_markup=too_long)
    # 22 CJK characters are 66 UTF-8 bytes.
    cjk = InlineKeyboardMarkup([[InlineKeyboardButton("a", callback_data="卡" * 22)]])
    with pytest.raises(BadRequest, match="(?i)BUTTON_DATA_INVALID"):
        await app.bot.send_message(USER, "cjk", reply_markup=cjk)
    empty_text = InlineKeyboardMarkup([[InlineKeyboardButton("", callback_data="x")]])
    with pytest.raises(BadRequest):
        await app.bot.send_message(USER, "empty", reply_markup=empty_text)
    assert fake.last_text(USER) == "fits"


@pytest.mark.parametrize(
    "broken", ["<b>x", "a & b", "<script>x</script>", "<b><i>x</b></i>", "1 < 2", "x</b>", "&nbsp;"]
)
async def test_broken_html_is_refused(app: Application, broken: str) -> None:
    with pytest.raises(BadRequest, match="(?i)can't parse entities"):
        await app.bot.send_message(USER, broken, parse_mode=ParseMode.HTML)


async def test_escaped_html_is_accepted(app: Application, fake: FakeBotApi) -> None:
    escaped = "&lt;b&gt; &amp; &quot;&#20013;&#x6587;&quot; 1 > 0"
    await app.bot.send_message(USER, escaped, parse_mode=ParseMode.HTML)
    assert fake.last_text(USER) == '<b> & "中文" 1 > 0'
    # Without parse_mode the same characters are just text.
    await app.bot.send_message(USER, "a & b <script>")
    assert fake.last_text(USER) == "a & b <script>"


def test_html_parser_entities() -> None:
    text, entities = parse_telegram_html(
        '😀<a href="https://t.me/x?a=1&amp;b=2">链接</a> <span class="tg-spoiler">s</span>'
        "<blockquote expandable>q</blockquote>"
    )
    assert text == "😀链接 sq"
    assert entities == [
        {"type": "text_link", "offset": 2, "length": 2, "url": "https://t.me/x?a=1&b=2"},
        {"type": "spoiler", "offset": 5, "length": 1},
        {"type": "expandable_blockquote", "offset": 6, "length": 1},
    ]


async def test_callback_reaches_handler(app: Application, fake: FakeBotApi) -> None:
    await _feed(app, fake.make_text_update(USER, "/start"))
    menu = fake.messages_to(USER)[-1]
    await _feed(app, fake.make_callback_update(USER, "ok", menu))
    assert fake.callback_answers[-1]["text"] == "收到"
    assert [m for m, _ in fake.calls[-2:]] == ["answerCallbackQuery", "editMessageText"]
    edited = fake.messages_to(USER)[-1]
    assert edited["message_id"] == menu["message_id"] and "edit_date" in edited
    assert edited["text"] == "你选了 ok"
    assert fake.buttons(edited) == []  # editing without reply_markup drops the keyboard
    # Same content again is refused like Telegram does.
    with pytest.raises(BadRequest, match="(?i)not modified"):
        await app.bot.edit_message_text("你选了 ok", chat_id=USER, message_id=menu["message_id"])


async def test_long_callback_answer_is_refused(app: Application, fake: FakeBotApi) -> None:
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("b", callback_data="d")]])
    await app.bot.send_message(USER, "m", reply_markup=keyboard)
    update = Update.de_json(fake.make_callback_update(USER, "d", fake.sent[-1]), app.bot)
    assert update.callback_query is not None
    with pytest.raises(BadRequest):
        await update.callback_query.answer("长" * 201)
    assert await update.callback_query.answer("长" * 200)
    with pytest.raises(BadRequest, match="too old"):  # answered already
        await update.callback_query.answer()


async def test_commands_recorded_per_scope(app: Application, fake: FakeBotApi) -> None:
    await app.bot.set_my_commands([BotCommand("start", "开始")])
    await app.bot.set_my_commands(
        [BotCommand("admin", "管理")], scope=BotCommandScopeChat(USER), language_code="zh"
    )
    assert fake.commands["default"][""] == [{"command": "start", "description": "开始"}]
    assert fake.commands[f"chat:{USER}"]["zh"] == [{"command": "admin", "description": "管理"}]
    got = await app.bot.get_my_commands(scope=BotCommandScopeChat(USER), language_code="zh")
    assert [c.command for c in got] == ["admin"]
    with pytest.raises(BadRequest, match="(?i)BOT_COMMAND_INVALID"):
        await app.bot.set_my_commands([BotCommand("Bad-Name", "x")])


async def test_fail_next_then_succeed(app: Application, fake: FakeBotApi) -> None:
    fake.fail_next("sendMessage")
    with pytest.raises(NetworkError):
        await app.bot.send_message(USER, "first")
    await app.bot.send_message(USER, "second")
    assert fake.last_text(USER) == "second"

    fake.fail_next("sendMessage", status=429, retry_after=7)
    with pytest.raises(RetryAfter) as raised:
        await app.bot.send_message(USER, "third")
    assert raised.value.retry_after == timedelta(seconds=7)  # bot/__init__.py opts in to PTB_TIMEDELTA
    await app.bot.send_message(USER, "fourth")
    assert [m["text"] for m in fake.messages_to(USER)] == ["second", "fourth"]


async def test_faults_per_chat_timeouts_and_blocked_users(app: Application, fake: FakeBotApi) -> None:
    fake.fail_next("sendMessage", status=400, description="Bad Request: chat not found", chat_id=USER + 1)
    await app.bot.send_message(USER, "not the faulty chat")
    with pytest.raises(BadRequest, match="(?i)chat not found"):
        await app.bot.send_message(USER + 1, "the faulty chat")
    fake.fail_next("sendMessage", timeout=True)
    with pytest.raises(TimedOut):
        await app.bot.send_message(USER, "timed out")
    fake.blocked.add(USER)
    with pytest.raises(Forbidden, match="blocked"):
        await app.bot.send_message(USER, "blocked")
    with pytest.raises(Forbidden):
        await app.bot.send_message(USER, "still blocked")
    assert [m["text"] for m in fake.messages_to(USER)] == ["not the faulty chat"]


async def test_an_edited_message_arrives_as_edited_message(app: Application, fake: FakeBotApi) -> None:
    original = fake.make_text_update(USER, "first")["message"]
    update = Update.de_json(fake.make_edited_text_update(original, "second"), app.bot)
    assert update.edited_message is not None and update.message is None
    assert (
        update.edited_message.text == "second" and update.edited_message.message_id == original["message_id"]
    )


async def test_send_document_in_memory(app: Application, fake: FakeBotApi) -> None:
    payload = "姓名,卡号\n张三,001\n".encode()
    message = await app.bot.send_document(
        USER, io.BytesIO(payload), filename="名单.csv", caption="<i>导出</i>", parse_mode=ParseMode.HTML
    )
    assert message.document is not None and message.document.file_name == "名单.csv"
    assert message.caption == "导出"
    stored = fake.files[message.document.file_id]
    assert stored.content == payload
    assert fake.messages_to(USER)[-1]["document"]["file_size"] == len(payload)


async def test_chat_member_status(app: Application, fake: FakeBotApi) -> None:
    group = -100123
    fake.members[(group, USER)] = "administrator"
    assert (await app.bot.get_chat_member(group, USER)).status == "administrator"
    assert (await app.bot.get_chat_member(group, 7)).status == "left"


async def test_other_updates_and_misc_methods(app: Application, fake: FakeBotApi) -> None:
    updates = [
        fake.make_sticker_update(USER),
        fake.make_photo_update(USER, caption="c"),
        fake.make_voice_update(USER),
    ]
    for update in updates:
        parsed = Update.de_json(update, app.bot)
        assert parsed.effective_message is not None and parsed.effective_user is not None
    assert await app.bot.send_chat_action(USER, "typing")
    assert fake.chat_actions == [(USER, "typing")]
    assert await app.bot.delete_message(USER, 1)
    with pytest.raises(BadRequest, match="(?i)not found"):
        await app.bot.delete_message(USER, 999)
    assert await app.bot.get_updates() == ()
    assert await app.bot.delete_webhook()
    with pytest.raises(Exception, match="(?i)Not Found"):
        await app.bot.do_api_request("noSuchMethod")


PNG_1x1 = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


async def test_send_photo_checks_the_image_and_the_caption(app: Application, fake: FakeBotApi) -> None:
    message = await app.bot.send_photo(USER, PNG_1x1, caption="图")
    assert message.photo[-1].width == 1 and message.caption == "图"
    with pytest.raises(BadRequest, match="(?i)IMAGE_PROCESS_FAILED"):
        await app.bot.send_photo(USER, b"not an image")
    with pytest.raises(BadRequest, match="(?i)caption is too long"):
        await app.bot.send_photo(USER, PNG_1x1, caption="长" * 1025)
    wide = PNG_1x1[:16] + (5000).to_bytes(4, "big") + (10).to_bytes(4, "big") + PNG_1x1[24:]
    with pytest.raises(BadRequest, match="(?i)PHOTO_INVALID_DIMENSIONS"):
        await app.bot.send_photo(USER, wide)


async def test_a_sent_file_is_fetched_through_get_file_and_the_file_url(
    app: Application, fake: FakeBotApi
) -> None:
    update = fake.make_document_update(USER, "名单.csv", b"a,b\n1,2\n")
    document = Update.de_json(update, app.bot).effective_message.document
    telegram_file = await app.bot.get_file(document.file_id)
    assert telegram_file.file_path and telegram_file.file_size == 8
    assert bytes(await telegram_file.download_as_bytearray()) == b"a,b\n1,2\n"
    assert any(name == "download" for name, _ in fake.calls)
    with pytest.raises(BadRequest, match="(?i)invalid file_id"):
        await app.bot.get_file("nope")
    fake.files["BIG"] = type(fake.files[document.file_id])(
        "big.csv", "text/csv", b"x" * (20 * 1024 * 1024 + 1)
    )
    with pytest.raises(BadRequest, match="(?i)file is too big"):
        await app.bot.get_file("BIG")


@given(st.lists(st.tuples(st.text(), st.text()), max_size=5))
def test_form_decoding_is_urllibs(pairs: list[tuple[str, str]]) -> None:
    """The fake's quicker form decoder reads what httpx (urllib) encodes exactly as parse_qsl does."""
    encoded = urlencode(pairs)
    assert parse_form(encoded) == parse_qsl(encoded, keep_blank_values=True)


@given(
    st.lists(
        st.sampled_from(["a", "%", "E4", "BD", "A0", "zz", "+", "&", "=", "%F0", "你", "%0A", "\n", " ", "_"])
    ).map("".join)
)
def test_form_decoding_of_malformed_escapes_is_urllibs(encoded: str) -> None:
    assert parse_form(encoded) == parse_qsl(encoded, keep_blank_values=True)


@given(st.lists(st.sampled_from(["a", "你", "😀", "<b>y</b>", "&amp;", "&#128512;", " "])).map("".join))
def test_html_offsets_count_utf16_units(text: str) -> None:
    """Entity offsets are UTF-16 units of the plain text before them, however the plain text is made."""
    plain, entities = parse_telegram_html(f"_{text}<i>x</i>")
    italic = next(entity for entity in entities if entity["type"] == "italic")
    before = plain.encode("utf-16-le")[: italic["offset"] * 2].decode("utf-16-le")
    assert plain[len(before) :] == "x"
