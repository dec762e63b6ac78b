"""The one table of commands: name, what the menu says (zh/en), who sees it, and the handler in each
channel. `bot/app.py` registers the Telegram handlers and the command menus from it; `bot/console.py`
dispatches from it; /help lists it. A user command without a console handler fails at import."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from bot import console
from bot.handlers import admin, booking, fallback, menu, privacy, reminders, start
from bot.texts import Lang, t

if TYPE_CHECKING:
    from bot.console import Console

Scope = Literal["user", "admin"]
TelegramHandler = Callable[[Any, Any], Awaitable[None]]
ConsoleHandler = Callable[["Console", str], Awaitable[None]]


@dataclass(frozen=True)
class Command:
    name: str
    description: dict[Lang, str]
    scope: Scope
    telegram: TelegramHandler
    console: ConsoleHandler | None  # None only for admin commands (the console is a card holder's)

    def __post_init__(self) -> None:
        if self.scope == "user" and self.console is None:
            raise ValueError(f"/{self.name}: a card-holder command needs a console handler too")


COMMANDS: tuple[Command, ...] = (
    Command("start", {"zh": "选择卡种", "en": "Choose your card"}, "user", start.start, console.start),
    Command("menu", {"zh": "浏览服务目录", "en": "Browse services"}, "user", menu.menu, console.menu),
    Command("bind", {"zh": "绑定卡号", "en": "Link your card number"}, "user", start.bind, console.bind),
    Command(
        "book", {"zh": "预约服务（接送机、就医）", "en": "Book a service"}, "user", booking.book, console.book
    ),
    Command(
        "mybookings",
        {"zh": "我的预约", "en": "My bookings"},
        "user",
        booking.my_bookings,
        console.my_bookings,
    ),
    Command(
        "reminders",
        {"zh": "预约提醒", "en": "Reminders"},
        "user",
        reminders.list_reminders,
        console.list_reminders,
    ),
    Command(
        "language",
        {"zh": "切换语言 中文/English", "en": "Language 中文/English"},
        "user",
        start.language,
        console.language,
    ),
    Command("help", {"zh": "帮助", "en": "Help"}, "user", fallback.help_command, console.help_command),
    Command("privacy", {"zh": "隐私说明", "en": "What we store"}, "user", privacy.privacy, console.privacy),
    Command(
        "forget", {"zh": "删除我的数据", "en": "Delete my data"}, "user", privacy.ask_forget, console.forget
    ),
    Command(
        "unanswered",
        {"zh": "未解答的问题", "en": "Unanswered questions"},
        "admin",
        admin.list_unanswered,
        None,
    ),
)
BY_NAME = {command.name: command for command in COMMANDS}


def visible(admin: bool) -> list[Command]:
    return [c for c in COMMANDS if c.scope == "user" or admin]


def help_text(lang: Lang, admin: bool = False) -> str:
    lines = "\n".join(f"/{c.name} {c.description[lang]}" for c in visible(admin))
    return t("help", lang, commands=lines)
