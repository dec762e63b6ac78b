"""The one table of commands: name, who uses it where (scope), and the handler in each channel; what the
menu says is TEXTS "command_<name>". `bot/app.py` registers the Telegram handlers (with the scope's chat
filter) and the command menus from it; `bot/console.py` dispatches from it; /help lists it. A card-holder
command without a console handler, or a command without a text, fails at import.

Scopes: `user` (private chats, everyone; console too), `admin` (private chats, ADMIN_IDS), `staff` (the
staff chat), `staff_admin` (the staff chat, and private chats of staff and admins). The staff and admin
handlers check who is asking themselves (staff membership needs a call to Telegram, not a filter)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from bot import console
from bot.handlers import admin, booking, fallback, menu, privacy, reminders, staff_commands, start, stats
from bot.kb.schema import USER_COMMANDS
from bot.texts import TEXTS, Lang, t

if TYPE_CHECKING:
    from bot.console import Console

Scope = Literal["user", "admin", "staff", "staff_admin"]
TelegramHandler = Callable[[Any, Any], Awaitable[None]]
ConsoleHandler = Callable[["Console", str], Awaitable[None]]


@dataclass(frozen=True)
class Command:
    name: str
    scope: Scope
    telegram: TelegramHandler
    console: ConsoleHandler | None  # None only for staff and admin commands (the console is a card holder's)

    def __post_init__(self) -> None:
        if self.scope == "user" and self.console is None:
            raise ValueError(f"/{self.name}: a card-holder command needs a console handler too")
        if f"command_{self.name}" not in TEXTS:
            raise ValueError(f"/{self.name}: no TEXTS 'command_{self.name}' for the menu")

    def description(self, lang: Lang) -> str:
        """What the menu and /help say."""
        return t(f"command_{self.name}", lang)


COMMANDS: tuple[Command, ...] = (
    Command("start", "user", start.start, console.start),
    Command("menu", "user", menu.menu, console.menu),
    Command("bind", "user", start.bind, console.bind),
    Command("book", "user", booking.book, console.book),
    Command("mybookings", "user", booking.my_bookings, console.my_bookings),
    Command("reminders", "user", reminders.list_reminders, console.list_reminders),
    Command("language", "user", start.language, console.language),
    Command("help", "user", fallback.help_command, console.help_command),
    Command("privacy", "user", privacy.privacy, console.privacy),
    Command("forget", "user", privacy.ask_forget, console.forget),
    Command("unanswered", "admin", admin.list_unanswered, None),
    Command("reload", "admin", admin.reload_command, None),
    Command("rollback", "admin", admin.rollback_command, None),
    Command("stats", "admin", stats.stats, None),
    Command("outbox", "admin", admin.list_dead_letters, None),
    Command("agenda", "staff", staff_commands.agenda, None),
    Command("pending", "staff", staff_commands.pending, None),
    Command("export", "staff_admin", staff_commands.export_bookings, None),
    Command("unbind", "staff_admin", staff_commands.unbind_card, None),
)
BY_NAME = {command.name: command for command in COMMANDS}
if USER_COMMANDS != {c.name for c in COMMANDS if c.scope == "user"}:
    raise ValueError("bot.kb.schema.USER_COMMANDS must name the card holder's commands of this table")


MENU_SCOPES: dict[str, tuple[Scope, ...]] = {
    "everyone": ("user",),
    "admins": ("user", "admin", "staff_admin"),  # in their private chats
    "staff chat": ("staff", "staff_admin"),
}


def menu_of(audience: str) -> list[Command]:
    return [c for c in COMMANDS if c.scope in MENU_SCOPES[audience]]


def help_text(lang: Lang, admin: bool = False) -> str:
    lines = "\n".join(f"/{c.name} {c.description(lang)}" for c in menu_of("admins" if admin else "everyone"))
    return t("help", lang, commands=lines)
