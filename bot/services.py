"""What every channel needs, built once at start-up and shared by the handlers."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from bot.answers.log import QuestionLogWriter
from bot.answers.qa import Answerer
from bot.clock import Clock, utc_now
from bot.kb.loader import KnowledgeBase, load_knowledge
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

    def __post_init__(self) -> None:
        self.questions = QuestionLogWriter(self.db)

    @classmethod
    def from_settings(cls, settings: Settings, clock: Clock = utc_now) -> Services:
        knowledge = load_knowledge(settings.knowledge_dir)
        return cls(settings, knowledge, Answerer(knowledge), Database(settings.database_url), clock)

    def swap_knowledge(self, answerer: Answerer) -> None:
        """One step with no await inside: a question sees the old base or the new one, never a mix."""
        self.knowledge, self.answerer = answerer.knowledge, answerer

    def card_name(self, card: str | None, lang: Lang) -> str:
        found = self.knowledge.cards.get(card or "")
        if found is None:
            return t("card_none", lang)
        return found.name if lang == "zh" else found.name_en
