"""Pydantic schema of the knowledge files (see knowledge/README.md)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

MAX_BODY_CHARS = 3500  # a Telegram message holds 4096; leave room for title, source and contact lines
GENERAL_CARD = "general"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Card(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9]*$")
    name: str = Field(min_length=1)
    name_en: str = Field(min_length=1)
    guide: str = Field(min_length=1)
    # Words that name the programme in a question ("白云", "baiyun"): they let a holder of one card ask
    # about the other.
    aliases: list[str] = Field(min_length=1)
    tiers: dict[str, str] = Field(default_factory=dict)


class CardsFile(_Strict):
    cards: list[Card] = Field(min_length=1)


class MatchingConfig(_Strict):
    answer_threshold: float = Field(gt=0, lt=1)
    alternative_threshold: float = Field(gt=0, lt=1)
    max_alternatives: int = Field(ge=0, le=5)
    stopwords_zh: list[str]
    stopwords_en: list[str]
    # Districts next to ours: a question about one of them is not about our programmes.
    other_places: list[str]


class Entry(_Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9.\-]*$", max_length=40)
    card: str
    section: str = Field(min_length=1)
    title: str = Field(min_length=1)
    parent: str | None = None
    department: str | None = None
    phones: list[str] = Field(default_factory=list)
    questions: list[str] = Field(default_factory=list)
    keywords: list[str] = Field(default_factory=list)
    keywords_en: list[str] = Field(default_factory=list)
    tier: Literal["outstanding"] | None = None
    body: str = Field(min_length=1, max_length=MAX_BODY_CHARS)

    @field_validator("questions", "keywords", "keywords_en", "phones", mode="before")
    @classmethod
    def _list_of_text(cls, value: object) -> object:
        if value is None:
            return []
        return value

    @field_validator("questions", "keywords", "keywords_en")
    @classmethod
    def _no_blank_items(cls, value: list[str]) -> list[str]:
        if any(not str(item).strip() for item in value):
            raise ValueError("has an empty item")
        return value
