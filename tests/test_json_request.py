"""JsonRequest: Bot API calls as JSON bodies (uploads as multipart), with PTB's errors."""

from __future__ import annotations

import io
import json
from collections.abc import AsyncIterator

import httpx
import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import ParseMode
from telegram.error import BadRequest, NetworkError, TimedOut

from bot.runtime.json_request import JsonRequest
from tests.fake_telegram import FakeBotApi

USER = 42


@pytest.fixture
def fake() -> FakeBotApi:
    return FakeBotApi()


@pytest.fixture
def bodies() -> list[httpx.Request]:
    return []


@pytest.fixture
async def bot(fake: FakeBotApi, bodies: list[httpx.Request]) -> AsyncIterator[Bot]:
    def recorded(request: httpx.Request) -> httpx.Response:
        bodies.append(request)
        return fake(request)

    async with Bot(
        "123:TEST", request=JsonRequest(httpx_kwargs={"transport": httpx.MockTransport(recorded)})
    ) as bot:
        yield bot


async def test_a_call_goes_as_utf8_json(bot: Bot, fake: FakeBotApi, bodies: list[httpx.Request]) -> None:
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("👍", callback_data="fb:1:1")]])
    text = "<b>办卡</b> &amp; 机场贵宾厅 " + "很" * 300
    message = await bot.send_message(USER, text, parse_mode=ParseMode.HTML, reply_markup=keyboard)

    sent = bodies[-1]
    assert sent.headers["content-type"] == "application/json"
    body = sent.read()
    assert json.loads(body) == {
        "chat_id": USER,
        "text": text,
        "parse_mode": "HTML",
        "reply_markup": {"inline_keyboard": [[{"text": "👍", "callback_data": "fb:1:1"}]]},
    }
    assert "机场贵宾厅".encode() in body  # UTF-8 as is: not \\u-escaped, not percent-escaped
    assert message.text == "办卡 & 机场贵宾厅 " + "很" * 300 and message.entities[0].type == "bold"
    assert fake.buttons(fake.messages_to(USER)[-1]) == [("👍", "fb:1:1")]


async def test_an_upload_goes_as_multipart(bot: Bot, fake: FakeBotApi, bodies: list[httpx.Request]) -> None:
    message = await bot.send_document(USER, io.BytesIO("卡号\n001\n".encode()), filename="名单.csv")
    assert bodies[-1].headers["content-type"].startswith("multipart/form-data")
    assert (
        message.document is not None
        and fake.files[message.document.file_id].content == "卡号\n001\n".encode()
    )


async def test_failures_raise_ptbs_errors(bot: Bot, fake: FakeBotApi) -> None:
    fake.fail_next("sendMessage", network_error=True)
    with pytest.raises(NetworkError, match="ConnectError"):
        await bot.send_message(USER, "dropped")
    fake.fail_next("sendMessage", timeout=True)
    with pytest.raises(TimedOut):
        await bot.send_message(USER, "timed out")
    with pytest.raises(BadRequest, match="(?i)can't parse entities"):
        await bot.send_message(USER, "<b>unclosed", parse_mode=ParseMode.HTML)
    await bot.send_message(USER, "delivered")
    assert [m["text"] for m in fake.messages_to(USER)] == ["delivered"]
