"""What every channel needs, built once at start-up and shared by the handlers."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.answers.log import QuestionLogWriter
from bot.answers.qa import Answerer
from bot.clock import Clock, utc_now
from bot.kb.loader import KnowledgeBase, load_knowledge
from bot.settings import Settings
from db.session import Database


@dataclass
class Services:
    settings: Settings
    knowledge: KnowledgeBase
    answerer: Answerer
    db: Database
    clock: Clock = field(default=utc_now)
    questions: QuestionLogWriter = field(init=False)

    def __post_init__(self) -> None:
        self.questions = QuestionLogWriter(self.db)

    @classmethod
    def from_settings(cls, settings: Settings, clock: Clock = utc_now) -> Services:
        knowledge = load_knowledge(settings.knowledge_dir)
        return cls(settings, knowledge, Answerer(knowledge), Database(settings.database_url), clock)

    def card_name(self, card: str | None, lang: str) -> str:
        found = self.knowledge.cards.get(card or "")
        if found is None:
            return "未选择" if lang == "zh" else "none"
        return found.name if lang == "zh" else found.name_en
