"""Placing bookings in the database: limits as constraints, under concurrency, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from bot.booking.store import BookingRequest, cancel, decide, place_booking
from bot.holders.registry import import_registry, parse_registry
from bot.holders.users import ensure_user
from bot.kb.loader import KnowledgeBase
from db.models import Booking
from db.session import Database
from tests.knowledge_factory import CARDS

SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # Monday 10:00 in Shanghai
REGISTRY = "card_number,card,holder_name,tier,valid_until\n" + "".join(
    f"C{n:03d},baiyun,持卡人{n},standard,2030-12-31\n" for n in range(25)
)
USERS = range(1, 21)


async def people(database: Database) -> None:
    async with database.session() as session:
        await import_registry(session, parse_registry(REGISTRY, CARDS))
        for user_id in USERS:
            await ensure_user(session, user_id, f"u{user_id}", "zh", NOW)


def request(user_id: int, key: str, kind: str, start: str, card_number: str | None = None) -> BookingRequest:
    return BookingRequest(
        user_id=user_id,
        chat_id=user_id,
        card_number=card_number or f"C{user_id:03d}",
        kind=kind,
        starts_at=datetime.fromisoformat(start).replace(tzinfo=SH),
        fields={},
        request_key=key,
    )


async def count(database: Database, status: str = "pending") -> int:
    async with database.session() as session:
        return int(
            await session.scalar(select(func.count()).select_from(Booking).where(Booking.status == status))
        )


async def test_twenty_confirms_for_the_last_seat_make_exactly_one_booking(
    database: Database, shipped: KnowledgeBase
) -> None:
    await people(database)
    hospital = shipped.booking_types["hospital"]
    first = await place_booking(database, hospital, request(20, "first", "renmin", "2026-11-25 09:00"), NOW)
    assert first.booking is not None  # one of the slot's two seats is taken
    other = Database(database.url)  # a second instance of the bot on the same database
    results = await asyncio.gather(
        *(
            place_booking(
                database if u % 2 else other, hospital, request(u, f"k{u}", "renmin", "2026-11-25 09:00"), NOW
            )
            for u in range(1, 20)
        )
    )
    await other.dispose()
    assert sum(r.booking is not None for r in results) == 1
    assert {v.code for r in results for v in r.violations} == {"full"}
    assert await count(database) == 2


async def test_twenty_confirms_for_the_last_quota_use_make_exactly_one_booking(
    database: Database, shipped: KnowledgeBase
) -> None:
    await people(database)
    airport = shipped.booking_types["airport"]
    used = await place_booking(
        database, airport, request(1, "used", "domestic-departure", "2026-12-01 08:00"), NOW
    )
    assert used.booking is not None
    other = Database(database.url)  # a second instance of the bot on the same database
    results = await asyncio.gather(
        *(  # the same holder on twenty devices, twenty different flights
            place_booking(
                database if n % 2 else other,
                airport,
                request(1, f"k{n}", "domestic-departure", f"2026-12-{n + 2:02d} 08:00"),
                NOW,
            )
            for n in range(20)
        )
    )
    await other.dispose()
    assert sum(r.booking is not None for r in results) == 1
    assert {v.code for r in results for v in r.violations} == {"quota"}


async def test_a_double_tap_makes_one_booking(database: Database, shipped: KnowledgeBase) -> None:
    await people(database)
    airport = shipped.booking_types["airport"]
    same = request(1, "same-form", "intl-arrival", "2026-12-01 08:00")
    results = await asyncio.gather(*(place_booking(database, airport, same, NOW) for _ in range(5)))
    assert len({r.booking.id for r in results if r.booking}) == 1 and await count(database) == 1


async def test_cancel_and_reject_free_the_quota_and_the_seat(
    database: Database, shipped: KnowledgeBase
) -> None:
    await people(database)
    airport, hospital = shipped.booking_types["airport"], shipped.booking_types["hospital"]
    a = await place_booking(database, airport, request(1, "a", "intl-departure", "2026-12-01 08:00"), NOW)
    b = await place_booking(database, airport, request(1, "b", "intl-departure", "2026-12-02 08:00"), NOW)
    blocked = await place_booking(
        database, airport, request(1, "c", "intl-departure", "2026-12-03 08:00"), NOW
    )
    assert blocked.violations[0].code == "quota"
    async with database.session() as session:
        assert await cancel(session, a.booking.id, 2, NOW) is None  # type: ignore[union-attr]  # not Bob's
        assert await cancel(session, a.booking.id, 1, NOW) is not None  # type: ignore[union-attr]
        assert (await decide(session, b.booking.id, False, "信息不全", NOW)).status == "rejected"  # type: ignore[union-attr]
        assert await decide(session, b.booking.id, True, None, NOW) is None  # type: ignore[union-attr]
    for n in (1, 2):
        again = await place_booking(
            database, airport, request(1, f"d{n}", "intl-departure", f"2026-12-0{n + 3} 08:00"), NOW
        )
        assert again.booking is not None
    next_year = await place_booking(
        database, airport, request(1, "e", "intl-departure", "2027-01-01 08:00"), NOW
    )
    assert next_year.booking is not None  # a new calendar year of service dates, a new quota

    for user in (1, 2):
        await place_booking(database, hospital, request(user, f"h{user}", "dier", "2026-11-26 14:00"), NOW)
    full = await place_booking(database, hospital, request(3, "h3", "dier", "2026-11-26 14:00"), NOW)
    assert full.violations[0].code == "full"
    async with database.session() as session:
        first = (await session.execute(select(Booking).where(Booking.request_key == "h1"))).scalar_one()
        await cancel(session, first.id, 1, NOW)
    assert (
        await place_booking(database, hospital, request(3, "h3b", "dier", "2026-11-26 14:00"), NOW)
    ).booking
