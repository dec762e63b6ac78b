"""Load the knowledge folder into validated objects, collecting every problem with its file and line."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from bot.kb.schema import (
    CONTACT_FIELDS,
    GENERAL_CARD,
    BookingsFile,
    BookingType,
    Card,
    CardsFile,
    Contact,
    ContactsFile,
    Entry,
    MatchingConfig,
    RegressionCase,
    RegressionFile,
    SharedMaterial,
)
from bot.matching.normalize import fold_question

SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when installed: a reload is faster
CARDS_FILE = "cards.yaml"
MATCHING_FILE = "matching.yaml"
BOOKINGS_FILE = "bookings.yaml"
CONTACTS_FILE = "contacts.yaml"
REGRESSION_FILE = "regression.yaml"
# The files of a knowledge folder: the named YAML files at the top, one Markdown file per entry below.
TOP_FILES = (CARDS_FILE, MATCHING_FILE, BOOKINGS_FILE, CONTACTS_FILE, REGRESSION_FILE)
ENTRY_GLOB = "*/*.md"
REFERENCE = re.compile(r"\{\{\s*([a-z][a-z0-9\-]*)\.([a-z]+)\s*\}\}")


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
    contacts: dict[str, Contact] = field(default_factory=dict)
    regression: tuple[RegressionCase, ...] = ()
    shared: dict[str, SharedMaterial] = field(default_factory=dict)
    generic_names: tuple[str, ...] = ()
    card_actions: frozenset[str] = frozenset()
    card_benefits: tuple[str, ...] = ()
    card_holders: tuple[str, ...] = ()
    by_id: dict[str, Entry] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_id", {entry.id: entry for entry in self.entries})

    def offered_to(self, card: str) -> set[str]:
        """The entry groups a holder of this card is offered: the card's own and its shared material."""
        known = self.cards.get(card)
        return {card, *(known.shared if known else ())}

    def sections(self, card: str) -> list[Entry]:
        """The top-level entries a holder of this card is offered: its own guide's, in order, then the
        shared material's."""
        groups = self.offered_to(card)
        offered = [e for e in self.entries if e.parent is None and e.card in groups]
        return sorted(offered, key=lambda e: e.card != card)


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


@dataclass
class References:
    """Resolves `{{contact.field}}` in knowledge text, remembering which contacts were used."""

    contacts: dict[str, Contact]
    used: set[str] = field(default_factory=set)

    def resolve(self, data: Any, path: Path, lines: list[str], problems: list[Problem]) -> Any:
        if isinstance(data, str):
            return REFERENCE.sub(lambda match: self._value(match, path, lines, problems), data)
        if isinstance(data, list):
            return [self.resolve(item, path, lines, problems) for item in data]
        if isinstance(data, dict):
            return {key: self.resolve(value, path, lines, problems) for key, value in data.items()}
        return data

    def _value(self, match: re.Match[str], path: Path, lines: list[str], problems: list[Problem]) -> str:
        name, part = match.groups()
        line = next((n for n, text in enumerate(lines, start=1) if match.group(0) in text), 1)
        contact = self.contacts.get(name)
        if contact is None:
            problems.append(Problem(path, line, f"unknown contact '{name}' in {match.group(0)}"))
            return match.group(0)
        self.used.add(name)
        value = contact.value(part)
        if value is None:
            fields = "|".join(f for f in CONTACT_FIELDS if contact.value(f))
            problems.append(Problem(path, line, f"contact '{name}' has no {part} (it has: {fields})"))
            return match.group(0)
        return value


def _yaml_problem(path: Path, exc: yaml.YAMLError, first_line: int) -> Problem:
    """One line, at the construct the parser could not finish, else where it stopped (`first_line`: the
    file's line where the YAML starts)."""
    mark = getattr(exc, "context_mark", None) or getattr(exc, "problem_mark", None)
    what = " ".join(
        str(part) for part in (getattr(exc, "problem", None), getattr(exc, "context", None)) if part
    )
    return Problem(path, (mark.line + first_line) if mark else 1, f"bad YAML: {what or exc}")


def _read_yaml(path: Path, problems: list[Problem]) -> tuple[Any, list[str]] | None:
    text = _read(path, problems)
    if text is None:
        return None
    try:
        return yaml.load(text, Loader=SafeLoader), text.splitlines()
    except yaml.YAMLError as exc:
        problems.append(_yaml_problem(path, exc, first_line=1))
        return None


def _load_yaml_model(
    path: Path,
    model: type[BaseModel],
    problems: list[Problem],
    references: References | None = None,
    optional: bool = False,
) -> tuple[Any, list[str]]:
    """The validated model (None if it is not valid) and the file's lines, for cross-file messages."""
    if not path.is_file():
        if optional:
            return model(), []
        problems.append(Problem(path, 1, "file is missing"))
        return None, []
    read = _read_yaml(path, problems)
    if read is None:
        return None, []
    data, lines = read
    if references is not None:
        data = references.resolve(data, path, lines, problems)
    try:
        return model.model_validate(data), lines
    except ValidationError as exc:
        problems.extend(_validation_problems(path, exc, lines, 1))
        return None, lines


def _load_entry(
    path: Path, problems: list[Problem], references: References
) -> tuple[Entry | None, list[str]]:
    """Returns the entry (or None) and the file's lines (none if it is not text), for cross-file messages."""
    text = _read(path, problems)
    if text is None:
        return None, []
    lines = text.splitlines()
    if not lines or lines[0].strip() != "---":
        problems.append(Problem(path, 1, "no front matter: the file must start with a '---' line"))
        return None, lines
    closing = next((i for i, line in enumerate(lines[1:], start=2) if line.strip() == "---"), len(lines))
    try:  # the front matter alone, so that YAML's line numbers are the file's
        metadata = yaml.load("\n".join(lines[1 : closing - 1]), Loader=SafeLoader) or {}
    except yaml.YAMLError as exc:
        problems.append(_yaml_problem(path, exc, first_line=2))
        return None, lines
    if not isinstance(metadata, dict):
        problems.append(Problem(path, 2, "front matter must be `key: value` lines"))
        return None, lines
    body_line = min(closing + 1, max(len(lines), 1))
    data = dict(metadata)
    data["body"] = "\n".join(lines[closing:]).strip()
    data = references.resolve(data, path, lines, problems)
    try:
        return Entry.model_validate(data), lines
    except ValidationError as exc:
        problems.extend(_validation_problems(path, exc, lines, 1, body_line))
        return None, lines


def _alias_problems(
    entries: list[Entry], sources: dict[str, Path], lines_of: dict[str, list[str]]
) -> list[Problem]:
    """An alias names one entry: the same alias (after folding) on two entries is ambiguous."""
    problems = []
    owner: dict[str, str] = {}
    for entry in entries:
        path, lines = sources[entry.id], lines_of[entry.id]
        for index, alias in enumerate(entry.aliases):
            key = fold_question(alias)
            if key in owner and owner[key] != entry.id:
                line = _item_line(lines, _key_line(lines, "aliases", 1), index)
                problems.append(Problem(path, line, f"alias '{alias}' also names '{owner[key]}'"))
            owner.setdefault(key, entry.id)
    return problems


def check_knowledge(directory: Path) -> tuple[KnowledgeBase | None, list[Problem]]:
    problems: list[Problem] = []
    if not directory.is_dir():
        return None, [Problem(directory, 1, "knowledge folder not found")]
    cards_file, _ = _load_yaml_model(directory / CARDS_FILE, CardsFile, problems)
    matching, _ = _load_yaml_model(directory / MATCHING_FILE, MatchingConfig, problems)
    cards = {card.id: card for card in cards_file.cards} if cards_file else {}
    shared = {material.id: material for material in cards_file.shared} if cards_file else {}
    for card in cards.values():
        for missing in set(card.shared) - set(shared):
            problems.append(
                Problem(directory / CARDS_FILE, 1, f"card '{card.id}': unknown shared '{missing}'")
            )
    contacts_file, contacts_lines = _load_yaml_model(
        directory / CONTACTS_FILE, ContactsFile, problems, optional=True
    )
    references = References(contacts_file.contacts if contacts_file else {})
    bookings_file, _ = _load_yaml_model(directory / BOOKINGS_FILE, BookingsFile, problems, references)
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
    lines_of: dict[str, list[str]] = {}  # entry id -> its file's lines as read: no second read for messages
    broken_ids: set[str] = set()
    for path in sorted(directory.glob(ENTRY_GLOB)):
        entry, lines = _load_entry(path, problems, references)
        id_line = _key_line(lines, "id", 1)
        if entry is None:
            # Its problems are reported; its id still counts as known, so nothing else fails because of it.
            written_id = (
                re.match(r"id\s*:\s*(\S+)", lines[id_line - 1]) if 0 < id_line <= len(lines) else None
            )
            if written_id:
                broken_ids.add(written_id.group(1))
            continue
        if entry.id in sources:
            problems.append(
                Problem(
                    path,
                    id_line,
                    f"duplicate id '{entry.id}' (also in {sources[entry.id].relative_to(directory)})",
                )
            )
            continue
        if cards and entry.card not in cards and entry.card not in shared and entry.card != GENERAL_CARD:
            known = ", ".join(dict.fromkeys([*cards, *shared, GENERAL_CARD]))
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
        lines_of[entry.id] = lines
    for entry in entries:
        if entry.parent is not None and entry.parent not in sources and entry.parent not in broken_ids:
            lines = lines_of[entry.id]
            line = _key_line(lines, "parent", _key_line(lines, "id", 1))
            problems.append(Problem(sources[entry.id], line, f"parent '{entry.parent}' not found"))
    problems.extend(_alias_problems(entries, sources, lines_of))
    if not entries and not problems:
        problems.append(Problem(directory, 1, "no entries (*/*.md) found"))
    if contacts_file is not None:
        problems.extend(
            _unused_contacts(directory / CONTACTS_FILE, contacts_lines, contacts_file, references.used)
        )
    regression, regression_lines = _load_yaml_model(
        directory / REGRESSION_FILE, RegressionFile, problems, optional=True
    )
    if regression is not None:
        known = set(sources) | broken_ids
        problems.extend(
            _unknown_regression_entries(directory / REGRESSION_FILE, regression_lines, regression, known)
        )
    if problems or cards_file is None or matching is None or bookings_file is None or regression is None:
        return None, problems
    return KnowledgeBase(
        cards=cards,
        matching=matching,
        entries=tuple(entries),
        sources=sources,
        booking_types=booking_types,
        contacts=dict(contacts_file.contacts),
        regression=tuple(regression.cases),
        shared=shared,
        generic_names=tuple(cards_file.generic_names),
        card_actions=frozenset(cards_file.card_actions),
        card_benefits=tuple(cards_file.card_benefits),
        card_holders=tuple(cards_file.card_holders),
    ), []


def _unused_contacts(path: Path, lines: list[str], contacts: ContactsFile, used: set[str]) -> list[Problem]:
    return [
        Problem(path, _key_line([line.strip() for line in lines], name, 1), f"contact '{name}' is not used")
        for name in contacts.contacts
        if name not in used
    ]


def _unknown_regression_entries(
    path: Path, lines: list[str], regression: RegressionFile, known: set[str]
) -> list[Problem]:
    entry_lines = [n for n, line in enumerate(lines, start=1) if re.search(r"\bentry\s*:", line)]
    return [
        Problem(
            path,
            entry_lines[index] if index < len(entry_lines) else 1,
            f"case {index + 1} ('{case.q}'): entry '{case.entry}' not found",
        )
        for index, case in enumerate(regression.cases)
        if case.entry not in known
    ]


def load_knowledge(directory: Path) -> KnowledgeBase:
    knowledge, problems = check_knowledge(directory)
    if knowledge is None:
        raise KnowledgeError(problems)
    return knowledge
