"""Fidelity to the sources as data: every entry and contact names its source, and the text of an entry
whose source is a guide must be printed in that guide's section (`python -m bot kb check --sources DIR`).

Text from an admin's note (a contact or entry whose `source` is `{note: ...}`) is the admin's word and
is not looked for in the guides; contact references are resolved to their value before the search, so a
phone changed in `contacts.yaml` with a note is accepted everywhere it is shown.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import frontmatter

from bot.kb.loader import CONTACTS_FILE, REFERENCE, KnowledgeBase, Problem
from bot.kb.schema import CONTACT_FIELDS, TIER_MARK, Contact, Source

_SPACE = re.compile(r"\s+")
_NUMBERING = re.compile(r"^\d+\s*[.、．]")
_CHINESE_HEADING = re.compile(r"^[一二三四五六七八九十]+、")


def squash(text: str) -> str:
    return _SPACE.sub("", text)


@dataclass(frozen=True)
class Guide:
    title: str
    lines: tuple[str, ...]  # squashed lines of the guide, from its title to the end of its file


class Seeds:
    """The source documents: a guide is the file that has its title on a line of its own."""

    def __init__(self, directory: Path, section_names: dict[str, set[str]]) -> None:
        self._files = [
            tuple(squash(line) for line in path.read_text(encoding="utf-8").splitlines())
            for path in sorted(directory.glob("*.txt"))
        ]
        self._section_names = {guide: {squash(s) for s in names} for guide, names in section_names.items()}
        self._cache: dict[tuple[str, str], str | None] = {}

    def _guide(self, title: str) -> Guide | None:
        wanted = squash(title)
        for lines in self._files:
            if wanted in lines:
                return Guide(title, lines[lines.index(wanted) :])
        return None

    def section_text(self, source: Source) -> str | None:
        """The squashed text of a guide's section: from its heading to the next heading numbered the same
        way (一、 二、 ...) or named by another source, else to the end of the file."""
        key = (source.guide or "", source.section or "")
        if key not in self._cache:
            self._cache[key] = self._find(*key)
        return self._cache[key]

    def _find(self, title: str, section: str) -> str | None:
        guide = self._guide(title)
        heading = squash(section)
        if guide is None or heading not in guide.lines:
            return None
        start = guide.lines.index(heading)
        others = self._section_names.get(title, set()) - {heading}
        numbered = _CHINESE_HEADING.match(heading) is not None

        def ends(line: str) -> bool:
            return line in others or (numbered and _CHINESE_HEADING.match(line) is not None)

        end = next((n for n in range(start + 1, len(guide.lines)) if ends(guide.lines[n])), None)
        return "".join(guide.lines[start:end])

    def has_guide(self, title: str) -> bool:
        return self._guide(title) is not None


def _line_of(lines: list[str], text: str, default: int) -> int:
    first = text.strip().splitlines()[0].strip() if text.strip() else ""
    return next((n for n, line in enumerate(lines, start=1) if first and first in line), default)


def _segments(raw: str, contacts: dict[str, Contact]) -> list[str]:
    """The raw text with guide-sourced references resolved, cut where a note-sourced value stands."""
    segments, current, position = [], "", 0
    for match in REFERENCE.finditer(raw):
        current += raw[position : match.start()]
        position = match.end()
        contact = contacts.get(match.group(1))
        value = contact.value(match.group(2)) if contact else None
        if contact is None or value is None or not contact.source.is_guide:
            segments.append(current)
            current = ""
        else:
            current += value
    segments.append(current + raw[position:])
    return [segment for segment in segments if squash(segment)]


def _missing(paragraph: str, text: str) -> list[str]:
    """Pieces of a paragraph not printed in `text`. A paragraph is the guide's words, or (rows re-laid
    from a table) `label：value` pieces each printed in the guide."""
    whole = squash(paragraph.replace(TIER_MARK, ""))
    if not whole or whole in text:
        return []
    pieces = (_NUMBERING.sub("", piece) for piece in re.split(r"[\s：]+", paragraph.replace(TIER_MARK, "")))
    return [piece for piece in pieces if piece and piece not in text]


def _where(source: Source) -> str:
    return f"{source.guide} / {source.section}"


def check_sources(knowledge: KnowledgeBase, directory: Path, seeds_dir: Path) -> list[Problem]:
    if not seeds_dir.is_dir():
        return [Problem(seeds_dir, 1, "source documents folder not found")]
    named: dict[str, set[str]] = {}
    for source in [e.source for e in knowledge.entries] + [c.source for c in knowledge.contacts.values()]:
        if source.is_guide:
            named.setdefault(source.guide or "", set()).add(source.section or "")
    seeds = Seeds(seeds_dir, named)
    problems: list[Problem] = []
    contacts_path = directory / CONTACTS_FILE
    contact_lines = contacts_path.read_text(encoding="utf-8").splitlines() if contacts_path.is_file() else []
    for name, contact in knowledge.contacts.items():
        line = _line_of(contact_lines, f"{name}:", 1)
        problems.extend(_source_problems(contacts_path, line, contact.source, seeds))
        text = seeds.section_text(contact.source) if contact.source.is_guide else None
        for field in CONTACT_FIELDS:
            value = contact.value(field)
            if text is not None and value and squash(value) not in text:
                problems.append(
                    Problem(
                        contacts_path, line, f"{name}.{field} '{value}' is not in {_where(contact.source)}"
                    )
                )
    for entry in knowledge.entries:
        path = knowledge.sources[entry.id]
        file_text = path.read_text(encoding="utf-8")
        lines = file_text.splitlines()
        source_line = _line_of(lines, "source:", 1)
        found = _source_problems(path, source_line, entry.source, seeds)
        problems.extend(found)
        if found or not entry.source.is_guide:
            continue
        text = seeds.section_text(entry.source) or ""
        raw = frontmatter.loads(file_text)
        raw_phones = raw.metadata.get("phones") or []
        for phone in raw_phones:
            for segment in _segments(str(phone), knowledge.contacts):
                if squash(segment) not in text:
                    problems.append(
                        Problem(
                            path,
                            _line_of(lines, "phones:", 1),
                            f"phone '{segment}' is not in {_where(entry.source)}",
                        )
                    )
        for paragraph in raw.content.split("\n\n"):
            if paragraph.strip().startswith("**"):
                continue  # our own sub-headings
            line = _line_of(lines, paragraph, 1)
            for segment in _segments(paragraph, knowledge.contacts):
                for piece in _missing(segment, text):
                    problems.append(Problem(path, line, f"'{piece}' is not in {_where(entry.source)}"))
    return problems


def _source_problems(path: Path, line: int, source: Source, seeds: Seeds) -> list[Problem]:
    if not source.is_guide:
        return []
    if not seeds.has_guide(source.guide or ""):
        return [Problem(path, line, f"source guide '{source.guide}' is not among the source documents")]
    if seeds.section_text(source) is None:
        return [Problem(path, line, f"section '{source.section}' not found in {source.guide}")]
    return []
