"""Changing the knowledge a running bot serves, without a restart.

Every change (a reload of KNOWLEDGE_DIR, an upload, an alternate question added from /unanswered, a
rollback) takes the same path: validate → build the new index (in a worker thread, so questions keep
being answered from the installed base) → regression gate → record the version in the database → write
KNOWLEDGE_DIR → swap the answerer in one assignment. On any problem the installed base stays. Other
instances see the new version number in the database and follow (`follow_installed`).
"""

from __future__ import annotations

import asyncio
import logging
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Literal

from bot.admin import versions
from bot.admin.archive import checksum, pack, replace_folder, unpack
from bot.admin.diff import KnowledgeDiff, diff_knowledge
from bot.admin.gate import Move, regression_moves
from bot.answers.qa import Answerer
from bot.kb.loader import Problem, check_knowledge
from bot.services import Services
from db.session import Database

log = logging.getLogger(__name__)

Status = Literal["installed", "unchanged", "invalid", "gated", "stale", "nothing"]


@dataclass(frozen=True)
class Outcome:
    status: Status
    problems: tuple[Problem, ...] = ()  # paths relative to the folder checked
    diff: KnowledgeDiff | None = None
    moves: tuple[Move, ...] = ()
    version_id: int | None = None


def _build(folder: Path) -> tuple[Answerer | None, list[Problem]]:
    knowledge, problems = check_knowledge(folder)
    relative = [
        Problem(p.path.relative_to(folder) if p.path.is_relative_to(folder) else p.path, p.line, p.message)
        for p in problems
    ]
    return (Answerer(knowledge) if knowledge is not None else None), relative


async def build(folder: Path) -> tuple[Answerer | None, list[Problem]]:
    """Validation and the index build run in a thread: the event loop keeps answering meanwhile."""
    return await asyncio.to_thread(_build, folder)


async def _install(svc: Services, folder: Path, archive: bytes, candidate: Answerer) -> None:
    """Writes KNOWLEDGE_DIR from `archive`, the packed `folder` (unless the candidate was read from
    KNOWLEDGE_DIR itself), and swaps the answerer in. The candidate was validated from these very files,
    so it is not read again: only its entries' source paths move to where the files now lie."""
    installed_dir = svc.settings.knowledge_dir
    if folder.resolve() != installed_dir.resolve():
        await asyncio.to_thread(replace_folder, installed_dir, archive)
        sources = candidate.knowledge.sources
        sources.update({entry: installed_dir / path.relative_to(folder) for entry, path in sources.items()})
    svc.swap_knowledge(candidate)


async def propose(svc: Services, folder: Path, by: int | None) -> Outcome:
    """Installs the knowledge in `folder`, or parks it for the admin's confirmation when it moves
    regression questions, or reports every problem and changes nothing."""
    async with svc.knowledge_lock:
        candidate, problems = await build(folder)
        if candidate is None:
            return Outcome("invalid", tuple(problems))
        diff = diff_knowledge(svc.knowledge, candidate.knowledge)
        sum_ = checksum(folder)
        async with svc.db.session() as session:
            installed = await versions.current(session)
            if installed is not None and installed.checksum == sum_ and svc.knowledge_version == installed.id:
                return Outcome("unchanged", diff=diff, version_id=installed.id)
            moves = tuple(await asyncio.to_thread(regression_moves, svc.answerer, candidate))
            archive = pack(folder)
            row = await versions.record(
                session,
                state=versions.PENDING if moves else versions.INSTALLED,
                archive=archive,
                checksum=sum_,
                parent_id=installed.id if installed else None,
                summary=diff.summary(),
                by=by,
                now=svc.clock(),
            )
            if moves:
                return Outcome("gated", diff=diff, moves=moves, version_id=row.id)
            await _install(svc, folder, archive, candidate)
            svc.knowledge_version = row.id
        return Outcome("installed", diff=diff, version_id=row.id)


@asynccontextmanager
async def _version(archive: bytes) -> AsyncIterator[tuple[Path, Answerer | None, list[Problem]]]:
    """A stored version unpacked in a temporary folder, validated and built."""
    with tempfile.TemporaryDirectory(prefix="knowledge-version-") as tmp:
        folder = Path(tmp) / "knowledge"
        unpack(archive, folder)
        candidate, problems = await build(folder)
        yield folder, candidate, problems


async def confirm(svc: Services, version_id: int, by: int) -> Outcome:
    """The admin accepts a change the gate stopped."""
    async with svc.knowledge_lock, svc.db.session() as session:
        row = await session.get(versions.KnowledgeVersion, version_id)
        if row is None or row.state != versions.PENDING:
            return Outcome("nothing")
        installed = await versions.current(session)
        if installed is not None and row.parent_id != installed.id:
            # Another change was installed since: confirming would silently undo it.
            row.state, row.decided_at = versions.CANCELLED, svc.clock()
            return Outcome("stale", version_id=installed.id)
        async with _version(row.archive) as (folder, candidate, problems):
            if candidate is None:
                return Outcome("invalid", tuple(problems))
            diff = diff_knowledge(svc.knowledge, candidate.knowledge)
            row.state, row.decided_at, row.created_by = versions.INSTALLED, svc.clock(), by
            await session.flush()
            await _install(svc, folder, row.archive, candidate)
        svc.knowledge_version = row.id
        return Outcome("installed", diff=diff, version_id=row.id)


async def cancel(svc: Services, version_id: int) -> bool:
    async with svc.db.session() as session:
        row = await session.get(versions.KnowledgeVersion, version_id)
        if row is None or row.state != versions.PENDING:
            return False
        row.state, row.decided_at = versions.CANCELLED, svc.clock()
        return True


async def rollback(svc: Services, by: int) -> Outcome:
    """Installs again the version the current one replaced (repeated: further back)."""
    async with svc.knowledge_lock, svc.db.session() as session:
        installed = await versions.current(session)
        previous = (
            await session.get(versions.KnowledgeVersion, installed.parent_id)
            if installed and installed.parent_id
            else None
        )
        if installed is None or previous is None:
            return Outcome("nothing")
        async with _version(previous.archive) as (folder, candidate, problems):
            if candidate is None:
                return Outcome("invalid", tuple(problems))
            diff = diff_knowledge(svc.knowledge, candidate.knowledge)
            row = await versions.record(
                session,
                state=versions.INSTALLED,
                archive=previous.archive,
                checksum=previous.checksum,
                parent_id=previous.parent_id,
                summary=f"rollback to #{previous.id}\n{diff.summary()}",
                by=by,
                now=svc.clock(),
            )
            await _install(svc, folder, previous.archive, candidate)
        svc.knowledge_version = row.id
        return Outcome("installed", diff=diff, version_id=row.id)


async def start(svc: Services) -> None:
    """At start-up: the first instance ever records the folder it serves as the baseline version (so the
    first change can be rolled back); every instance notes the version it serves."""
    async with svc.knowledge_lock, svc.db.session() as session:
        installed = await versions.current(session)
        folder = svc.settings.knowledge_dir
        if installed is None:
            installed = await versions.record(
                session,
                state=versions.INSTALLED,
                archive=pack(folder),
                checksum=checksum(folder),
                parent_id=None,
                summary="baseline (the folder at first start)",
                by=None,
                now=svc.clock(),
            )
        elif installed.checksum != checksum(folder):
            log.warning(
                "KNOWLEDGE_DIR differs from installed version #%s: serving the folder; "
                "`python -m bot kb reload` publishes it to every instance",
                installed.id,
            )
        svc.knowledge_version = installed.id


async def follow_installed(svc: Services) -> bool:
    """Another instance installed a version: write it to this instance's folder and swap it in."""
    async with svc.db.session() as session:
        newest = await versions.current_id(session)
    if newest is None or newest == svc.knowledge_version:
        return False
    async with svc.knowledge_lock, svc.db.session() as session:
        installed = await versions.current(session)
        if installed is None or installed.id == svc.knowledge_version:
            return False
        async with _version(installed.archive) as (folder, candidate, problems):
            if candidate is None:
                log.error("installed knowledge version #%s does not load here: %s", installed.id, problems)
                return False
            await _install(svc, folder, installed.archive, candidate)
        svc.knowledge_version = installed.id
        log.info("knowledge version #%s installed (another instance published it)", installed.id)
        return True


async def publish(db: Database, folder: Path, now: datetime, *, force: bool = False) -> Outcome:
    """`python -m bot kb reload`: this process serves nothing, so it records the folder as the installed
    version and the running instances follow. The gate compares with the installed version; a moved
    regression question stops it unless `force`."""
    candidate, problems = await build(folder)
    if candidate is None:
        return Outcome("invalid", tuple(problems))
    sum_ = checksum(folder)
    async with db.session() as session:
        installed = await versions.current(session)
        if installed is not None and installed.checksum == sum_:
            return Outcome(
                "unchanged",
                diff=diff_knowledge(candidate.knowledge, candidate.knowledge),
                version_id=installed.id,
            )
        before = None
        if installed is not None:
            async with _version(installed.archive) as (_, built, _):
                before = built  # the index is all the gate needs: the temporary files may go
        diff = diff_knowledge(before.knowledge if before else None, candidate.knowledge)
        moves = tuple(regression_moves(before, candidate))
        if moves and not force:
            return Outcome("gated", diff=diff, moves=moves)
        row = await versions.record(
            session,
            state=versions.INSTALLED,
            archive=pack(folder),
            checksum=sum_,
            parent_id=installed.id if installed else None,
            summary=diff.summary(),
            by=None,
            now=now,
        )
        return Outcome("installed", diff=diff, moves=moves, version_id=row.id)
