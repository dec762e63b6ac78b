"""The tables. Telegram user and chat ids are 64-bit; every timestamp is UTC (see db.types)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from db.types import UtcDateTime


class Base(DeclarativeBase):
    pass


# An id, once used, is never given to another row (SQLite's plain INTEGER PRIMARY KEY reuses the highest
# freed one; PostgreSQL sequences never do): a staff button or a job naming booking #5 cannot reach a later
# booking that happened to get #5.
NEVER_REUSED = {"sqlite_autoincrement": True}


class CardHolder(Base):
    """The card-holder registry, imported by admins (`python -m bot cardholders import`)."""

    __tablename__ = "cardholders"

    card_number: Mapped[str] = mapped_column(String(32), primary_key=True)
    card: Mapped[str] = mapped_column(String(32))
    holder_name: Mapped[str] = mapped_column(String(64))
    tier: Mapped[str] = mapped_column(String(32))
    valid_until: Mapped[date] = mapped_column(Date)
    # 11 digits where the registry has it: then /bind asks for it as a second check.
    mobile: Mapped[str | None] = mapped_column(String(16))


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)  # Telegram user id
    first_name: Mapped[str] = mapped_column(String(128), default="")
    language: Mapped[str] = mapped_column(String(8), default="zh")
    language_choice: Mapped[str | None] = mapped_column(String(8))  # set by /language; else Telegram's
    card: Mapped[str | None] = mapped_column(String(32))
    # One card number binds one user: the unique constraint makes a second binding fail.
    card_number: Mapped[str | None] = mapped_column(
        ForeignKey("cardholders.card_number", ondelete="SET NULL"), unique=True
    )
    # What the next plain text means (e.g. a card number); kept here so it survives a restart.
    awaiting: Mapped[str | None] = mapped_column(String(32))
    # The card number whose registered mobile we wait for (awaiting the mobile at /bind).
    pending_card_number: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class BindAttempt(Base):
    """A failed card-number check; five in an hour lock binding for that Telegram user. Not tied to the
    users row: /forget must not hand out five more guesses (rows older than the window are deleted)."""

    __tablename__ = "bind_attempts"
    __table_args__ = NEVER_REUSED

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(BigInteger, index=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime)


class QuestionLog(Base):
    """Every question with what the bot did: the source of 'unanswered' lists and statistics."""

    __tablename__ = "questions"
    # A user's questions, newest found first: the sender read asks for the last one with every message.
    __table_args__ = (Index("ix_questions_user_latest", "user_id", "id"), NEVER_REUSED)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(Text)
    card: Mapped[str | None] = mapped_column(String(32))
    entry_id: Mapped[str | None] = mapped_column(String(64))
    score: Mapped[float] = mapped_column(Float)
    answered: Mapped[bool] = mapped_column(Boolean)
    # answered | unsure (only suggestions offered) | declined (not covered) | alternative (a suggestion
    # was opened) | handover
    outcome: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)


class Vote(Base):
    __tablename__ = "votes"
    __table_args__ = (UniqueConstraint("question_id", "user_id"), NEVER_REUSED)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="CASCADE"))
    value: Mapped[int] = mapped_column(SmallInteger)  # +1 or -1
    at: Mapped[datetime] = mapped_column(UtcDateTime)


class Handover(Base):
    """A question passed to staff. Open until a staff member's first reply reaches the user."""

    __tablename__ = "handovers"
    __table_args__ = NEVER_REUSED

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="CASCADE"), index=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)  # where the user gets the reply
    question_id: Mapped[int | None] = mapped_column(ForeignKey("questions.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    last_posted_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    first_reply_at: Mapped[datetime | None] = mapped_column(UtcDateTime, index=True)


class HandoverPost(Base):
    """Each posting of a hand-over in the staff chat: a reply to any of them reaches the user."""

    __tablename__ = "handover_posts"

    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    message_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    handover_id: Mapped[int] = mapped_column(ForeignKey("handovers.id", ondelete="CASCADE"), index=True)


class Booking(Base):
    """A booking. Quota uses and slot seats are separate rows whose keys make the limits constraints.

    A booking outlives its holder's /forget, anonymised (no user, no fields): its quota use belongs to
    the card, not to the person."""

    __tablename__ = "bookings"
    __table_args__ = NEVER_REUSED

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    chat_id: Mapped[int] = mapped_column(BigInteger)
    card_number: Mapped[str] = mapped_column(String(32))
    type: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(24))
    starts_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    status: Mapped[str] = mapped_column(String(12))  # pending | confirmed | rejected | cancelled
    fields: Mapped[dict[str, str]] = mapped_column(JSON)
    reason: Mapped[str | None] = mapped_column(Text)
    # The form's token: a second tap on "confirm" finds the booking the first one made.
    request_key: Mapped[str] = mapped_column(String(40), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    raised_at: Mapped[datetime | None] = mapped_column(UtcDateTime)  # last time staff were reminded of it


class QuotaUse(Base):
    """Use number `use` (1..yearly quota) of a holder's yearly quota: at most `quota` rows can exist."""

    __tablename__ = "quota_uses"

    card_number: Mapped[str] = mapped_column(String(32), primary_key=True)
    type: Mapped[str] = mapped_column(String(16), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    use: Mapped[int] = mapped_column(Integer, primary_key=True)
    booking_id: Mapped[int] = mapped_column(ForeignKey("bookings.id", ondelete="CASCADE"), unique=True)


class SlotSeat(Base):
    """Seat `seat` (1..capacity) of a slot at one resource (a hospital)."""

    __tablename__ = "slot_seats"

    type: Mapped[str] = mapped_column(String(16), primary_key=True)
    kind: Mapped[str] = mapped_column(String(24), primary_key=True)
    starts_at: Mapped[datetime] = mapped_column(UtcDateTime, primary_key=True)
    seat: Mapped[int] = mapped_column(Integer, primary_key=True)
    booking_id: Mapped[int] = mapped_column(ForeignKey("bookings.id", ondelete="CASCADE"), unique=True)


class BookingDraft(Base):
    """The half-filled booking form of a user: it survives restarts and is shared by every instance."""

    __tablename__ = "booking_drafts"

    user_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    data: Mapped[dict[str, object]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class OutboxMessage(Base):
    """A message to send, written in the same transaction as what it announces; sent and retried by a job.

    status: pending -> sending (claimed by one sender until `claimed_at` + lease) -> sent; or dead (a
    permanent refusal such as a blocked bot, or too many attempts: listed by /outbox, never retried);
    dropped (its holder used /forget before it went out).
    The text and the .ics are separate steps: `text_sent_at` records the first, so a retry sends only
    what is missing."""

    __tablename__ = "outbox"
    __table_args__ = NEVER_REUSED

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    text: Mapped[str] = mapped_column(Text)  # Telegram HTML
    buttons: Mapped[list[list[list[str]]] | None] = mapped_column(JSON)  # rows of [text, callback_data]
    document: Mapped[str | None] = mapped_column(Text)  # an .ics calendar to attach
    document_name: Mapped[str | None] = mapped_column(String(64))  # its file name: booking-<id>.ics
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime, index=True)
    status: Mapped[str] = mapped_column(String(8), default="pending", index=True)
    claimed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    text_sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    # Whose personal data the text carries (a holder's booking, a reply to them): /forget purges it.
    user_id: Mapped[int | None] = mapped_column(BigInteger, index=True)


class Reminder(Base):
    """A reminder before an appointment. The row is the truth; scheduler jobs are rebuilt from it at start-up.

    status: scheduled -> sending (claimed by one sender) -> sent; or muted, cancelled, dropped (fell due
    while the bot was down and the appointment had passed), failed (refused for good, e.g. the holder
    blocked the bot: a dead letter is recorded in the outbox).
    """

    __tablename__ = "reminders"
    __table_args__ = NEVER_REUSED

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    booking_id: Mapped[int] = mapped_column(ForeignKey("bookings.id", ondelete="CASCADE"), index=True)
    offset_minutes: Mapped[int] = mapped_column(Integer)
    due_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    status: Mapped[str] = mapped_column(String(12), index=True)
    claimed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class ProcessedUpdate(Base):
    """Telegram update ids already taken by some instance: a redelivered update is dropped. Old rows are
    pruned by a job (Telegram stops redelivering after a day)."""

    __tablename__ = "processed_updates"

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)


class KnowledgeVersion(Base):
    """One state of the knowledge folder, as a zip of its files. The newest `installed` row is what every
    instance serves (each checks it periodically); `pending` waits for an admin to confirm a change that
    moved regression questions; `parent_id` is the installed version it replaced (what /rollback restores).
    """

    __tablename__ = "knowledge_versions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    state: Mapped[str] = mapped_column(String(12), index=True)  # pending | installed | cancelled
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("knowledge_versions.id", ondelete="SET NULL"))
    archive: Mapped[bytes] = mapped_column(LargeBinary)
    checksum: Mapped[str] = mapped_column(String(64))
    summary: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class HandledQuestion(Base):
    """An unanswered question an admin has dealt with: /unanswered no longer lists it."""

    __tablename__ = "handled_questions"

    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"), primary_key=True)
    handled_by: Mapped[int] = mapped_column(BigInteger)
    handled_at: Mapped[datetime] = mapped_column(UtcDateTime)
