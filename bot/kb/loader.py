"""Load the knowledge folder into validated objects, collecting every problem with its file and line."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import frontmatter
import yaml
from pydantic import BaseModel, ValidationError

from bot.kb.schema import GENERAL_CARD, BookingsFile, BookingType, Card, CardsFile, Entry, MatchingConfig

CARDS_FILE = "cards.yaml"
MATCHING_FILE = "matching.yaml"
BOOKINGS_FILE = "bookings.yaml"


@dataclass(frozen=True)
class Problem:
    path: Path
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


class KnowledgeError(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


@dataclass(frozen=True)
class KnowledgeBase:
    cards: dict[str, Card]
    matching: MatchingConfig
    entries: tuple[Entry, ...]
    sources: dict[str, Path]  # entry id -> file it came from
    booking_types: dict[str, BookingType] = field(default_factory=dict)
    by_id: dict[str, Entry] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_id", {entry.id: entry for entry in self.entries})


def _key_line(lines: list[str], key: str, default: int) -> int:
    pattern = re.compile(rf"^{re.escape(key)}\s*:")
    for number, line in enumerate(lines, start=1):
        if pattern.match(line):
            return number
    return default


def _read(path: Path, problems: list[Problem]) -> str | None:
    """The file as text, or None with a problem: knowledge files are UTF-8 (a BOM is fine)."""
    data = path.read_bytes()
    if b"\x00" in data:
        line = data[: data.index(b"\x00")].count(b"\n") + 1
        problems.append(Problem(path, line, "binary file, not text: knowledge files are UTF-8 text"))
        return None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        try:
            data.decode("gb18030")
            hint = "it looks like GBK/GB18030 (Excel's and Notepad's default in China): save it as UTF-8"
        except UnicodeDecodeError:
            hint = "save it as UTF-8"
        problems.append(Problem(path, line, f"not UTF-8 text; {hint}"))
        return None


def _item_line(lines: list[str], key_line: int, index: int) -> int:
    """The line of item `index` of a block-style YAML list under the key at `key_line` (the key's own line
    for a flow-style list)."""
    indent, count = None, -1
    for number, line in enumerate(lines[key_line:], start=key_line + 1):
        stripped = line.lstrip()
        if not stripped or stripped.startswith("#"):
            continue
        depth = len(line) - len(stripped)
        if indent is None:
            if not stripped.startswith("- "):
                return key_line
            indent = depth
        if depth < indent or (depth == indent and not stripped.startswith("- ")):
            break
        if depth == indent:
            count += 1
            if count == index:
                return number
    return key_line


def _nested_line(lines: list[str], loc: tuple[int | str, ...], default: int) -> int:
    """The line of a nested location such as booking_types.1.opening.periods.0: each key is looked for
    after the line of the one before it (block or flow style), each index counts list items there."""
    line = default
    for depth, part in enumerate(loc):
        if isinstance(part, int):
            line = _item_line(lines, line, part) if depth else line
            continue
        pattern = re.compile(rf"(^|[\s{{,-]){re.escape(part)}\s*:")
        start = line - 1 if depth else 0
        found = next(
            (n for n, text in enumerate(lines[start:], start=start + 1) if pattern.search(text)), None
        )
        if found is None:
            break
        line = found
    return line


def _validation_problems(
    path: Path, error: ValidationError, lines: list[str], default_line: int, body_line: int | None = None
) -> list[Problem]:
    problems = []
    for item in error.errors():
        loc = [str(part) for part in item["loc"]]
        field = loc[0] if loc else ""
        if field == "body" and body_line is not None:
            line = body_line
        else:
            line = _nested_line(lines, item["loc"], default_line) if field else default_line
        where = ".".join(loc)
        message = item["msg"]
        if item["type"] == "missing":
            message = f"missing field '{where}'"
        elif item["type"] == "extra_forbidden":
            message = f"unknown field '{where}'"
        elif field == "body" and item["type"] == "string_too_short":
            message = "empty answer"
        elif field == "body" and item["type"] == "string_too_long":
            message = f"answer too long ({len(item['input'])} chars; at most {item['ctx']['max_length']})"
        else:
            message = f"{where}: {message}"
        problems.append(Problem(path, line, message))
    return problems


def _load_yaml_model(path: Path, model: type[BaseModel], problems: list[Problem]) -> Any:
    if not path.is_file():
        problems.append(Problem(path, 1, "file is missing"))
        return None
    text = _read(path, problems)
    if text is None:
        return None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problems.append(Problem(path, (mark.line + 1) if mark else 1, f"bad YAML: {exc}"))
        return None
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems.extend(_validation_problems(path, exc, text.splitlines(), 1))
        return None


def _load_entry(path: Path, problems: list[Problem]) -> tuple[Entry | None, list[str]]:
    """Returns the entry (or None) and the file's lines, for cross-file messages."""
    text = _read(path, problems)
    if text is None:
        return None, []
    lines = text.splitlines()
    if not lines or lines[0].strip() != "---":
        problems.append(Problem(path, 1, "no front matter: the file must start with a '---' line"))
        return None, lines
    try:
        post = frontmatter.loads(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problems.append(Problem(path, (mark.line + 2) if mark else 1, f"bad YAML: {exc}"))
        return None, lines
    closing = next((i for i, line in enumerate(lines[1:], start=2) if line.strip() == "---"), len(lines))
    body_line = min(closing + 1, max(len(lines), 1))
    data = dict(post.metadata)
    data["body"] = post.content.strip()
    try:
        return Entry.model_validate(data), lines
    except ValidationError as exc:
        problems.extend(_validation_problems(path, exc, lines, 1, body_line))
        return None, lines


def check_knowledge(directory: Path) -> tuple[KnowledgeBase | None, list[Problem]]:
    problems: list[Problem] = []
    if not directory.is_dir():
        return None, [Problem(directory, 1, "knowledge folder not found")]
    cards_file = _load_yaml_model(directory / CARDS_FILE, CardsFile, problems)
    matching = _load_yaml_model(directory / MATCHING_FILE, MatchingConfig, problems)
    cards = {card.id: card for card in cards_file.cards} if cards_file else {}
    bookings_file = _load_yaml_model(directory / BOOKINGS_FILE, BookingsFile, problems)
    booking_types = {b.id: b for b in bookings_file.booking_types} if bookings_file else {}
    for booking_type in booking_types.values():
        if cards and booking_type.card not in cards:
            problems.append(
                Problem(
                    directory / BOOKINGS_FILE,
                    1,
                    f"booking type '{booking_type.id}': unknown card '{booking_type.card}'",
                )
            )

    entries: list[Entry] = []
    sources: dict[str, Path] = {}
    parent_lines: dict[str, int] = {}
    for path in sorted(directory.glob("*/*.md")):
        entry, lines = _load_entry(path, problems)
        if entry is None:
            continue
        id_line = _key_line(lines, "id", 1)
        if entry.id in sources:
            problems.append(
                Problem(path, id_line, f"duplicate id '{entry.id}' (also in {sources[entry.id]})")
            )
            continue
        if cards and entry.card not in cards and entry.card != GENERAL_CARD:
            known = ", ".join([*cards, GENERAL_CARD])
            problems.append(
                Problem(
                    path,
                    _key_line(lines, "card", 1),
                    f"unknown card '{entry.card}' (known: {known})",
                )
            )
            continue
        entries.append(entry)
        sources[entry.id] = path
        parent_lines[entry.id] = _key_line(lines, "parent", id_line)
    for entry in entries:
        if entry.parent is not None and entry.parent not in sources:
            problems.append(
                Problem(sources[entry.id], parent_lines[entry.id], f"parent '{entry.parent}' not found")
            )
    if not entries and not problems:
        problems.append(Problem(directory, 1, "no entries (*/*.md) found"))
    if problems or cards_file is None or matching is None or bookings_file is None:
        return None, problems
    return KnowledgeBase(
        cards=cards, matching=matching, entries=tuple(entries), sources=sources, booking_types=booking_types
    ), []


def load_knowledge(directory: Path) -> KnowledgeBase:
    knowledge, problems = check_knowledge(directory)
    if knowledge is None:
        raise KnowledgeError(problems)
    return knowledge
