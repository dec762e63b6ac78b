"""A knowledge folder as a zip (what the database keeps of each version), and an upload laid over a copy
of the installed folder. Uploads come from the chat, so nothing in them is trusted: only knowledge files
at known places, no paths out of the folder, bounded sizes."""

from __future__ import annotations

import hashlib
import io
import shutil
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import frontmatter
import yaml

from bot.kb.loader import CARDS_FILE, ENTRY_GLOB, TOP_FILES

MAX_UPLOAD_BYTES = 2 * 1024 * 1024  # the shipped folder zips to a fraction of this
MAX_UNPACKED_BYTES = 10 * 1024 * 1024
MAX_FILES = 1000
UPLOAD_SUFFIXES = (".md", ".yaml", ".yml", ".zip")  # also what the bot takes as a knowledge upload
README = "README.md"


class UploadRefused(Exception):
    """The upload is not a knowledge file or folder; the message says why (shown to the admin)."""


def knowledge_files(folder: Path) -> list[Path]:
    """The files that make up a knowledge folder, in a stable order."""
    top = [folder / name for name in (*TOP_FILES, README) if (folder / name).is_file()]
    return top + sorted(folder.glob(ENTRY_GLOB))


def _relative(folder: Path, path: Path) -> str:
    return path.relative_to(folder).as_posix()


def checksum(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in knowledge_files(folder):
        digest.update(_relative(folder, path).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def pack(folder: Path) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in knowledge_files(folder):
            archive.writestr(_relative(folder, path), path.read_bytes())
    return buffer.getvalue()


def _allowed(name: PurePosixPath) -> bool:
    if name.is_absolute() or ".." in name.parts or any(part.startswith(".") for part in name.parts):
        return False
    if len(name.parts) == 1:
        return name.name in (*TOP_FILES, README)
    return len(name.parts) == 2 and name.suffix == ".md"


def unpack(data: bytes, target: Path) -> None:
    """Writes the knowledge files of a zip into `target` (emptied first). A zip of the folder itself
    (`knowledge/...`) is accepted as well as one of its contents."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise UploadRefused("not a readable zip file") from exc
    with archive:
        members = [m for m in archive.infolist() if not m.is_dir()]
        if len(members) > MAX_FILES or sum(m.file_size for m in members) > MAX_UNPACKED_BYTES:
            raise UploadRefused("the zip is too large for a knowledge folder")
        names = [PurePosixPath(m.filename) for m in members]
        tops = {name.parts[0] for name in names}
        prefix = len(tops) == 1 and PurePosixPath(*tops, CARDS_FILE) in names  # a zip of the folder itself
        if target.exists():
            shutil.rmtree(target)
        target.mkdir(parents=True)
        for member, name in zip(members, names, strict=True):
            inner = PurePosixPath(*name.parts[1:]) if prefix else name
            if inner.name.startswith(".") or "__MACOSX" in name.parts:
                continue  # archivers' metadata
            if not _allowed(inner):
                raise UploadRefused(f"{name}: not a knowledge file (top-level YAML files, <card>/<name>.md)")
            path = target / inner
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(archive.read(member))


def copy_folder(source: Path, target: Path) -> None:
    unpack(pack(source), target)


@dataclass(frozen=True)
class Staged:
    folder: Path  # a temporary folder: the installed knowledge with the upload laid over it
    changed: tuple[str, ...]  # the files the upload wrote, relative to the folder


def check_size(name: str, size: int) -> None:
    """Refuses an upload over MAX_UPLOAD_BYTES (the chat handler asks before downloading it)."""
    if size > MAX_UPLOAD_BYTES:
        raise UploadRefused(f"{name}: larger than {MAX_UPLOAD_BYTES // 1024} KB")


def _entry_place(folder: Path, file_name: str, content: bytes) -> str:
    """An uploaded entry replaces the file holding the same id, else goes under its card's folder."""
    try:
        meta = frontmatter.loads(content.decode("utf-8")).metadata
    except (UnicodeDecodeError, yaml.YAMLError, ValueError):
        meta = {}
    entry_id, card = str(meta.get("id", "")), str(meta.get("card", ""))
    for path in folder.glob(ENTRY_GLOB):
        if entry_id and f"\nid: {entry_id}\n" in path.read_text(encoding="utf-8"):
            return _relative(folder, path)
    safe_card = card if card.isidentifier() and card.isascii() else "uploads"
    return f"{safe_card}/{file_name}"


def stage_upload(installed: Path, file_name: str, content: bytes) -> Staged:
    """A temporary copy of the installed folder with the upload applied (the caller removes it)."""
    name = PurePosixPath(file_name).name
    suffix = PurePosixPath(name).suffix.lower()
    if suffix not in UPLOAD_SUFFIXES:
        raise UploadRefused(f"{name}: send a .md entry, a .yaml file or a .zip of the knowledge folder")
    check_size(name, len(content))
    folder = Path(tempfile.mkdtemp(prefix="knowledge-upload-")) / "knowledge"
    try:
        if suffix == ".zip":
            unpack(content, folder)
            return Staged(folder, tuple(_relative(folder, p) for p in knowledge_files(folder)))
        copy_folder(installed, folder)
        if suffix == ".md":
            place = _entry_place(folder, name, content)
        else:
            place = name if name.endswith(".yaml") else name.removesuffix(".yml") + ".yaml"
            if place not in TOP_FILES:
                raise UploadRefused(f"{name}: the YAML files are {', '.join(TOP_FILES)}")
        (folder / place).parent.mkdir(parents=True, exist_ok=True)
        (folder / place).write_bytes(content)
        return Staged(folder, (place,))
    except BaseException:
        discard(folder)
        raise


def discard(folder: Path) -> None:
    shutil.rmtree(folder.parent, ignore_errors=True)


def replace_folder(target: Path, data: bytes) -> None:
    """Makes `target` hold exactly the files of the archive: unpacked beside it, then swapped in by
    renames, so a crash leaves either the old or the new folder."""
    target = target.resolve()
    fresh = target.with_name(f".{target.name}.new")
    old = target.with_name(f".{target.name}.old")
    unpack(data, fresh)
    shutil.rmtree(old, ignore_errors=True)
    if target.exists():
        target.rename(old)
    fresh.rename(target)
    shutil.rmtree(old, ignore_errors=True)
