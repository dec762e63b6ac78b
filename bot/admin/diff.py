"""What a new knowledge base changes compared with the installed one, entry by entry."""

from __future__ import annotations

from dataclasses import dataclass

from bot.kb.loader import KnowledgeBase


@dataclass(frozen=True)
class KnowledgeDiff:
    added: tuple[str, ...]
    changed: tuple[str, ...]
    removed: tuple[str, ...]
    other_files: bool  # cards, matching, bookings, contacts or regression settings differ

    @property
    def empty(self) -> bool:
        return not (self.added or self.changed or self.removed or self.other_files)

    def summary(self) -> str:
        """One line per kind of change, entry ids listed (the same text in the chat and `kb diff`)."""
        lines = [
            f"{label} {len(ids)}: {', '.join(ids) if ids else '-'}"
            for label, ids in (
                ("+ added", self.added),
                ("~ changed", self.changed),
                ("- removed", self.removed),
            )
        ]
        if self.other_files:
            lines.append("~ settings (cards, matching, bookings, contacts or regression) changed")
        return "\n".join(lines)


def diff_knowledge(old: KnowledgeBase | None, new: KnowledgeBase) -> KnowledgeDiff:
    before = {entry.id: entry for entry in old.entries} if old else {}
    after = {entry.id: entry for entry in new.entries}
    settings = (
        old is None
        or old.cards != new.cards
        or old.matching != new.matching
        or old.booking_types != new.booking_types
        or old.contacts != new.contacts
        or old.regression != new.regression
    )
    return KnowledgeDiff(
        added=tuple(sorted(set(after) - set(before))),
        changed=tuple(sorted(i for i in set(after) & set(before) if after[i] != before[i])),
        removed=tuple(sorted(set(before) - set(after))),
        other_files=settings,
    )
