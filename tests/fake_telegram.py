"""A fake Telegram Bot API server that tests talk to through the real HTTP boundary.

The bot's ``JsonRequest`` (PTB's ``HTTPXRequest`` posting JSON bodies) is given an
``httpx.MockTransport(FakeBotApi())``, so every bot call goes through the real serialisation (JSON /
multipart encoding, JSON decoding, error mapping to ``telegram.error``); PTB's form encoding is
understood too, and the fake answers the way api.telegram.org does: the same JSON
shapes, the same HTTP status codes and the same limits (4096 UTF-16 units, 64-byte
callback_data, Telegram's HTML subset, ...). A handler that would be refused in production
is refused here too.

Known simplifications (deliberate): MarkdownV2/Markdown text is not validated, chats are
created on first use, ``getUpdates`` never long-polls. Bare ``&`` in HTML is refused although
the real server tolerates it: the Bot API docs require it to be escaped, so we are stricter.
"""

from __future__ import annotations

import binascii
import json
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx

from bot.runtime.json_request import JsonRequest

JSON = dict[str, Any]
ChatId = int | str

BOT_ID = 1000
BOT_USERNAME = "cardbot_test_bot"
BOT_USER: JSON = {"id": BOT_ID, "is_bot": True, "first_name": "cardbot", "username": BOT_USERNAME}

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA = 64
MAX_CALLBACK_ANSWER = 200
MAX_INLINE_BUTTONS = 100
MAX_UPLOAD = 50 * 1024 * 1024
MAX_PHOTO_UPLOAD = 10 * 1024 * 1024
MAX_DOWNLOAD = 20 * 1024 * 1024  # getFile refuses bigger files
MAX_PHOTO_SIDES = 10000  # width + height
MAX_PHOTO_RATIO = 20

NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly the "
    "same as a content and reply markup of the current message"
)

# PTB sends form-encoded parameters where non-strings are JSON-dumped and strings are raw;
# the real server decodes by field type, so we do too (a text "123" must stay a string).
_JSON_FIELDS = frozenset(
    {
        "reply_markup",
        "entities",
        "caption_entities",
        "commands",
        "scope",
        "reply_parameters",
        "link_preview_options",
        "allowed_updates",
        "media",
        "results",
        "rights",
        "message_ids",
    }
)
_INT_FIELDS = frozenset(
    {
        "chat_id",
        "message_id",
        "user_id",
        "offset",
        "limit",
        "timeout",
        "cache_time",
        "message_thread_id",
        "reply_to_message_id",
        "from_chat_id",
        "max_connections",
        "until_date",
    }
)
_BOOL_FIELDS = frozenset(
    {
        "disable_notification",
        "protect_content",
        "show_alert",
        "drop_pending_updates",
        "allow_sending_without_reply",
        "disable_content_type_detection",
        "disable_web_page_preview",
        "allow_paid_broadcast",
        "only_if_banned",
        "revoke_messages",
    }
)
_CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
_BUTTON_ACTIONS = (
    "callback_data",
    "url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "web_app",
    "login_url",
    "callback_game",
    "pay",
    "copy_text",
)
_COMMAND_RE = re.compile(r"[a-z0-9_]{1,32}")


class ApiError(Exception):
    """Raised inside the fake to produce an ``{"ok": false, ...}`` answer."""

    def __init__(self, description: str, code: int = 400, parameters: JSON | None = None) -> None:
        prefix = {400: "Bad Request: ", 403: "Forbidden: ", 409: "Conflict: "}.get(code, "")
        super().__init__(prefix + description)
        self.description = prefix + description
        self.code = code
        self.parameters = parameters


@dataclass
class Fault:
    """One injected failure, consumed by the next call of its method (to ``chat_id`` when set)."""

    status: int = 500
    retry_after: int | None = None
    description: str | None = None
    network_error: bool = False
    timeout: bool = False
    chat_id: ChatId | None = None


@dataclass
class UploadedFile:
    """A file that arrived in a multipart request."""

    file_name: str
    mime_type: str
    content: bytes


def utf16_len(text: str) -> int:
    """Length as Telegram counts it (UTF-16 code units: emoji count 2)."""
    return len(text.encode("utf-16-le")) // 2


def _byte_offset(text: str, index: int) -> int:
    # Telegram reports HTML errors at UTF-8 byte offsets.
    return len(text[:index].encode("utf-8"))


# --------------------------------------------------------------------------- Telegram HTML

_HTML_TAGS: dict[str, str] = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "span": "spoiler",
    "tg-spoiler": "spoiler",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_ENTITY_RE = re.compile(r"&(?:(lt|gt|amp|quot)|#([0-9]{1,7})|#[xX]([0-9a-fA-F]{1,6}));")
_TAG_NAME_RE = re.compile(r"[a-zA-Z0-9-]*")
_PLAIN_RUN_RE = re.compile(r"[^&<]+")  # text up to the next entity or tag, counted in one go
_ATTR_RE = re.compile(r"""\s*([a-zA-Z0-9_-]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?""")


@dataclass
class _OpenTag:
    name: str
    offset: int  # UTF-16 offset in the parsed text
    attrs: dict[str, str]


def _decode_entity(match: re.Match[str], text: str, index: int) -> str:
    named, dec, hexa = match.groups()
    if named:
        return _NAMED_ENTITIES[named]
    code = int(dec) if dec else int(hexa, 16)
    if code == 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        raise ApiError(f"can't parse entities: Invalid entity at byte offset {_byte_offset(text, index)}")
    return chr(code)


def _unescape_attr(value: str) -> str:
    return _ENTITY_RE.sub(lambda m: _decode_entity(m, value, m.start()), value)


def parse_telegram_html(text: str) -> tuple[str, list[JSON]]:
    """Parse Telegram's HTML subset into (plain text, entities) or raise ApiError like the API."""
    out: list[str] = []
    offset = 0  # UTF-16 offset of the plain text produced so far
    stack: list[_OpenTag] = []
    entities: list[JSON] = []
    i, n = 0, len(text)

    def fail(message: str) -> ApiError:
        return ApiError(f"can't parse entities: {message}")

    while i < n:
        ch = text[i]
        if ch == "&":
            match = _ENTITY_RE.match(text, i)
            if match is None:
                # The docs require every '&' outside an entity to be escaped as &amp;.
                raise fail(f"Character entity expected at byte offset {_byte_offset(text, i)}")
            decoded = _decode_entity(match, text, i)
            out.append(decoded)
            offset += utf16_len(decoded)
            i = match.end()
            continue
        if ch != "<":
            run = _PLAIN_RUN_RE.match(text, i)
            assert run is not None  # text[i] is neither '&' nor '<'
            out.append(run.group(0))
            offset += utf16_len(run.group(0))
            i = run.end()
            continue

        tag_start = i
        if text.startswith("</", i):
            name_match = _TAG_NAME_RE.match(text, i + 2)
            assert name_match is not None
            name = name_match.group(0).lower()
            j = name_match.end()
            while j < n and text[j].isspace():
                j += 1
            if j >= n or text[j] != ">":
                raise fail(f"Can't find end tag at byte offset {_byte_offset(text, tag_start)}")
            if not stack:
                raise fail(f'Unexpected end tag "</{name}>" at byte offset {_byte_offset(text, tag_start)}')
            top = stack.pop()
            if top.name != name:
                raise fail(
                    f"Unmatched end tag at byte offset {_byte_offset(text, tag_start)}, "
                    f'expected "</{top.name}>", found "</{name}>"'
                )
            entity = _html_entity(top, offset)
            if entity is not None:
                entities.append(entity)
            i = j + 1
            continue

        name_match = _TAG_NAME_RE.match(text, i + 1)
        assert name_match is not None
        name = name_match.group(0).lower()
        if name not in _HTML_TAGS:
            raise fail(f'Unsupported start tag "{name}" at byte offset {_byte_offset(text, tag_start)}')
        j = name_match.end()
        attrs: dict[str, str] = {}
        while True:
            while j < n and text[j].isspace():
                j += 1
            if j >= n:
                raise fail(f"Unclosed start tag at byte offset {_byte_offset(text, tag_start)}")
            if text[j] == ">":
                break
            attr_match = _ATTR_RE.match(text, j)
            if attr_match is None or attr_match.end() == j:
                raise fail(f"Unclosed start tag at byte offset {_byte_offset(text, tag_start)}")
            attr_name = attr_match.group(1).lower()
            raw_value = next((g for g in attr_match.groups()[1:] if g is not None), "")
            attrs[attr_name] = _unescape_attr(raw_value)
            j = attr_match.end()
        _check_tag_attrs(name, attrs, _byte_offset(text, tag_start))
        stack.append(_OpenTag(name, offset, attrs))
        i = j + 1

    if stack:
        raise fail(f'Can\'t find end tag corresponding to start tag "{stack[-1].name}"')
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(out), entities


def _check_tag_attrs(name: str, attrs: dict[str, str], at: int) -> None:
    if name == "a" and not attrs.get("href"):
        raise ApiError(f'can\'t parse entities: Tag "a" must have attribute "href" at byte offset {at}')
    if name == "span" and attrs.get("class") != "tg-spoiler":
        raise ApiError(f'can\'t parse entities: Tag "span" must have class "tg-spoiler" at byte offset {at}')
    if name == "tg-emoji" and not attrs.get("emoji-id", "").isdigit():
        raise ApiError(
            f'can\'t parse entities: Tag "tg-emoji" must have attribute "emoji-id" at byte offset {at}'
        )


def _html_entity(tag: _OpenTag, end: int) -> JSON | None:
    length = end - tag.offset
    if length <= 0:
        return None  # Telegram silently drops empty entities
    kind = _HTML_TAGS[tag.name]
    entity: JSON = {"type": kind, "offset": tag.offset, "length": length}
    if kind == "text_link":
        entity["url"] = tag.attrs["href"]
    elif kind == "custom_emoji":
        entity["custom_emoji_id"] = tag.attrs["emoji-id"]
    elif kind == "blockquote" and "expandable" in tag.attrs:
        entity["type"] = "expandable_blockquote"
    elif kind == "code" and tag.attrs.get("class", "").startswith("language-"):
        entity = {
            "type": "pre",
            "offset": tag.offset,
            "length": length,
            "language": tag.attrs["class"].removeprefix("language-"),
        }
    return entity


def _strip_text(text: str, entities: list[JSON]) -> tuple[str, list[JSON]]:
    """Trim surrounding whitespace as Telegram does, keeping entity offsets right."""
    stripped = text.strip()
    if not stripped:
        return "", []
    lead = utf16_len(text[: len(text) - len(text.lstrip())])
    total = utf16_len(stripped)
    kept: list[JSON] = []
    for entity in entities:
        start = max(entity["offset"] - lead, 0)
        end = min(entity["offset"] + entity["length"] - lead, total)
        if end > start:
            kept.append({**entity, "offset": start, "length": end - start})
    return stripped, kept


# --------------------------------------------------------------------------- request parsing


def _coerce(name: str, value: Any) -> Any:
    """Decode one parameter by field type, like the Bot API server does."""
    if not isinstance(value, str):
        return value
    if name in _JSON_FIELDS:
        try:
            return json.loads(value)
        except ValueError as exc:
            raise ApiError(f"can't parse {name} JSON object") from exc
    if name in _INT_FIELDS and re.fullmatch(r"-?\d+", value):
        return int(value)
    if name in _BOOL_FIELDS and value in ("true", "false"):
        return value == "true"
    return value


_MULTIPART_ESCAPES = re.compile(r"%([0-1][0-9A-F])|%22|\\\\")


def _unescape_form_param(value: str) -> str:
    # Reverses httpx's HTML5 form encoding of names / filenames.
    def repl(match: re.Match[str]) -> str:
        token = match.group(0)
        if token == "%22":
            return '"'
        if token == "\\\\":
            return "\\"
        return chr(int(match.group(1), 16))

    return _MULTIPART_ESCAPES.sub(repl, value)


def _parse_multipart(body: bytes, content_type: str) -> Iterator[tuple[str, str | UploadedFile]]:
    match = re.search(r'boundary="?([^";]+)"?', content_type)
    if match is None:
        raise ApiError("can't parse multipart request")
    delimiter = b"--" + match.group(1).encode("ascii")
    for chunk in body.split(delimiter)[1:]:
        if chunk.startswith(b"--"):
            break  # closing delimiter
        head, _, payload = chunk.removeprefix(b"\r\n").partition(b"\r\n\r\n")
        payload = payload.removesuffix(b"\r\n")
        headers = head.decode("utf-8")
        name_m = re.search(r'\bname="([^"]*)"', headers)
        if name_m is None:
            continue
        name = _unescape_form_param(name_m.group(1))
        file_m = re.search(r'\bfilename="([^"]*)"', headers)
        if file_m is None:
            yield name, payload.decode("utf-8")
            continue
        type_m = re.search(r"(?im)^content-type:\s*([^\r\n]+)", headers)
        yield (
            name,
            UploadedFile(
                file_name=_unescape_form_param(file_m.group(1)),
                mime_type=type_m.group(1).strip() if type_m else "application/octet-stream",
                content=payload,
            ),
        )


_PERCENT_RUN_RE = re.compile(r"(?:%[0-9A-Fa-f]{2})+")
_BAD_ESCAPE_RE = re.compile(r"%(?![0-9A-Fa-f]{2})")


def _unquote_plus(value: str) -> str:
    """urllib's unquote_plus without its byte-by-byte Python loop (which dominated the fake's cost on long
    messages): what httpx sends (ASCII, every % an escape) is decoded in C by the quoted-printable
    decoder, '=XX' being its escape; anything else goes a run of %XX at a time."""
    value = value.replace("+", " ")
    if "%" not in value:
        return value
    well_formed = value.isascii() and value.isprintable() and "=" not in value
    if well_formed and _BAD_ESCAPE_RE.search(value) is None:
        return binascii.a2b_qp(value.replace("%", "=")).decode("utf-8", "replace")
    return _PERCENT_RUN_RE.sub(
        lambda run: bytes.fromhex(run.group(0).replace("%", "")).decode("utf-8", "replace"), value
    )


def parse_form(encoded: str) -> list[tuple[str, str]]:
    """`application/x-www-form-urlencoded` pairs, blank values kept (as parse_qsl(..., keep_blank_values))."""
    pairs = []
    for field in encoded.split("&"):
        if field:
            name, _, value = field.partition("=")
            pairs.append((_unquote_plus(name), _unquote_plus(value)))
    return pairs


def parse_params(request: httpx.Request) -> JSON:
    """All parameters of a Bot API request (query string, JSON, urlencoded or multipart)."""
    raw: dict[str, Any] = dict(parse_form(request.url.query.decode("ascii")))
    body = request.read()
    content_type = request.headers.get("content-type", "")
    if body and content_type.startswith("application/json"):
        loaded = json.loads(body)
        if not isinstance(loaded, dict):
            raise ApiError("request body must be a JSON object")
        raw.update(loaded)
    elif body and content_type.startswith("application/x-www-form-urlencoded"):
        raw.update(parse_form(body.decode("utf-8")))
    elif body and content_type.startswith("multipart/form-data"):
        raw.update(_parse_multipart(body, content_type))
    return {name: _coerce(name, value) for name, value in raw.items()}


# --------------------------------------------------------------------------- the fake server

_METHODS = (
    "getMe",
    "sendMessage",
    "editMessageText",
    "editMessageReplyMarkup",
    "deleteMessage",
    "answerCallbackQuery",
    "setMyCommands",
    "deleteMyCommands",
    "getMyCommands",
    "sendDocument",
    "sendPhoto",
    "getFile",
    "sendChatAction",
    "getChatMember",
    "getUpdates",
    "setWebhook",
    "deleteWebhook",
    "getWebhookInfo",
    "close",
    "logOut",
)
# Bot API method names are case-insensitive.
_CANONICAL = {name.lower(): name for name in _METHODS}


class FakeBotApi:
    """In-memory Bot API; pass it to ``httpx.MockTransport`` (see ``fake_request``)."""

    def __init__(self, token: str | None = None) -> None:
        # When set, requests with another token get 401 Unauthorized like the real API.
        self.token = token
        self.calls: list[tuple[str, JSON]] = []
        self.errors: list[tuple[str, JSON, str]] = []  # (method, params, description) of refusals
        self.sent: list[JSON] = []
        self.deleted: list[tuple[ChatId, int]] = []
        self.callback_answers: list[JSON] = []
        self.chat_actions: list[tuple[ChatId, str]] = []
        self.commands: dict[str, dict[str, list[JSON]]] = {}  # scope key -> language -> commands
        self.members: dict[tuple[ChatId, int], str] = {}
        self.files: dict[str, UploadedFile] = {}
        self.file_paths: dict[str, str] = {}  # file_path (as getFile gives it) -> file_id
        self.users: dict[int, JSON] = {}
        self.chats: dict[ChatId, JSON] = {}
        self.messages: dict[tuple[ChatId, int], JSON] = {}  # current state of every message
        self.pending_updates: list[JSON] = []  # served by getUpdates
        self.webhook_url: str = ""
        self._faults: dict[str, list[Fault]] = {}
        self.blocked: set[ChatId] = set()  # users who blocked the bot: every send to them is refused
        self._next_message_id: dict[ChatId, int] = {}
        self._next_update_id = 100_000
        self._next_file = 0
        self._callback_ids: set[str] = set()

    # ------------------------------------------------------------------ transport entry point

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.startswith("/file/"):
            return self._download(request)
        segments = request.url.path.rstrip("/").split("/")
        method_segment = segments[-1] if segments else ""
        token_segment = segments[-2] if len(segments) >= 2 else ""
        method = _CANONICAL.get(method_segment.lower(), method_segment)
        try:
            params = parse_params(request)
        except ApiError as exc:
            return self._error_response(method, {}, exc)
        self.calls.append((method, params))

        if not token_segment.startswith("bot") or (
            self.token is not None and token_segment != f"bot{self.token}"
        ):
            return self._error_response(method, params, ApiError("Unauthorized", 401))

        if method.startswith(("send", "copy", "forward")) and params.get("chat_id") in self.blocked:
            return self._error_response(method, params, ApiError("bot was blocked by the user", 403))

        fault = self._take_fault(method, params.get("chat_id"))
        if fault is not None:
            if fault.network_error:
                raise httpx.ConnectError("injected network failure", request=request)
            if fault.timeout:
                raise httpx.ReadTimeout("injected timeout", request=request)
            parameters = {"retry_after": fault.retry_after} if fault.retry_after is not None else None
            description = fault.description or (
                f"Too Many Requests: retry after {fault.retry_after}"
                if fault.status == 429
                else "Internal Server Error"
            )
            error = ApiError(description, fault.status, parameters)
            error.description = description  # injected text is used verbatim
            return self._error_response(method, params, error)

        handler = getattr(self, f"_api_{method}", None) if method in _METHODS else None
        if handler is None:
            return self._error_response(method, params, ApiError("Not Found", 404))
        try:
            result = handler(params)
        except ApiError as exc:
            return self._error_response(method, params, exc)
        return httpx.Response(200, json={"ok": True, "result": result})

    def _take_fault(self, method: str, chat_id: Any) -> Fault | None:
        faults = self._faults.get(method, [])
        for index, fault in enumerate(faults):
            if fault.chat_id is None or fault.chat_id == chat_id:
                return faults.pop(index)
        return None

    def _download(self, request: httpx.Request) -> httpx.Response:
        """GET {TELEGRAM_BASE_FILE_URL}<token>/<file_path>: the bytes of a file getFile has described."""
        self.calls.append(("download", {"path": request.url.path}))
        parts = request.url.path.split("/", 3)  # "", "file", "bot<token>", file_path
        token_segment = parts[2] if len(parts) > 2 else ""
        file_path = parts[3] if len(parts) > 3 else ""
        if not token_segment.startswith("bot") or (
            self.token is not None and token_segment != f"bot{self.token}"
        ):
            return httpx.Response(401, json={"ok": False, "error_code": 401, "description": "Unauthorized"})
        file_id = self.file_paths.get(file_path)
        if file_id is None:
            return httpx.Response(404, json={"ok": False, "error_code": 404, "description": "Not Found"})
        return httpx.Response(200, content=self.files[file_id].content)

    def _error_response(self, method: str, params: JSON, error: ApiError) -> httpx.Response:
        self.errors.append((method, params, error.description))
        body: JSON = {"ok": False, "error_code": error.code, "description": error.description}
        if error.parameters:
            body["parameters"] = error.parameters
        return httpx.Response(error.code, json=body)

    # ------------------------------------------------------------------ test-facing helpers

    def fail_next(
        self,
        method: str,
        times: int = 1,
        status: int = 500,
        *,
        retry_after: int | None = None,
        description: str | None = None,
        network_error: bool = False,
        timeout: bool = False,
        chat_id: ChatId | None = None,
    ) -> None:
        """Make the next ``times`` calls of ``method`` (to ``chat_id`` only, when given) fail.

        status 429 gets ``parameters.retry_after`` (default 1) so PTB raises RetryAfter;
        ``network_error=True`` drops the connection instead (PTB raises NetworkError);
        ``timeout=True`` times the request out (PTB raises TimedOut).
        """
        if status == 429 and retry_after is None:
            retry_after = 1
        canonical = _CANONICAL.get(method.lower(), method)
        fault = Fault(status, retry_after, description, network_error, timeout, chat_id)
        self._faults.setdefault(canonical, []).extend(Fault(**vars(fault)) for _ in range(times))

    def calls_of(self, method: str) -> list[JSON]:
        """Parameters of every call of ``method`` (including refused ones)."""
        return [params for name, params in self.calls if name == method]

    def messages_to(self, chat_id: ChatId) -> list[JSON]:
        """Everything the bot sent or edited in ``chat_id``, oldest first."""
        return [m for m in self.sent if m["chat"]["id"] == chat_id]

    def last_text(self, chat_id: ChatId) -> str:
        """Text (or caption) of the last message sent/edited in ``chat_id``."""
        messages = self.messages_to(chat_id)
        if not messages:
            raise AssertionError(f"the bot sent nothing to chat {chat_id}")
        last = messages[-1]
        return str(last.get("text", last.get("caption", "")))

    @staticmethod
    def buttons(message: JSON) -> list[tuple[str, str]]:
        """(text, callback_data) of every inline button; URL buttons give their url instead."""
        markup = message.get("reply_markup") or {}
        return [
            (button["text"], str(button.get("callback_data") or button.get("url") or ""))
            for row in markup.get("inline_keyboard", [])
            for button in row
        ]

    @staticmethod
    def scope_key(scope: JSON | None) -> str:
        """'default', 'all_private_chats', 'chat:<id>', 'chat_member:<chat>:<user>', ..."""
        if not scope:
            return "default"
        kind = scope.get("type", "default")
        if kind in ("chat", "chat_administrators"):
            return f"{kind}:{scope['chat_id']}"
        if kind == "chat_member":
            return f"chat_member:{scope['chat_id']}:{scope['user_id']}"
        return str(kind)

    def clear(self) -> None:
        """Forget recorded traffic (not chats, messages or settings)."""
        self.calls.clear()
        self.errors.clear()
        self.sent.clear()
        self.deleted.clear()
        self.callback_answers.clear()
        self.chat_actions.clear()

    # ------------------------------------------------------------------ update builders

    def _user(self, user_id: int, first_name: str, language_code: str | None) -> JSON:
        user: JSON = {"id": user_id, "is_bot": False, "first_name": first_name}
        if language_code:
            user["language_code"] = language_code
        self.users[user_id] = user
        return user

    def _chat(self, user: JSON, chat_id: ChatId | None, chat_type: str) -> JSON:
        if chat_type == "private":
            chat: JSON = {
                "id": user["id"] if chat_id is None else chat_id,
                "first_name": user["first_name"],
                "type": "private",
            }
        else:
            cid = chat_id if chat_id is not None else -1_000_000_000_000 - user["id"]
            chat = {"id": cid, "title": "测试群", "type": chat_type}
        self.chats.setdefault(chat["id"], chat)
        return self.chats[chat["id"]]

    def _allocate_message_id(self, chat_id: ChatId) -> int:
        # One counter per chat shared by user and bot messages, as in Telegram private chats.
        next_id = self._next_message_id.get(chat_id, 1)
        self._next_message_id[chat_id] = next_id + 1
        return next_id

    def _update(self, **payload: Any) -> JSON:
        self._next_update_id += 1
        return {"update_id": self._next_update_id, **payload}

    def _incoming(
        self,
        user_id: int,
        *,
        chat_id: ChatId | None,
        first_name: str,
        language_code: str | None,
        chat_type: str,
        reply_to_message: JSON | None,
        content: JSON,
    ) -> JSON:
        user = self._user(user_id, first_name, language_code)
        chat = self._chat(user, chat_id, chat_type)
        message: JSON = {
            "message_id": self._allocate_message_id(chat["id"]),
            "from": user,
            "chat": chat,
            "date": int(time.time()),
            **content,
        }
        if reply_to_message is not None:
            message["reply_to_message"] = _without_reply(reply_to_message)
        self.messages[(chat["id"], message["message_id"])] = message
        return message

    def make_text_update(
        self,
        user_id: int,
        text: str,
        *,
        chat_id: ChatId | None = None,
        first_name: str = "张三",
        language_code: str | None = "zh-hans",
        reply_to_message: JSON | None = None,
        chat_type: str = "private",
    ) -> JSON:
        """A user's text message; '/cmd ...' gets a bot_command entity like Telegram adds."""
        return self._message_update(
            user_id, _text_content(text), chat_id, first_name, language_code, chat_type, reply_to_message
        )

    def make_edited_text_update(self, message: JSON, text: str) -> JSON:
        """The user edits ``message`` (one of theirs, e.g. from ``messages``): Telegram sends the whole
        message again, new text and an ``edit_date``, as ``edited_message``."""
        edited = {key: value for key, value in message.items() if key != "entities"}
        edited.update(_text_content(text), edit_date=int(time.time()))
        self.messages[(message["chat"]["id"], message["message_id"])] = edited
        return self._update(edited_message=edited)

    def make_callback_update(
        self,
        user_id: int,
        data: str,
        message: JSON,
        *,
        first_name: str = "张三",
        language_code: str | None = "zh-hans",
    ) -> JSON:
        """A press on an inline button of ``message`` (a bot message, e.g. from ``fake.sent``)."""
        user = self._user(user_id, first_name, language_code)
        key = (message["chat"]["id"], message["message_id"])
        # The update proves the message exists, so later edits of it must succeed.
        self.messages.setdefault(key, dict(message))
        self.chats.setdefault(message["chat"]["id"], message["chat"])
        query_id = str(4_000_000_000 + self._next_update_id)
        self._callback_ids.add(query_id)
        return self._update(
            callback_query={
                "id": query_id,
                "from": user,
                "message": self.messages[key],
                "chat_instance": f"ci{message['chat']['id']}",
                "data": data,
            }
        )

    def _file_ids(self, prefix: str) -> JSON:
        self._next_file += 1
        return {"file_id": f"{prefix}{self._next_file:06d}", "file_unique_id": f"u{prefix}{self._next_file}"}

    def _message_update(
        self,
        user_id: int,
        content: JSON,
        chat_id: ChatId | None,
        first_name: str,
        language_code: str | None,
        chat_type: str,
        reply_to_message: JSON | None = None,
    ) -> JSON:
        """An update with a new user message of ``content`` (text, sticker, photo, voice, document)."""
        message = self._incoming(
            user_id,
            chat_id=chat_id,
            first_name=first_name,
            language_code=language_code,
            chat_type=chat_type,
            reply_to_message=reply_to_message,
            content=content,
        )
        return self._update(message=message)

    def make_sticker_update(
        self,
        user_id: int,
        *,
        emoji: str = "👍",
        chat_id: ChatId | None = None,
        first_name: str = "张三",
        language_code: str | None = "zh-hans",
        chat_type: str = "private",
    ) -> JSON:
        sticker: JSON = {
            **self._file_ids("STK"),
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": emoji,
            "file_size": 20480,
        }
        return self._message_update(
            user_id, {"sticker": sticker}, chat_id, first_name, language_code, chat_type
        )

    def make_photo_update(
        self,
        user_id: int,
        *,
        caption: str | None = None,
        chat_id: ChatId | None = None,
        first_name: str = "张三",
        language_code: str | None = "zh-hans",
        chat_type: str = "private",
    ) -> JSON:
        base = self._file_ids("PHO")
        # Telegram sends several sizes of the same photo, smallest first.
        photo = [
            {
                "file_id": f"{base['file_id']}_{w}",
                "file_unique_id": f"{base['file_unique_id']}_{w}",
                "width": w,
                "height": w * 3 // 4,
                "file_size": w * 40,
            }
            for w in (90, 320, 800)
        ]
        content: JSON = {"photo": photo}
        if caption is not None:
            content["caption"] = caption
        return self._message_update(user_id, content, chat_id, first_name, language_code, chat_type)

    def make_document_update(
        self,
        user_id: int,
        file_name: str,
        content: bytes,
        *,
        mime_type: str = "text/csv",
        chat_id: ChatId | None = None,
        first_name: str = "张三",
        language_code: str | None = "zh-hans",
        chat_type: str = "private",
    ) -> JSON:
        """A user sends a file; getFile and the file URL then serve ``content``."""
        ids = self._file_ids("DOC")
        self.files[ids["file_id"]] = UploadedFile(file_name, mime_type, content)
        document: JSON = {**ids, "file_name": file_name, "mime_type": mime_type, "file_size": len(content)}
        return self._message_update(
            user_id, {"document": document}, chat_id, first_name, language_code, chat_type
        )

    def make_voice_update(
        self,
        user_id: int,
        *,
        duration: int = 3,
        chat_id: ChatId | None = None,
        first_name: str = "张三",
        language_code: str | None = "zh-hans",
        chat_type: str = "private",
    ) -> JSON:
        voice: JSON = {
            **self._file_ids("VOI"),
            "duration": duration,
            "mime_type": "audio/ogg",
            "file_size": duration * 2000,
        }
        return self._message_update(user_id, {"voice": voice}, chat_id, first_name, language_code, chat_type)

    # ------------------------------------------------------------------ shared validation

    def _chat_for(self, chat_id: Any) -> JSON:
        if isinstance(chat_id, int):
            if chat_id not in self.chats:
                # Unknown ids are auto-created: positive = private chat, negative = group.
                self.chats[chat_id] = (
                    {
                        "id": chat_id,
                        "type": "private",
                        "first_name": self.users.get(chat_id, {}).get("first_name", f"user{chat_id}"),
                    }
                    if chat_id > 0
                    else {"id": chat_id, "title": "测试群", "type": "supergroup"}
                )
            return self.chats[chat_id]
        if isinstance(chat_id, str) and chat_id in self.chats:
            return self.chats[chat_id]
        if chat_id is None or chat_id == "":
            raise ApiError("chat_id is empty")
        raise ApiError("chat not found")

    def _formatted(self, params: JSON, field: str, limit: int, *, required: bool) -> tuple[str, list[JSON]]:
        """Parse text/caption with its parse_mode and check Telegram's length limits."""
        raw = params.get(field)
        if raw is None or raw == "":
            if required:
                raise ApiError("message text is empty")
            return "", []
        raw = str(raw)
        parse_mode = params.get("parse_mode")
        if parse_mode == "HTML":
            text, entities = parse_telegram_html(raw)
        else:
            # MarkdownV2/Markdown are not validated by this fake; explicit entities pass through.
            text = raw
            entities = list(params.get("entities" if field == "text" else "caption_entities") or [])
        text, entities = _strip_text(text, entities)
        if not text and required:
            raise ApiError("message text is empty")
        if utf16_len(text) > limit:
            raise ApiError("message is too long" if field == "text" else "message caption is too long")
        return text, entities

    @staticmethod
    def _check_markup(markup: Any) -> JSON | None:
        if markup is None:
            return None
        if not isinstance(markup, dict):
            raise ApiError("can't parse reply keyboard markup JSON object")
        if "inline_keyboard" in markup:
            rows = markup["inline_keyboard"]
            if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
                raise ApiError("can't parse inline keyboard markup JSON object")
            if sum(len(row) for row in rows) > MAX_INLINE_BUTTONS:
                raise ApiError("reply markup is too long")
            for row in rows:
                for button in row:
                    FakeBotApi._check_inline_button(button)
        elif "keyboard" in markup:
            for row in markup["keyboard"]:
                for button in row:
                    text = button if isinstance(button, str) else button.get("text", "")
                    if not text:
                        raise ApiError("BUTTON_TEXT_INVALID")
        return markup

    @staticmethod
    def _check_inline_button(button: Any) -> None:
        if not isinstance(button, dict) or not isinstance(button.get("text"), str):
            raise ApiError('can\'t parse inline keyboard button: Field "text" must be of type String')
        if not button["text"].strip():
            raise ApiError("BUTTON_TEXT_INVALID")
        # Telegram treats an empty callback_data like a missing one.
        if not any(button.get(action) not in (None, "") for action in _BUTTON_ACTIONS):
            raise ApiError(
                "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
            )
        data = button.get("callback_data")
        if data is not None and len(str(data).encode("utf-8")) > MAX_CALLBACK_DATA:
            raise ApiError("BUTTON_DATA_INVALID")
        url = button.get("url")
        if url is not None and not re.match(r"(https?|tg)://\S+$", str(url)):
            raise ApiError("BUTTON_URL_INVALID")

    def _reply_target(self, params: JSON, chat_id: ChatId) -> JSON | None:
        reply = params.get("reply_parameters") or {}
        message_id = reply.get("message_id", params.get("reply_to_message_id"))
        if message_id is None:
            return None
        target = self.messages.get((reply.get("chat_id", chat_id), message_id))
        allow = reply.get("allow_sending_without_reply", params.get("allow_sending_without_reply"))
        if target is None and not allow:
            raise ApiError("message to be replied not found")
        return _without_reply(target) if target else None

    def _new_bot_message(self, chat: JSON, content: JSON, params: JSON) -> JSON:
        reply_to = self._reply_target(params, chat["id"])
        markup = self._check_markup(params.get("reply_markup"))
        message: JSON = {
            "message_id": self._allocate_message_id(chat["id"]),
            "from": dict(BOT_USER),
            "chat": chat,
            "date": int(time.time()),
        }
        if reply_to is not None:
            message["reply_to_message"] = reply_to
        message.update(content)
        if markup and markup.get("inline_keyboard"):
            message["reply_markup"] = markup  # the API echoes only inline keyboards
        self.messages[(chat["id"], message["message_id"])] = message
        self._record_sent(message, markup)
        return message

    def _record_sent(self, message: JSON, markup: JSON | None) -> None:
        entry = dict(message)
        if markup is not None:
            entry["reply_markup"] = markup  # reply keyboards too, so tests can inspect them
        self.sent.append(entry)

    def _message_to_edit(self, params: JSON) -> JSON | None:
        if params.get("inline_message_id"):
            return None  # inline messages are not tracked; edits just succeed
        chat = self._chat_for(params.get("chat_id"))
        message_id = params.get("message_id")
        if message_id is None:
            raise ApiError("message identifier is not specified")
        message = self.messages.get((chat["id"], message_id))
        if message is None:
            raise ApiError("message to edit not found")
        if message.get("from", {}).get("id") != BOT_ID:
            raise ApiError("message can't be edited")
        return message

    def _store_edit(self, old: JSON, new: JSON, markup: JSON | None) -> JSON:
        if _same_content(old, new):
            raise ApiError(NOT_MODIFIED)
        new["edit_date"] = int(time.time())
        self.messages[(new["chat"]["id"], new["message_id"])] = new
        self._record_sent(new, markup)
        return new

    # ------------------------------------------------------------------ API methods

    def _api_getMe(self, params: JSON) -> JSON:
        return {
            **BOT_USER,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    def _api_sendMessage(self, params: JSON) -> JSON:
        chat = self._chat_for(params.get("chat_id"))
        text, entities = self._formatted(params, "text", MAX_TEXT, required=True)
        content: JSON = {"text": text}
        if entities:
            content["entities"] = entities
        return self._new_bot_message(chat, content, params)

    def _attached(self, params: JSON, field: str, limit: int) -> Any:
        """A file parameter: an upload (non-empty and within ``limit``), or a file_id / URL string."""
        value = params.get(field)
        if isinstance(value, str) and value.startswith("attach://"):
            value = params.get(value.removeprefix("attach://"))
        if isinstance(value, UploadedFile):
            if not value.content:
                raise ApiError("file must be non-empty")
            if len(value.content) > limit:
                raise ApiError("Request Entity Too Large", 413)
        return value

    def _send_with_caption(self, chat: JSON, content: JSON, params: JSON) -> JSON:
        caption, caption_entities = self._formatted(params, "caption", MAX_CAPTION, required=False)
        if caption:
            content["caption"] = caption
        if caption_entities:
            content["caption_entities"] = caption_entities
        return self._new_bot_message(chat, content, params)

    def _api_sendDocument(self, params: JSON) -> JSON:
        chat = self._chat_for(params.get("chat_id"))
        document = self._attached(params, "document", MAX_UPLOAD)
        if isinstance(document, UploadedFile):
            ids = self._file_ids("DOC")
            self.files[ids["file_id"]] = document
            doc_json: JSON = {
                **ids,
                "file_name": document.file_name,
                "mime_type": document.mime_type,
                "file_size": len(document.content),
            }
        elif isinstance(document, str) and document in self.files:
            stored = self.files[document]
            doc_json = {
                "file_id": document,
                "file_unique_id": f"u{document}",
                "file_name": stored.file_name,
                "mime_type": stored.mime_type,
                "file_size": len(stored.content),
            }
        elif isinstance(document, str) and document.startswith(("http://", "https://")):
            doc_json = {**self._file_ids("DOC"), "file_name": document.rsplit("/", 1)[-1]}
        else:
            missing = "there is no document in the request"
            raise ApiError("wrong file identifier/HTTP URL specified" if document else missing)
        return self._send_with_caption(chat, {"document": doc_json}, params)

    def _api_sendPhoto(self, params: JSON) -> JSON:
        chat = self._chat_for(params.get("chat_id"))
        photo = self._attached(params, "photo", MAX_PHOTO_UPLOAD)
        if isinstance(photo, UploadedFile):
            width, height = _image_size(photo.content)
            if width + height > MAX_PHOTO_SIDES or max(width, height) > MAX_PHOTO_RATIO * min(width, height):
                raise ApiError("PHOTO_INVALID_DIMENSIONS")
            ids = self._file_ids("PHO")
            self.files[ids["file_id"]] = photo
        elif isinstance(photo, str) and photo in self.files:
            ids = {"file_id": photo, "file_unique_id": f"u{photo}"}
            width, height = _image_size(self.files[photo].content)
        else:
            raise ApiError(
                "wrong file identifier/HTTP URL specified" if photo else "there is no photo in the request"
            )
        size = len(self.files[ids["file_id"]].content)
        return self._send_with_caption(
            chat, {"photo": [{**ids, "width": width, "height": height, "file_size": size}]}, params
        )

    def _api_getFile(self, params: JSON) -> JSON:
        file_id = str(params.get("file_id") or "")
        stored = self.files.get(file_id)
        if stored is None:
            raise ApiError("invalid file_id")
        if len(stored.content) > MAX_DOWNLOAD:
            raise ApiError("file is too big")
        suffix = stored.file_name.rsplit(".", 1)[-1] if "." in stored.file_name else "bin"
        path = f"documents/file_{file_id}.{suffix}"
        self.file_paths[path] = file_id
        return {
            "file_id": file_id,
            "file_unique_id": f"u{file_id}",
            "file_size": len(stored.content),
            "file_path": path,
        }

    def _api_editMessageText(self, params: JSON) -> JSON | bool:
        text, entities = self._formatted(params, "text", MAX_TEXT, required=True)
        markup = self._check_markup(params.get("reply_markup"))
        old = self._message_to_edit(params)
        if old is None:
            return True
        if "text" not in old:
            raise ApiError("there is no text in the message to edit")
        new = {k: v for k, v in old.items() if k not in ("entities", "reply_markup")}
        new["text"] = text
        if entities:
            new["entities"] = entities
        # Editing without reply_markup removes the inline keyboard, as on Telegram.
        if markup and markup.get("inline_keyboard"):
            new["reply_markup"] = markup
        return self._store_edit(old, new, markup)

    def _api_editMessageReplyMarkup(self, params: JSON) -> JSON | bool:
        markup = self._check_markup(params.get("reply_markup"))
        old = self._message_to_edit(params)
        if old is None:
            return True
        new = {k: v for k, v in old.items() if k != "reply_markup"}
        if markup and markup.get("inline_keyboard"):
            new["reply_markup"] = markup
        return self._store_edit(old, new, markup)

    def _api_deleteMessage(self, params: JSON) -> bool:
        chat = self._chat_for(params.get("chat_id"))
        key: tuple[ChatId, int] = (chat["id"], params.get("message_id", 0))
        if self.messages.pop(key, None) is None:
            raise ApiError("message to delete not found")
        self.deleted.append((chat["id"], int(params["message_id"])))
        return True

    def _api_answerCallbackQuery(self, params: JSON) -> bool:
        query_id = str(params.get("callback_query_id", ""))
        if query_id not in self._callback_ids:
            raise ApiError("query is too old and response timeout expired or query ID is invalid")
        if utf16_len(str(params.get("text") or "")) > MAX_CALLBACK_ANSWER:
            raise ApiError("MESSAGE_TOO_LONG")
        self._callback_ids.discard(query_id)  # a query is answered once; a second answer is refused
        self.callback_answers.append(params)
        return True

    def _command_slot(self, params: JSON) -> tuple[str, str]:
        language = str(params.get("language_code") or "")
        if language and not re.fullmatch(r"[a-z]{2}", language):
            raise ApiError("invalid language code specified")
        return self.scope_key(params.get("scope")), language

    def _api_setMyCommands(self, params: JSON) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list):
            raise ApiError("can't parse commands JSON object")
        if len(commands) > 100:
            raise ApiError("BOT_COMMANDS_TOO_MUCH")
        for command in commands:
            if not _COMMAND_RE.fullmatch(str(command.get("command", ""))):
                raise ApiError("BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description", "")).strip()) <= 256:
                raise ApiError("BOT_COMMAND_DESCRIPTION_INVALID")
        scope, language = self._command_slot(params)
        self.commands.setdefault(scope, {})[language] = [
            {"command": c["command"], "description": c["description"]} for c in commands
        ]
        return True

    def _api_deleteMyCommands(self, params: JSON) -> bool:
        scope, language = self._command_slot(params)
        self.commands.get(scope, {}).pop(language, None)
        return True

    def _api_getMyCommands(self, params: JSON) -> list[JSON]:
        scope, language = self._command_slot(params)
        return list(self.commands.get(scope, {}).get(language, []))

    def _api_sendChatAction(self, params: JSON) -> bool:
        chat = self._chat_for(params.get("chat_id"))
        action = params.get("action")
        if action not in _CHAT_ACTIONS:
            raise ApiError("wrong parameter action in request")
        self.chat_actions.append((chat["id"], str(action)))
        return True

    def _api_getChatMember(self, params: JSON) -> JSON:
        chat = self._chat_for(params.get("chat_id"))
        user_id = params.get("user_id")
        if not isinstance(user_id, int):
            raise ApiError("PARTICIPANT_ID_INVALID")
        user = self.users.get(user_id, {"id": user_id, "is_bot": False, "first_name": f"user{user_id}"})
        status = self.members.get((chat["id"], user_id), "left")
        member: JSON = {"status": status, "user": user}
        if status == "creator":
            member["is_anonymous"] = False
        elif status == "administrator":
            # PTB requires every admin right to be present, as the real API sends them all.
            member.update(
                {
                    "can_be_edited": False,
                    "is_anonymous": False,
                    "can_manage_chat": True,
                    "can_delete_messages": True,
                    "can_manage_video_chats": True,
                    "can_restrict_members": True,
                    "can_promote_members": False,
                    "can_change_info": True,
                    "can_invite_users": True,
                    "can_post_stories": False,
                    "can_edit_stories": False,
                    "can_delete_stories": False,
                    "can_pin_messages": True,
                }
            )
        elif status == "kicked":
            member["until_date"] = 0
        elif status == "restricted":
            member.update(
                {
                    "is_member": True,
                    "can_send_messages": False,
                    "can_send_audios": False,
                    "can_send_documents": False,
                    "can_send_photos": False,
                    "can_send_videos": False,
                    "can_send_video_notes": False,
                    "can_send_voice_notes": False,
                    "can_send_polls": False,
                    "can_send_other_messages": False,
                    "can_add_web_page_previews": False,
                    "can_change_info": False,
                    "can_invite_users": False,
                    "can_pin_messages": False,
                    "can_manage_topics": False,
                    "until_date": 0,
                }
            )
        return member

    def _api_getUpdates(self, params: JSON) -> list[JSON]:
        # Updates below the offset are confirmed and dropped, as on Telegram.
        offset = params.get("offset")
        if isinstance(offset, int) and offset > 0:
            self.pending_updates = [u for u in self.pending_updates if u["update_id"] >= offset]
        limit = params.get("limit") if isinstance(params.get("limit"), int) else 100
        return self.pending_updates[:limit]

    def _api_setWebhook(self, params: JSON) -> bool:
        self.webhook_url = str(params.get("url") or "")
        return True

    def _api_deleteWebhook(self, params: JSON) -> bool:
        self.webhook_url = ""
        if params.get("drop_pending_updates"):
            self.pending_updates.clear()
        return True

    def _api_getWebhookInfo(self, params: JSON) -> JSON:
        return {
            "url": self.webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": len(self.pending_updates),
        }

    def _api_close(self, params: JSON) -> bool:
        return True

    def _api_logOut(self, params: JSON) -> bool:
        return True


def _text_content(text: str) -> JSON:
    """A text as a user sends it: '/cmd ...' gets a bot_command entity like Telegram adds."""
    content: JSON = {"text": text}
    if text.startswith("/"):
        command = text.split(maxsplit=1)[0]
        content["entities"] = [{"type": "bot_command", "offset": 0, "length": utf16_len(command)}]
    return content


def _image_size(content: bytes) -> tuple[int, int]:
    """Width and height of a PNG or JPEG; anything else is refused as Telegram refuses it."""
    if content.startswith(b"\x89PNG\r\n\x1a\n") and content[12:16] == b"IHDR":
        return int.from_bytes(content[16:20], "big"), int.from_bytes(content[20:24], "big")
    if content.startswith(b"\xff\xd8\xff"):
        index = 2
        while index + 9 < len(content):
            if content[index] != 0xFF:
                break
            marker, length = content[index + 1], int.from_bytes(content[index + 2 : index + 4], "big")
            if marker in (0xC0, 0xC1, 0xC2):
                height = int.from_bytes(content[index + 5 : index + 7], "big")
                return int.from_bytes(content[index + 7 : index + 9], "big"), height
            index += 2 + length
    raise ApiError("IMAGE_PROCESS_FAILED")


def _without_reply(message: JSON) -> JSON:
    # Telegram does not nest reply_to_message more than one level deep.
    return {k: v for k, v in message.items() if k != "reply_to_message"}


def _same_content(old: JSON, new: JSON) -> bool:
    fields = ("text", "entities", "caption", "caption_entities", "reply_markup")
    return all(old.get(field) == new.get(field) for field in fields)


def fake_request(fake: FakeBotApi) -> JsonRequest:
    """The bot's request class (JSON bodies, multipart for uploads) with its traffic going to ``fake``
    instead of the network.

    Use a separate one for ``request`` and ``get_updates_request`` (PTB requires that).
    """
    return JsonRequest(httpx_kwargs={"transport": httpx.MockTransport(fake)})
