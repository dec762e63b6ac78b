"""What every channel needs, built once at start-up and shared by the handlers."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from bot.answers.log import QuestionLogWriter
from bot.answers.qa import Answerer
from bot.answers.render import entry_blocks, html_chunks
from bot.clock import Clock, utc_now
from bot.holders.users import Senders
from bot.kb.loader import KnowledgeBase, load_knowledge
from bot.kb.schema import Entry
from bot.settings import Settings
from bot.texts import Lang, t
from db.session import Database


@dataclass
class Services:
    settings: Settings
    knowledge: KnowledgeBase
    answerer: Answerer
    db: Database
    clock: Clock = field(default=utc_now)
    # The knowledge version (database row) this instance serves, and the lock that serialises changes.
    knowledge_version: int | None = None
    knowledge_lock: asyncio.Lock = field(default_factory=asyncio.Lock, repr=False)
    questions: QuestionLogWriter = field(init=False)
    senders: Senders = field(init=False)
    # An entry's messages depend on the entry, the language and the tier alone: rendered once each.
    _pages: dict[tuple[str, Lang, str | None], tuple[Entry, tuple[str, ...]]] = field(
        default_factory=dict, init=False, repr=False
    )

    def __post_init__(self) -> None:
        self.questions = QuestionLogWriter(self.db)
        self.senders = Senders(self.db, lambda: self.clock())

    @classmethod
    def from_settings(cls, settings: Settings, clock: Clock = utc_now) -> Services:
        knowledge = load_knowledge(settings.knowledge_dir)
        return cls(settings, knowledge, Answerer(knowledge), Database(settings.database_url), clock)

    def swap_knowledge(self, answerer: Answerer) -> None:
        """One step with no await inside: a question sees the old base or the new one, never a mix."""
        self.knowledge, self.answerer, self._pages = answerer.knowledge, answerer, {}

    def entry_pages(self, entry: Entry, lang: Lang, tier: str | None) -> tuple[str, ...]:
        """The entry as Telegram HTML messages (`html_chunks`)."""
        key = (entry.id, lang, tier)
        cached = self._pages.get(key)
        if cached is None or cached[0] is not entry:  # an answer from before a reload renders its own entry
            pages = tuple(html_chunks(entry_blocks(entry, self.knowledge, lang, tier)))
            cached = self._pages[key] = (entry, pages)
        return cached[1]

    def card_name(self, card: str | None, lang: Lang) -> str:
        found = self.knowledge.cards.get(card or "")
        if found is None:
            return t("card_none", lang)
        return found.name_in(lang)
