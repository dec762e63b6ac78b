"""The Telegram application: every handler registered here, in order, and the command menus."""

from __future__ import annotations

import asyncio
import functools
import operator
import signal
from collections.abc import Awaitable, Callable
from datetime import time, timedelta

from telegram import BotCommand, BotCommandScope, BotCommandScopeChat, BotCommandScopeDefault, Update
from telegram.constants import ParseMode
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackContext,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    Defaults,
    MessageHandler,
    TypeHandler,
    filters,
)
from telegram.request import BaseRequest

from bot.admin import reload as knowledge
from bot.admin.archive import UPLOAD_SUFFIXES
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
from bot.holders.user_text import ID_PATTERN
from bot.kb.schema import ENTRY_ID
from bot.runtime.json_request import JsonRequest
from bot.runtime.leader import Leadership
from bot.runtime.updates import AcknowledgingQueue, OrderedUpdateProcessor, UpdateLedger
from bot.services import Services
from bot.texts import REJECT_REASONS, Lang

REPOST_EVERY = timedelta(minutes=5)
OUTBOX_EVERY = timedelta(seconds=10)  # retries of notifications Telegram did not take at once
NUDGE_EVERY = timedelta(minutes=5)
AGENDA_AT = time(8, 0)  # in TIMEZONE
LEAD_EVERY = timedelta(seconds=5)  # how soon another instance takes over the jobs of a dead leader
RESTORE_EVERY = timedelta(minutes=1)  # reminders scheduled by an instance that died are picked up
PRUNE_UPDATES_EVERY = timedelta(hours=1)
CONCURRENT_UPDATES = 64  # chats handled at once; one chat's updates stay in order
CONNECTIONS = 256  # to the Bot API (PTB's default; getUpdates has one of its own)
LEADERSHIP_KEY = "leadership"
LEDGER_KEY = "update_ledger"
RETENTION_AT = time(3, 30)  # in TIMEZONE: a quiet hour
KNOWLEDGE_CHECK_EVERY = timedelta(seconds=30)  # how soon an instance follows a version another installed

# Knowledge files an admin may send as a document (a CSV is the card-holder registry).
KNOWLEDGE_UPLOADS = functools.reduce(
    operator.or_, (filters.Document.FileExtension(suffix.removeprefix(".")) for suffix in UPLOAD_SUFFIXES)
)


ID = ID_PATTERN  # record ids in callback data, bounded so a forged huge number never reaches the database
PRIVATE_BUTTONS: list[tuple[Callable[[Update, ContextTypes.DEFAULT_TYPE], Awaitable[None]], str]] = [
    (start.choose_card, r"^card:[a-z][a-z0-9]{0,31}$"),
    (start.cancel_bind, r"^bind:cancel$"),
    (questions.open_alternative, rf"^alt:{ID}:{ENTRY_ID}$"),
    (questions.vote, rf"^fb:{ID}:-?1$"),
    (questions.hand_over, rf"^ho:{ID}$"),
    (questions.follow_up, rf"^fu:{ID}$"),
    (menu.open_entry, rf"^entry:{ENTRY_ID}$"),
    (menu.back_to_menu, r"^menu$"),
    (privacy.confirm_forget, r"^forget:(yes|no)$"),
    (start.choose_language, r"^lang:(zh|en)$"),
    (booking.book_button, r"^bk:start$"),
    # Choice values are ids, dates, times, months, 是/否, counts; the confirm token is hex.
    (booking.form_button, r"^bk:(c:[\w.:\-]{1,40}|ok:[0-9a-f]{1,40}|back|cancel|n)$"),
    (booking.cancel_booking, rf"^(bkx:{ID}(:yes)?|bkl)$"),
    (booking.change_booking, rf"^bkm:{ID}$"),
    (reminders.mute_reminder, rf"^rm:{ID}$"),
    (admin.gate_button, rf"^kb:(ok|no):{ID}$"),
    (admin.unanswered_button, rf"^un:(h|a):[0-9]{{1,3}}:{ID}$"),
]
STAFF_DECISION = rf"^st:(ok|no|un):{ID}$|^st:rj:{ID}:({'|'.join(REJECT_REASONS)})$"


class ButtonHandler(CallbackQueryHandler):
    """A button handler for one kind of chat. PTB's CallbackQueryHandler takes no filters, and message
    filters refuse callback updates, so the chat filter is applied to the button's message here."""

    def __init__(
        self,
        callback: Callable[[Update, ContextTypes.DEFAULT_TYPE], Awaitable[None]],
        pattern: str,
        chats: filters.MessageFilter,
    ) -> None:
        super().__init__(callback, pattern=pattern)
        self.chats = chats

    def check_update(self, update: object) -> bool | object | None:
        # PTB lets a query without data (a game button, an empty string) match every pattern: refuse it.
        if not isinstance(update, Update) or not (update.callback_query and update.callback_query.data):
            return None
        matched = super().check_update(update)
        message = update.effective_message
        return matched if matched and message is not None and self.chats.filter(message) else None


def staff_chat_ids(svc: Services) -> set[int]:
    """STAFF_CHAT_ID and any staff chat a booking type names: where staff buttons and replies work."""
    chats = {b.staff_chat_id for b in svc.knowledge.booking_types.values()} | {svc.settings.staff_chat_id}
    return {chat for chat in chats if chat is not None}


def _commands(table: list[Command], lang: Lang) -> list[BotCommand]:
    return [BotCommand(c.name, c.description(lang)) for c in table]


async def on_start(application: Application) -> None:
    await set_command_menus(application)
    await lead(CallbackContext(application))
    await knowledge.start(application.bot_data[SERVICES_KEY])
    if hasattr(signal, "SIGHUP"):  # `kill -HUP <pid>` re-reads KNOWLEDGE_DIR like /reload
        asyncio.get_running_loop().add_signal_handler(
            signal.SIGHUP, lambda: application.create_task(admin.reload_on_signal(application))
        )


Job = Callable[[ContextTypes.DEFAULT_TYPE], Awaitable[object]]


async def lead(context: ContextTypes.DEFAULT_TYPE) -> None:
    """Keep or take the leader lock; the instance that becomes leader schedules the pending reminders."""
    leadership: Leadership = context.bot_data[LEADERSHIP_KEY]
    was_leader = leadership.is_leader
    if await leadership.refresh() and not was_leader:
        await reminders.restore_reminders(context.application)


async def on_shutdown(application: Application) -> None:
    await application.bot_data[SERVICES_KEY].questions.flush()
    await application.bot_data[LEADERSHIP_KEY].resign()


def leader_only(job: Job) -> Job:
    """A periodic job that runs on the leader alone, so several instances do the work once."""

    @functools.wraps(job)  # the job keeps its name, and __wrapped__ says which it is
    async def on_leader(context: ContextTypes.DEFAULT_TYPE) -> None:
        leadership: Leadership = context.bot_data[LEADERSHIP_KEY]
        if leadership.is_leader and await leadership.refresh():
            await job(context)

    return on_leader


async def restore_reminders(context: ContextTypes.DEFAULT_TYPE) -> None:
    await reminders.restore_reminders(context.application)


async def prune_updates(context: ContextTypes.DEFAULT_TYPE) -> None:
    svc: Services = context.bot_data[SERVICES_KEY]
    await context.bot_data[LEDGER_KEY].prune(svc.clock())


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

    # 2. Buttons. Each pattern names one kind of callback data and bounds it (ids to 9 digits, so a forged
    # huge number never reaches the database); private-flow buttons work only in private chats and staff
    # buttons only in a staff chat. The catch-all comes last: it answers whatever matched nothing (a
    # button of an older version, forged data, a private button pressed in the group), so no client spins.
    staff_chats = filters.Chat(chat_id=staff_chat_ids(svc))
    for callback, pattern in PRIVATE_BUTTONS:
        application.add_handler(ButtonHandler(callback, pattern, filters.ChatType.PRIVATE))
    application.add_handler(ButtonHandler(booking.staff_decision, STAFF_DECISION, staff_chats))
    application.add_handler(CallbackQueryHandler(fallback.expired_button))

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
    svc: Services,
    request: Callable[[], BaseRequest] | None = None,
    rate_limit: bool = True,
    webhook: bool = False,
) -> Application:
    """`request` makes the HTTP layer (tests pass a fake Bot API); `rate_limit=False` is for benchmarks of
    the handlers alone, since Telegram's own limits would otherwise cap them at 30 messages a second.
    `webhook`: Telegram's posts are answered once handled (AcknowledgingQueue); polling needs no such wait."""
    settings = svc.settings
    builder: ApplicationBuilder = (
        Application.builder()
        .token(settings.telegram_bot_token or "")
        .base_url(settings.telegram_base_url)
        .base_file_url(settings.telegram_base_file_url)
        .post_init(on_start)
        .post_shutdown(on_shutdown)
        .defaults(Defaults(parse_mode=ParseMode.HTML, tzinfo=settings.tz))
    )
    if request is None:  # JSON bodies (see JsonRequest), PTB's pool sizes
        calls, updates = JsonRequest(connection_pool_size=CONNECTIONS), JsonRequest(connection_pool_size=1)
    else:
        calls, updates = request(), request()
    builder = builder.request(calls).get_updates_request(updates)
    if rate_limit:
        builder = builder.rate_limiter(AIORateLimiter())
    ledger = UpdateLedger(svc.db, svc.clock)
    queue = AcknowledgingQueue() if webhook else None
    if queue is not None:
        builder = builder.update_queue(queue)
    processor = OrderedUpdateProcessor(CONCURRENT_UPDATES, ledger, queue.handled if queue else None)
    application = builder.concurrent_updates(processor).build()
    application.bot_data[SERVICES_KEY] = svc
    application.bot_data[LEDGER_KEY] = ledger
    application.bot_data[LEADERSHIP_KEY] = Leadership(svc.db.url)
    register_handlers(application, svc)
    schedule_jobs(application)
    return application


def schedule_jobs(application: Application) -> None:
    """The periodic jobs run on the leader only, but `lead` (to notice the leader's death) and the
    knowledge check run everywhere."""
    jobs = application.job_queue
    if jobs is None:
        return
    jobs.run_repeating(lead, interval=LEAD_EVERY, first=LEAD_EVERY)
    # Each instance serves the installed knowledge version, so each one follows it (not only the leader).
    jobs.run_repeating(admin.follow_knowledge, interval=KNOWLEDGE_CHECK_EVERY, first=KNOWLEDGE_CHECK_EVERY)
    jobs.run_repeating(leader_only(staff.repost_overdue), interval=REPOST_EVERY, first=REPOST_EVERY)
    jobs.run_repeating(leader_only(drain_outbox), interval=OUTBOX_EVERY, first=OUTBOX_EVERY)
    jobs.run_repeating(leader_only(reminders.nudge_staff), interval=NUDGE_EVERY, first=NUDGE_EVERY)
    jobs.run_daily(leader_only(reminders.staff_agenda), time=AGENDA_AT)  # in Defaults' tzinfo
    jobs.run_daily(leader_only(privacy.enforce_retention), time=RETENTION_AT)
    jobs.run_repeating(leader_only(restore_reminders), interval=RESTORE_EVERY, first=RESTORE_EVERY)
    jobs.run_repeating(leader_only(prune_updates), interval=PRUNE_UPDATES_EVERY, first=PRUNE_UPDATES_EVERY)
