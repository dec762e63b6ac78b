from __future__ import annotations

from pathlib import Path

import pytest

from bot.kb.loader import KnowledgeBase, load_knowledge
from bot.qa import Answerer
from tests.knowledge_factory import SHIPPED, small_knowledge


@pytest.fixture(scope="session")
def shipped() -> KnowledgeBase:
    return load_knowledge(SHIPPED)


@pytest.fixture(scope="session")
def shipped_answerer(shipped: KnowledgeBase) -> Answerer:
    return Answerer(shipped)


@pytest.fixture(scope="session")
def small_answerer(tmp_path_factory: pytest.TempPathFactory) -> Answerer:
    folder: Path = small_knowledge(tmp_path_factory.mktemp("kb") / "knowledge")
    return Answerer(load_knowledge(folder))
