"""The fake Bot API served over real HTTP from its own process answers as the in-process one does."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator, Iterator

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import ParseMode
from telegram.error import BadRequest

from bot.runtime.json_request import JsonRequest
from tests.fake_telegram_server import free_port, serve

USER = 42


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    port = free_port()
    server = serve(port)
    yield f"http://127.0.0.1:{port}/bot"
    server.terminate()
    server.wait()


@pytest.fixture
async def bot(base_url: str) -> AsyncIterator[Bot]:
    async with Bot("123:TEST", base_url=base_url, request=JsonRequest()) as bot:
        yield bot


async def test_replies_and_refusals_over_http(bot: Bot) -> None:
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("👍", callback_data="fb:1:1")]])
    message = await bot.send_message(
        USER, "<b>办卡</b> 须知", parse_mode=ParseMode.HTML, reply_markup=keyboard
    )
    assert message.text == "办卡 须知" and message.entities[0].type == "bold"
    assert message.reply_markup == keyboard and message.from_user.username == "cardbot_test_bot"

    too_long = InlineKeyboardMarkup([[InlineKeyboardButton("x", callback_data="d" * 65)]])
    with pytest.raises(BadRequest, match="(?i)BUTTON_DATA_INVALID"):
        await bot.send_message(USER, "x", reply_markup=too_long)
    with pytest.raises(BadRequest, match="(?i)can't parse entities"):
        await bot.send_message(USER, "<b>unclosed", parse_mode=ParseMode.HTML)
    with pytest.raises(BadRequest, match="(?i)too long"):
        await bot.send_message(USER, "很" * 4097)


async def test_an_upload_over_http(bot: Bot) -> None:
    message = await bot.send_document(USER, io.BytesIO("卡号\n001\n".encode()), filename="名单.csv")
    assert message.document is not None and message.document.file_name == "名单.csv"
    assert message.document.file_size == len("卡号\n001\n".encode())
