"""The knowledge text is faithful to the source guides: every phone, number and URL as printed."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.kb.loader import KnowledgeBase

SEEDS = Path(__file__).resolve().parent.parent.parent / "shared" / "seeds"
NUMBER = re.compile(r"(?:（\d{3}）|\(\d{3}\))?\d{3,4}-\d{7,8}|\d{8,11}|https?://[^\s，。）)]+")


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.fixture(scope="module")
def seeds() -> str:
    if not SEEDS.is_dir():
        pytest.fail(f"source documents not found at {SEEDS} (shared/ must sit beside the project)")
    return _squash("".join(p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))))


def test_every_phone_number_and_url_is_printed_in_the_guides(shipped: KnowledgeBase, seeds: str) -> None:
    missing = []
    for entry in shipped.entries:
        for found in NUMBER.findall(entry.body) + [
            p for phone in entry.phones for p in NUMBER.findall(phone)
        ]:
            if _squash(found) not in seeds:
                missing.append(f"{entry.id}: {found}")
    assert not missing


def test_body_paragraphs_are_quoted_from_the_guides(shipped: KnowledgeBase, seeds: str) -> None:
    """A paragraph is the guide's words, or (for rows re-laid from a table) `label：value` pieces whose
    values are the guide's; `**headings**` and the tier marker are ours."""
    invented = []
    for entry in shipped.entries:
        for paragraph in entry.body.split("\n\n"):
            text = _squash(paragraph.replace("【突出贡献优秀企业家】", ""))
            if not text or paragraph.startswith("**") or text in seeds:
                continue
            pieces = (re.sub(r"^\d+\s*[.、．]", "", piece) for piece in re.split(r"[\s：]+", paragraph))
            invented.extend(f"{entry.id}: {p}" for p in pieces if p and p not in seeds)
    assert not invented
