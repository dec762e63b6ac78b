"""Knowledge versions in the database: the installed one every instance serves, pending changes, history."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import KnowledgeVersion

INSTALLED, PENDING, CANCELLED = "installed", "pending", "cancelled"


async def current(session: AsyncSession) -> KnowledgeVersion | None:
    return (
        await session.execute(
            select(KnowledgeVersion)
            .where(KnowledgeVersion.state == INSTALLED)
            .order_by(KnowledgeVersion.id.desc())
            .limit(1)
        )
    ).scalar_one_or_none()


async def current_id(session: AsyncSession) -> int | None:
    """Cheap enough to ask every few seconds from every instance: one indexed row, no archive."""
    return (
        await session.execute(
            select(KnowledgeVersion.id)
            .where(KnowledgeVersion.state == INSTALLED)
            .order_by(KnowledgeVersion.id.desc())
            .limit(1)
        )
    ).scalar_one_or_none()


async def record(
    session: AsyncSession,
    *,
    state: str,
    archive: bytes,
    checksum: str,
    parent_id: int | None,
    summary: str,
    by: int | None,
    now: datetime,
) -> KnowledgeVersion:
    row = KnowledgeVersion(
        state=state,
        archive=archive,
        checksum=checksum,
        parent_id=parent_id,
        summary=summary,
        created_by=by,
        created_at=now,
        decided_at=now if state == INSTALLED else None,
    )
    session.add(row)
    await session.flush()
    return row
