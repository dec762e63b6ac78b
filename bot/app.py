"""The Telegram application: every handler registered here, in order, and the command menus."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Callable
from datetime import time, timedelta

from telegram import BotCommand, BotCommandScope, BotCommandScopeChat, BotCommandScopeDefault, Update
from telegram.constants import ParseMode
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    Defaults,
    MessageHandler,
    TypeHandler,
    filters,
)
from telegram.request import BaseRequest

from bot.admin import reload as knowledge
from bot.commands import COMMANDS, Command, menu_of
from bot.handlers import (
    admin,
    booking,
    fallback,
    menu,
    privacy,
    questions,
    registry_upload,
    reminders,
    staff,
    start,
)
from bot.handlers.access import refuse_non_admin
from bot.handlers.common import SERVICES_KEY, load_languages
from bot.handlers.errors import on_error
from bot.handlers.outbox_sender import drain_outbox
from bot.services import Services
from bot.texts import Lang

REPOST_EVERY = timedelta(minutes=5)
OUTBOX_EVERY = timedelta(seconds=10)  # retries of notifications Telegram did not take at once
NUDGE_EVERY = timedelta(minutes=5)
AGENDA_AT = time(8, 0)  # in TIMEZONE
KNOWLEDGE_CHECK_EVERY = timedelta(seconds=30)  # how soon an instance follows a version another installed

# Knowledge files an admin may send as a document (a CSV is the card-holder registry).
KNOWLEDGE_UPLOADS = (
    filters.Document.FileExtension("md")
    | filters.Document.FileExtension("yaml")
    | filters.Document.FileExtension("yml")
    | filters.Document.FileExtension("zip")
)


def _commands(table: list[Command], lang: Lang) -> list[BotCommand]:
    return [BotCommand(c.name, c.description[lang]) for c in table]


async def on_start(application: Application) -> None:
    await set_command_menus(application)
    await reminders.restore_reminders(application)
    await knowledge.start(application.bot_data[SERVICES_KEY])
    if hasattr(signal, "SIGHUP"):  # `kill -HUP <pid>` re-reads KNOWLEDGE_DIR like /reload
        asyncio.get_running_loop().add_signal_handler(
            signal.SIGHUP, lambda: application.create_task(admin.reload_on_signal(application))
        )


async def set_command_menus(application: Application) -> None:
    """Each audience sees its own commands (Chinese, or English for English clients): everyone the user
    commands; admins, in their private chats, theirs too; the staff chat only the staff commands."""
    bot, svc = application.bot, application.bot_data[SERVICES_KEY]
    menus: list[tuple[BotCommandScope, list[Command]]] = [
        (BotCommandScopeDefault(), menu_of("everyone")),
        *((BotCommandScopeChat(admin_id), menu_of("admins")) for admin_id in svc.settings.admin_ids),
    ]
    if svc.settings.staff_chat_id is not None:
        menus.append((BotCommandScopeChat(svc.settings.staff_chat_id), menu_of("staff chat")))
    for scope, table in menus:
        await bot.set_my_commands(_commands(table, "zh"), scope=scope)
        await bot.set_my_commands(_commands(table, "en"), scope=scope, language_code="en")


def register_handlers(application: Application, svc: Services) -> None:
    """The order matters: PTB runs the first matching handler of a group, so specific handlers come before
    the catch-alls (known commands before the unknown-command reply, the staff chat before private text)."""
    # Only new messages: an edit is not a new request. An edited question is not answered again, an
    # edited staff reply is not sent to the holder twice, an edited old message does not feed the form.
    new_message = filters.UpdateType.MESSAGE
    private = filters.ChatType.PRIVATE & new_message
    admins = filters.User(user_id=svc.settings.admin_ids)
    staff_chat = (
        filters.Chat(svc.settings.staff_chat_id) & new_message
        if svc.settings.staff_chat_id is not None
        else None
    )

    # 0. Before everything (group -1): the /language choices, which every handler's texts follow.
    application.add_handler(TypeHandler(Update, load_languages), group=-1)

    # 1. Commands from the one table the console dispatches too, each where its scope allows: card
    # holders' in private chats; admins' in admins' private chats; staff commands in the staff chat;
    # /export and /unbind there and in private chats (their handlers check who is asking: staff
    # membership needs a call to Telegram, not a filter).
    where: dict[str, filters.BaseFilter | None] = {
        "user": private,
        "admin": private & admins,
        "staff": staff_chat,
        "staff_admin": private | staff_chat if staff_chat is not None else private,
    }
    for command in COMMANDS:
        if (allowed := where[command.scope]) is not None:
            application.add_handler(CommandHandler(command.name, command.telegram, filters=allowed))
    # Admin commands from anyone else: refused here, before the unknown-command reply.
    admin_only = [c.name for c in COMMANDS if c.scope == "admin"]
    application.add_handler(CommandHandler(admin_only, refuse_non_admin, filters=private))

    # 1b. Documents by extension, so each kind of upload has its own handler: the card-holder CSV and the
    # knowledge files are the admins'; from anyone else they are refused (not read as an unknown message).
    csv = private & filters.Document.FileExtension("csv")
    application.add_handler(MessageHandler(csv & admins, registry_upload.import_csv))
    application.add_handler(MessageHandler(csv, refuse_non_admin))
    knowledge_file = private & KNOWLEDGE_UPLOADS
    application.add_handler(MessageHandler(knowledge_file & admins, admin.upload_document))
    application.add_handler(MessageHandler(knowledge_file, refuse_non_admin))

    # 2. Buttons; each pattern names one kind of callback data.
    application.add_handler(CallbackQueryHandler(start.choose_card, pattern=r"^card:"))
    application.add_handler(CallbackQueryHandler(start.cancel_bind, pattern=r"^bind:cancel$"))
    application.add_handler(
        CallbackQueryHandler(questions.open_alternative, pattern=r"^alt:\d+:[a-z0-9.\-]+$")
    )
    application.add_handler(CallbackQueryHandler(questions.vote, pattern=r"^fb:\d+:-?1$"))
    application.add_handler(CallbackQueryHandler(questions.hand_over, pattern=r"^ho:\d+$"))
    application.add_handler(CallbackQueryHandler(questions.follow_up, pattern=r"^fu:\d+$"))
    application.add_handler(CallbackQueryHandler(menu.open_entry, pattern=r"^entry:"))
    application.add_handler(CallbackQueryHandler(menu.back_to_menu, pattern=r"^menu$"))
    application.add_handler(CallbackQueryHandler(privacy.confirm_forget, pattern=r"^forget:(yes|no)$"))
    application.add_handler(CallbackQueryHandler(start.choose_language, pattern=r"^lang:(zh|en)$"))
    application.add_handler(CallbackQueryHandler(booking.book_button, pattern=r"^bk:start$"))
    application.add_handler(
        CallbackQueryHandler(booking.form_button, pattern=r"^bk:(c:.+|ok:[0-9a-f]+|back|cancel|n)$")
    )
    application.add_handler(CallbackQueryHandler(booking.cancel_booking, pattern=r"^(bkx:\d+(:yes)?|bkl)$"))
    application.add_handler(CallbackQueryHandler(booking.change_booking, pattern=r"^bkm:\d+$"))
    application.add_handler(CallbackQueryHandler(reminders.mute_reminder, pattern=r"^rm:\d+$"))
    application.add_handler(
        CallbackQueryHandler(booking.staff_decision, pattern=r"^st:(ok|no|rj|un):\d+(:[a-z]+)?$")
    )
    application.add_handler(CallbackQueryHandler(admin.gate_button, pattern=r"^kb:(ok|no):\d+$"))
    application.add_handler(CallbackQueryHandler(admin.unanswered_button, pattern=r"^un:(h|a):\d+:\d+$"))

    # 3. Staff replying in the staff chat: to a hand-over (answers the user) or to a booking notice (a
    # reason for ❌).
    if staff_chat is not None:
        application.add_handler(
            MessageHandler(
                staff_chat & filters.REPLY & filters.TEXT & ~filters.COMMAND,
                staff.staff_reply,
            )
        )

    # 4. Catch-alls for private chats: questions, then unknown commands, then what the bot cannot read.
    application.add_handler(MessageHandler(private & filters.TEXT & ~filters.COMMAND, questions.on_text))
    application.add_handler(MessageHandler(private & filters.COMMAND, fallback.help_command))
    application.add_handler(MessageHandler(private & ~filters.TEXT, fallback.non_text))

    application.add_error_handler(on_error)


def build_application(
    svc: Services, request: Callable[[], BaseRequest] | None = None, rate_limit: bool = True
) -> Application:
    """`request` makes the HTTP layer (tests pass a fake Bot API); `rate_limit=False` is for benchmarks of
    the handlers alone, since Telegram's own limits would otherwise cap them at 30 messages a second."""
    settings = svc.settings
    builder: ApplicationBuilder = (
        Application.builder()
        .token(settings.telegram_bot_token or "")
        .base_url(settings.telegram_base_url)
        .base_file_url(settings.telegram_base_file_url)
        .post_init(on_start)
        .defaults(Defaults(parse_mode=ParseMode.HTML, tzinfo=settings.tz))
    )
    if request is not None:
        builder = builder.request(request()).get_updates_request(request())
    if rate_limit:
        builder = builder.rate_limiter(AIORateLimiter())
    application = builder.build()
    application.bot_data[SERVICES_KEY] = svc
    register_handlers(application, svc)
    if application.job_queue is not None:
        application.job_queue.run_repeating(staff.repost_overdue, interval=REPOST_EVERY, first=REPOST_EVERY)
        application.job_queue.run_repeating(drain_outbox, interval=OUTBOX_EVERY, first=OUTBOX_EVERY)
        application.job_queue.run_repeating(reminders.nudge_staff, interval=NUDGE_EVERY, first=NUDGE_EVERY)
        application.job_queue.run_repeating(
            admin.follow_knowledge, interval=KNOWLEDGE_CHECK_EVERY, first=KNOWLEDGE_CHECK_EVERY
        )
        application.job_queue.run_daily(reminders.staff_agenda, time=AGENDA_AT)  # in Defaults' tzinfo
    return application
