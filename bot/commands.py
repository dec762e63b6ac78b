"""The one table of commands: name, what the menu says (zh/en), who uses it where (scope), and the handler
in each channel. `bot/app.py` registers the Telegram handlers (with the scope's chat filter) and the
command menus from it; `bot/console.py` dispatches from it; /help lists it. A card-holder command without
a console handler fails at import.

Scopes: `user` (private chats, everyone; console too), `admin` (private chats, ADMIN_IDS), `staff` (the
staff chat), `staff_admin` (the staff chat, and private chats of staff and admins). The staff and admin
handlers check who is asking themselves (staff membership needs a call to Telegram, not a filter)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from bot import console
from bot.handlers import admin, booking, fallback, menu, privacy, reminders, staff_commands, start, stats
from bot.texts import Lang, t

if TYPE_CHECKING:
    from bot.console import Console

Scope = Literal["user", "admin", "staff", "staff_admin"]
TelegramHandler = Callable[[Any, Any], Awaitable[None]]
ConsoleHandler = Callable[["Console", str], Awaitable[None]]


@dataclass(frozen=True)
class Command:
    name: str
    description: dict[Lang, str]
    scope: Scope
    telegram: TelegramHandler
    console: ConsoleHandler | None  # None only for staff and admin commands (the console is a card holder's)

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
        {"zh": "用户没得到答案的问题（7d 或 30d）", "en": "What users missed (7d or 30d)"},
        "admin",
        admin.list_unanswered,
        None,
    ),
    Command(
        "reload",
        {"zh": "重新读取知识目录", "en": "Reload the knowledge folder"},
        "admin",
        admin.reload_command,
        None,
    ),
    Command(
        "rollback",
        {"zh": "恢复上一版知识库", "en": "Restore the previous knowledge"},
        "admin",
        admin.rollback_command,
        None,
    ),
    Command(
        "stats",
        {"zh": "统计图表（7d 或 30d）", "en": "Statistics chart (7d or 30d)"},
        "admin",
        stats.stats,
        None,
    ),
    Command(
        "outbox",
        {"zh": "未能送达的消息", "en": "Undeliverable messages"},
        "admin",
        admin.list_dead_letters,
        None,
    ),
    Command(
        "agenda",
        {"zh": "某日预约（默认今天）", "en": "Bookings of a day (today by default)"},
        "staff",
        staff_commands.agenda,
        None,
    ),
    Command(
        "pending",
        {"zh": "待确认的预约", "en": "Bookings waiting for a decision"},
        "staff",
        staff_commands.pending,
        None,
    ),
    Command(
        "export",
        {"zh": "导出预约（Excel）", "en": "Export bookings (Excel)"},
        "staff_admin",
        staff_commands.export_bookings,
        None,
    ),
    Command(
        "unbind",
        {"zh": "解除卡号绑定", "en": "Unlink a card number"},
        "staff_admin",
        staff_commands.unbind_card,
        None,
    ),
)
BY_NAME = {command.name: command for command in COMMANDS}


MENU_SCOPES: dict[str, tuple[Scope, ...]] = {
    "everyone": ("user",),
    "admins": ("user", "admin", "staff_admin"),  # in their private chats
    "staff chat": ("staff", "staff_admin"),
}


def menu_of(audience: str) -> list[Command]:
    return [c for c in COMMANDS if c.scope in MENU_SCOPES[audience]]


def help_text(lang: Lang, admin: bool = False) -> str:
    lines = "\n".join(f"/{c.name} {c.description[lang]}" for c in menu_of("admins" if admin else "everyone"))
    return t("help", lang, commands=lines)
