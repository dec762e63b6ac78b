"""Pydantic schema of the knowledge files (see knowledge/README.md)."""

from __future__ import annotations

import re
from datetime import date, time
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator

MAX_BODY_CHARS = 3500  # a Telegram message holds 4096; leave room for title, source and contact lines
GENERAL_CARD = "general"
MINUTES_A_YEAR = 366 * 24 * 60
ENTRY_ID = r"[a-z0-9][a-z0-9.\-]{0,39}"  # also bounds the entry ids that buttons carry


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Card(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9]*$")
    name: str = Field(min_length=1)
    name_en: str = Field(min_length=1)
    guide: str = Field(min_length=1)
    # Words that name the programme in a question ("白云", "baiyun"): they let a holder of one card ask
    # about the other.
    aliases: list[str] = Field(min_length=1)
    tiers: dict[str, str] = Field(default_factory=dict)
    # Where the programme belongs (张店, 淄博): a question naming another place is about another programme.
    places: list[str] = Field(default_factory=list)
    # Who answers questions about the card itself (applying, losing, renewing it), as the guide prints it.
    contact: str | None = None
    # Where questions the guides do not cover usually go, when the guides name it (12345).
    referral: str | None = None
    # Shared material (`shared` below) its holders are offered without naming it.
    shared: list[str] = Field(default_factory=list)

    def name_in(self, lang: str) -> str:
        return self.name if lang == "zh" else self.name_en


class SharedMaterial(_Strict):
    """Material that is not a card's (淄博齐惠保): entries with `card: <id>`."""

    id: str = Field(pattern=r"^[a-z][a-z0-9]*$")
    name: str = Field(min_length=1)
    # Words that name it: a holder of a card it is not offered to sees it only when the question names it.
    aliases: list[str] = Field(min_length=1)


class CardsFile(_Strict):
    cards: list[Card] = Field(min_length=1)
    shared: list[SharedMaterial] = Field(default_factory=list)
    # Words that name a card programme without saying whose (人才卡, 企业家卡): with another place, another
    # place's programme.
    generic_names: list[str] = Field(default_factory=list)
    # What a holder does with the card itself (申请, 挂失, 续期): with the card named and nothing else the
    # guides know, a question about the card, not about a service (体检, 接送机) it gives.
    card_actions: list[str] = Field(default_factory=list)
    # Words asking what the card gives (有什么用, 福利, benefits): answered with the card's services.
    card_benefits: list[str] = Field(default_factory=list)
    # Words for the people who hold a card (持卡人): they name the card (持卡人有啥待遇 asks what it gives)
    # and no topic.
    card_holders: list[str] = Field(default_factory=list)


class AskedFact(_Strict):
    """A kind of fact a question may ask for (a price, an hour) and how an entry states one."""

    name: str
    question: re.Pattern[str]  # the question asks for it: 多少钱, 几点
    entry: re.Pattern[str]  # the entry states it: 10元, 8:30

    @field_validator("question", "entry", mode="before")
    @classmethod
    def _compiled(cls, value: object) -> re.Pattern[str]:
        if not isinstance(value, str):
            raise ValueError("give a regular expression as a string")
        try:
            return re.compile(value, re.IGNORECASE)
        except re.error as exc:
            raise ValueError(f"not a regular expression: {exc}") from exc

    def unstated(self, question: str, entry_text: str) -> bool:
        """The question asks for this kind of fact and the entry's text states none."""
        return bool(self.question.search(question)) and not self.entry.search(entry_text)


# The card holder's commands (`bot.commands` checks at import that these are its `user` commands): the
# ones a message may ask for in words.
USER_COMMANDS = frozenset(
    {"start", "menu", "bind", "book", "mybookings", "reminders", "language", "help", "privacy", "forget"}
)


class MatchingConfig(_Strict):
    answer_threshold: float = Field(gt=0, lt=1)
    alternative_threshold: float = Field(gt=0, lt=1)
    max_alternatives: int = Field(ge=0, le=5)
    stopwords_zh: list[str]
    stopwords_en: list[str]
    # Districts next to ours: a question about one of them is not about our programmes.
    other_places: list[str]
    # Words for people (老婆, 儿子): whose case a question is, so never its topic.
    people: list[str] = Field(default_factory=list)
    # A question asking for one of these is answered only by an entry that states one.
    asked_facts: list[AskedFact] = []
    # Messages that are only a greeting, thanks or acknowledgement; words opening a second question.
    greetings: list[str] = []
    thanks: list[str] = []
    acknowledgements: list[str] = []
    # A card-holder command -> messages that ask for it in words (我的预约: /mybookings).
    commands_in_words: dict[str, list[str]] = {}
    follow_up_marks: list[str] = []

    @field_validator("commands_in_words")
    @classmethod
    def _card_holder_commands(cls, commands: dict[str, list[str]]) -> dict[str, list[str]]:
        unknown = sorted(commands.keys() - USER_COMMANDS)
        if unknown:
            raise ValueError(
                f"not a card holder's command: {', '.join(unknown)} (one of {sorted(USER_COMMANDS)})"
            )
        owner: dict[str, str] = {}
        for command, phrases in commands.items():
            for phrase in phrases:
                other = owner.setdefault(phrase.casefold(), command)
                if other != command:
                    raise ValueError(f"{phrase!r} asks for both /{other} and /{command}")
        return commands


class Source(_Strict):
    """Where a text comes from: a guide's section, as printed, or an admin's note (who confirmed what)."""

    guide: str | None = None
    section: str | None = None
    note: str | None = None

    @model_validator(mode="after")
    def _guide_or_note(self) -> Source:
        from_guide = self.guide is not None and self.section is not None and self.note is None
        from_note = self.note is not None and self.guide is None and self.section is None
        if not (from_guide or from_note):
            raise ValueError("name either a guide and its section, or an admin's note")
        return self

    @property
    def is_guide(self) -> bool:
        return self.note is None


class Contact(_Strict):
    """A person, phone, address or opening hours several answers show: defined once, referenced as
    `{{id.field}}` (e.g. `{{zhongyi.phone}}`) from entries and bookings.yaml."""

    person: str | None = None
    phone: str | None = None
    address: str | None = None
    hours: str | None = None
    source: Source
    verified: date

    @model_validator(mode="after")
    def _says_something(self) -> Contact:
        if not any(self.value(field) for field in CONTACT_FIELDS):
            raise ValueError(f"a contact needs at least one of {', '.join(CONTACT_FIELDS)}")
        return self

    def value(self, field: str) -> str | None:
        return getattr(self, field) if field in CONTACT_FIELDS else None


CONTACT_FIELDS = ("person", "phone", "address", "hours")
TIER_MARK = "【突出贡献优秀企业家】"  # opens a paragraph only the higher tier of holder gets


class ContactsFile(_Strict):
    contacts: dict[str, Contact] = Field(default_factory=dict)

    @field_validator("contacts")
    @classmethod
    def _ids(cls, value: dict[str, Contact]) -> dict[str, Contact]:
        for key in value:
            if not re.fullmatch(r"[a-z][a-z0-9\-]*", key):
                raise ValueError(f"contact id '{key}': lowercase ascii letters, digits and '-'")
        return value


class RegressionCase(_Strict):
    q: str = Field(min_length=1)
    card: str | None = None
    entry: str = Field(min_length=1)


class RegressionFile(_Strict):
    """Questions admins rely on, and the entry each must reach (checked on every reload and upload)."""

    cases: list[RegressionCase] = Field(default_factory=list)


class Entry(_Strict):
    id: str = Field(pattern=rf"^{ENTRY_ID}$", max_length=40)
    card: str
    section: str = Field(min_length=1)
    title: str = Field(min_length=1)
    parent: str | None = None
    department: str | None = None
    phones: list[str] = Field(default_factory=list)
    questions: list[str] = Field(default_factory=list)
    keywords: list[str] = Field(default_factory=list)
    # Names of the one thing this entry is about (人民医院, 区医院): a question naming it gets this entry,
    # not one whose longer name merely contains it. An alias belongs to one entry only.
    aliases: list[str] = Field(default_factory=list)
    keywords_en: list[str] = Field(default_factory=list)
    tier: Literal["outstanding"] | None = None
    source: Source
    verified: date
    body: str = Field(min_length=1, max_length=MAX_BODY_CHARS)

    @field_validator("questions", "keywords", "keywords_en", "aliases", "phones", mode="before")
    @classmethod
    def _list_of_text(cls, value: object) -> object:
        if value is None:
            return []
        return value

    @field_validator("questions", "keywords", "keywords_en", "aliases")
    @classmethod
    def _no_blank_items(cls, value: list[str]) -> list[str]:
        if any(not str(item).strip() for item in value):
            raise ValueError("has an empty item")
        return value


# --- booking types (knowledge/bookings.yaml) ------------------------------------------------------

FieldKind = Literal[
    "name", "names", "count", "phone", "plates", "flight_no", "time", "date", "yes_no", "text"
]


class Label(_Strict):
    zh: str = Field(min_length=1)
    en: str = Field(min_length=1)

    def of(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en


# Telegram's limits on an inline keyboard: `kb check` refuses rules whose form keyboards would break them.
MAX_INLINE_BUTTONS = 100
MAX_CALLBACK_BYTES = 64
FORM_CALLBACK_PREFIX = "bk:c:"  # what the form's choice buttons carry before the choice's value
FORM_EXTRA_BUTTONS = 4  # back, cancel, and a calendar's ◀ ▶


class FieldCondition(_Strict):
    """When a field applies: an earlier count field is at least `min`, and/or the kind is one of `kinds`."""

    field: str | None = None
    min: int = Field(default=1, ge=0)
    kinds: list[str] | None = None


class BookingField(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z_]*$")
    kind: FieldKind
    label: Label
    required: bool = True
    when: FieldCondition | None = None
    # names/plates: exactly as many as this earlier count field says (passengers and their names agree).
    count: str | None = None
    # Offered filled in, for a one-tap confirm: the registry's holder name, or the holder's last booking.
    prefill: Literal["holder_name", "last"] | None = None
    min_count: int = Field(default=0, ge=0)  # count fields: the smallest value (1 passenger at least)


class BookingKind(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9\-]*$", max_length=24)
    title: Label
    min_notice_minutes: int | None = Field(default=None, ge=0, le=MINUTES_A_YEAR)
    service_point: str | None = None
    specialist: str | None = None
    phone: str | None = None


def _clock_time(value: object) -> time:
    """ "HH:MM", quoted: YAML reads an unquoted 14:00 as the number 840 (base 60)."""
    if not isinstance(value, str) or not re.fullmatch(r"\d{2}:\d{2}", value):
        raise ValueError(f'{value!r}: write a time of day as "HH:MM" in quotes, e.g. "08:00"')
    hours, minutes = int(value[:2]), int(value[3:])
    if hours > 23 or minutes > 59:
        raise ValueError(f"{value} is not a time of day (00:00 to 23:59)")
    return time(hours, minutes)


ClockTime = Annotated[time, BeforeValidator(_clock_time)]


class Opening(_Strict):
    weekdays: list[Annotated[int, Field(ge=1, le=7)]] = Field(min_length=1)  # ISO: Monday 1 .. Sunday 7
    periods: list[tuple[ClockTime, ClockTime]] = Field(min_length=1)

    @field_validator("periods")
    @classmethod
    def _start_before_end(cls, value: list[tuple[time, time]]) -> list[tuple[time, time]]:
        for start, end in value:
            if start >= end:
                raise ValueError(f"period {start:%H:%M}-{end:%H:%M}: the start must be before the end")
        return value


def _minutes(clock: time) -> int:
    return clock.hour * 60 + clock.minute


class BookingType(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9\-]*$", max_length=16)
    card: str
    title: Label
    timing: Literal["typed", "slots"]
    kinds: list[BookingKind] = Field(min_length=1)
    fields: list[BookingField] = Field(min_length=1)
    min_notice_minutes: int | None = Field(default=None, ge=0, le=MINUTES_A_YEAR)
    horizon_days: int = Field(ge=1, le=366)
    yearly_quota: int | None = Field(default=None, ge=1, le=366)
    opening: Opening | None = None
    slot_minutes: int | None = Field(default=None, ge=5, le=24 * 60)
    capacity_per_slot: int | None = Field(default=None, ge=1, le=1000)
    changes_contact: str | None = None
    staff_chat_id: int | None = None  # else STAFF_CHAT_ID
    # Minutes before the appointment: a reminder after it, or at it, reminds of nothing.
    reminder_offsets_minutes: list[Annotated[int, Field(ge=1, le=MINUTES_A_YEAR)]] = Field(
        default_factory=lambda: [1440, 120]
    )
    # Answers whose entry id starts with one of these offer a "book" button.
    offered_with: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _consistent(self) -> BookingType:
        for kind in self.kinds:
            if kind.min_notice_minutes is None and self.min_notice_minutes is None:
                raise ValueError(f"kind '{kind.id}': no min_notice_minutes here or on the booking type")
        if self.timing == "slots" and (
            self.opening is None or not self.slot_minutes or not self.capacity_per_slot
        ):
            raise ValueError("timing 'slots' needs opening, slot_minutes and capacity_per_slot")
        if len({k.id for k in self.kinds}) != len(self.kinds) or len({f.id for f in self.fields}) != len(
            self.fields
        ):
            raise ValueError("kind and field ids must be unique")
        self._check_conditions()
        self._check_keyboards()
        return self

    def _check_conditions(self) -> None:
        counts_before: set[str] = set()
        kind_ids = {k.id for k in self.kinds}
        for spec in self.fields:
            condition = spec.when
            if condition is not None and condition.field is not None and condition.field not in counts_before:
                raise ValueError(
                    f"field '{spec.id}': when.field '{condition.field}' is not an earlier count field"
                )
            if condition is not None and condition.kinds is not None and not set(condition.kinds) <= kind_ids:
                unknown = ", ".join(sorted(set(condition.kinds) - kind_ids))
                raise ValueError(f"field '{spec.id}': when.kinds names unknown kinds: {unknown}")
            if spec.count is not None and (
                spec.count not in counts_before or spec.kind not in ("names", "plates")
            ):
                raise ValueError(
                    f"field '{spec.id}': count must name an earlier count field (names or plates only)"
                )
            if spec.kind == "count":
                counts_before.add(spec.id)

    def _check_keyboards(self) -> None:
        """The form's keyboards must be ones Telegram accepts: at most 100 buttons, callback data ≤ 64 bytes."""
        for kind in self.kinds:
            if len((FORM_CALLBACK_PREFIX + kind.id).encode()) > MAX_CALLBACK_BYTES:
                raise ValueError(f"kind '{kind.id}': its button's callback data would exceed 64 bytes")
        if len(self.kinds) + FORM_EXTRA_BUTTONS > MAX_INLINE_BUTTONS:
            raise ValueError(f"{len(self.kinds)} kinds: more buttons than Telegram allows in one keyboard")
        if self.opening is not None and self.slot_minutes:
            slots = sum(
                (_minutes(end) - _minutes(start)) // self.slot_minutes for start, end in self.opening.periods
            )
            if slots + FORM_EXTRA_BUTTONS > MAX_INLINE_BUTTONS:
                raise ValueError(
                    f"{slots} slots a day: more time buttons than Telegram allows in one keyboard "
                    f"({MAX_INLINE_BUTTONS - FORM_EXTRA_BUTTONS} at most); lengthen slot_minutes"
                )

    def kind(self, kind_id: str) -> BookingKind | None:
        return next((k for k in self.kinds if k.id == kind_id), None)

    def describe(self, kind_id: str, lang: str) -> str:
        """The service as people name it: 便捷通关服务 · 国内送机 (an unknown kind by its id)."""
        kind = self.kind(kind_id)
        return f"{self.title.of(lang)} · {kind.title.of(lang) if kind else kind_id}"


class BookingsFile(_Strict):
    booking_types: list[BookingType] = Field(min_length=1)
