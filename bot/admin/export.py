"""Bookings as an XLSX workbook with every field, for staff and admins (`/export`, `python -m bot export`)."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.kb.loader import KnowledgeBase
from bot.texts import Lang, t
from db.models import Booking, CardHolder

SHEET = "bookings"
# Fixed columns first (headed by TEXTS "export_column_<column>"); then one column per form field of every
# booking type (a field shared by two types, such as the contact phone, is one column).
FIXED_COLUMNS = (
    "id",
    "type",
    "kind",
    "status",
    "starts_at",
    "card_number",
    "holder_name",
    "user_id",
    "reason",
    "created_at",
    "decided_at",
)


@dataclass(frozen=True)
class ExportRange:
    """Bookings whose appointment falls on `first`..`last` (days in TIMEZONE, both included; None: open)."""

    first: date | None = None
    last: date | None = None

    def __post_init__(self) -> None:
        if self.first and self.last and self.first > self.last:
            raise ValueError(f"{self.first} is after {self.last}")


async def bookings_in(
    session: AsyncSession, span: ExportRange, zone: ZoneInfo
) -> list[tuple[Booking, CardHolder | None]]:
    query = select(Booking, CardHolder).outerjoin(CardHolder, CardHolder.card_number == Booking.card_number)
    if span.first is not None:
        query = query.where(Booking.starts_at >= datetime.combine(span.first, time(), zone))
    if span.last is not None:
        query = query.where(Booking.starts_at < datetime.combine(span.last + timedelta(days=1), time(), zone))
    rows = await session.execute(query.order_by(Booking.starts_at, Booking.id))
    return [(booking, holder) for booking, holder in rows]


def _field_columns(knowledge: KnowledgeBase, lang: Lang) -> dict[str, str]:
    """Field id -> its heading."""
    columns: dict[str, str] = {}
    for booking_type in knowledge.booking_types.values():
        for spec in booking_type.fields:
            columns.setdefault(spec.id, spec.label.of(lang))
    return columns


def _local(moment: datetime | None, zone: ZoneInfo) -> datetime | None:
    # Excel has no time zones: local wall time, as staff read it.
    return moment.astimezone(zone).replace(tzinfo=None) if moment else None


def workbook(
    rows: list[tuple[Booking, CardHolder | None]], knowledge: KnowledgeBase, zone: ZoneInfo, lang: Lang
) -> bytes:
    """The XLSX file: a header row and the services' names in the reader's language, then one row per
    booking (typed values as typed)."""
    from openpyxl import Workbook  # here, not at start-up: ~8 MiB (with PIL) for an occasional export

    fields = _field_columns(knowledge, lang)
    book = Workbook()
    sheet = book.active
    sheet.title = SHEET
    sheet.append([*(t(f"export_column_{column}", lang) for column in FIXED_COLUMNS), *fields.values()])
    for booking, holder in rows:
        booking_type = knowledge.booking_types.get(booking.type)
        kind = booking_type.kind(booking.kind) if booking_type else None
        fixed = {
            "id": booking.id,
            "type": booking_type.title.of(lang) if booking_type else booking.type,
            "kind": kind.title.of(lang) if kind else booking.kind,
            "status": booking.status,
            "starts_at": _local(booking.starts_at, zone),
            "card_number": booking.card_number,
            "holder_name": holder.holder_name if holder else "",
            "user_id": booking.user_id,
            "reason": booking.reason or "",
            "created_at": _local(booking.created_at, zone),
            "decided_at": _local(booking.decided_at, zone),
        }
        sheet.append(
            [
                *(fixed[column] for column in FIXED_COLUMNS),
                *(booking.fields.get(key, "") for key in fields),
            ]
        )
        for cell in sheet[sheet.max_row]:
            if cell.data_type == "f":  # a typed value starting with "=" stays text, never a formula
                cell.data_type = "s"
            elif isinstance(cell.value, datetime):
                cell.number_format = "yyyy-mm-dd hh:mm"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
