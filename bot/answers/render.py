"""An answer as blocks, then as plain text (CLI, console) or Telegram HTML (escaped, split under 4096)."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Literal

from bot.answers.qa import Answer
from bot.kb.loader import KnowledgeBase
from bot.kb.schema import TIER_MARK, Entry
from bot.texts import Lang, t

OUTSTANDING = "outstanding"
TELEGRAM_LIMIT = 4096
_BOLD = re.compile(r"\*\*(.+?)\*\*", re.S)


def telegram_length(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units (an emoji is 2)."""
    return len(text.encode("utf-16-le")) // 2


Style = Literal["title", "text", "tier", "meta", "verbatim"]  # verbatim: someone's own words, no markup


@dataclass(frozen=True)
class Block:
    text: str
    style: Style = "text"


def entry_blocks(entry: Entry, knowledge: KnowledgeBase, lang: Lang, tier: str | None = None) -> list[Block]:
    blocks = [Block(entry.title, "title")]
    if lang == "en":  # the knowledge is the Chinese guide's own text: say so rather than pretend
        blocks.append(Block(t("quoted_from_guide", lang), "meta"))
    for paragraph in entry.body.split("\n\n"):
        paragraph = paragraph.strip()
        if paragraph.startswith(TIER_MARK):
            label = t("tier_yours" if tier == OUTSTANDING else "tier_only", lang)
            blocks.append(Block(label + paragraph.removeprefix(TIER_MARK).strip(), "tier"))
        elif paragraph:
            blocks.append(Block(paragraph))
    meta = []
    if entry.department:
        meta.append(f"🏛 {entry.department}")
    if entry.phones:
        meta.append(f"📞 {t('contact', lang)}：{'，'.join(entry.phones)}")
    card = knowledge.cards.get(entry.card)
    meta.append(f"📖 {t('source', lang)}：{card.name if card else ''}{' · ' if card else ''}{entry.section}")
    blocks.append(Block("\n".join(meta), "meta"))
    return blocks


def plain(blocks: list[Block]) -> str:
    parts = []
    for block in blocks:
        text = _BOLD.sub(r"\1", block.text)
        parts.append(f"【{text}】" if block.style == "title" else text)
    return "\n\n".join(parts)


def _html(block: Block) -> str:
    if block.style == "verbatim":
        return html.escape(block.text, quote=False)
    escaped = _BOLD.sub(r"<b>\1</b>", html.escape(block.text, quote=False))
    if block.style == "title":
        return f"<b>{escaped}</b>"
    if block.style == "meta":
        return f"<i>{escaped}</i>"
    return escaped


def _longest_prefix(line: str, style: Style, limit: int) -> int:
    """Binary search: the most characters of `line` whose HTML fits (escaping makes lengths uneven)."""
    low, high = 1, len(line)
    while low < high:
        middle = (low + high + 1) // 2
        if telegram_length(_html(Block(line[:middle], style))) <= limit:
            low = middle
        else:
            high = middle - 1
    return low


def _pieces(block: Block, limit: int) -> list[Block]:
    """A block too long for one message, cut at line ends (or inside a line that is itself too long).
    A `**` pair cut in two renders as plain asterisks, so the HTML stays valid."""
    if telegram_length(_html(block)) <= limit:
        return [block]
    pieces: list[Block] = []
    current = ""
    for line in block.text.split("\n"):
        candidate = f"{current}\n{line}" if current else line
        if telegram_length(_html(Block(candidate, block.style))) <= limit:
            current = candidate
            continue
        if current:
            pieces.append(Block(current, block.style))
        while telegram_length(_html(Block(line, block.style))) > limit:
            cut = _longest_prefix(line, block.style, limit)
            pieces.append(Block(line[:cut], block.style))
            line = line[cut:]
        current = line
    if current:
        pieces.append(Block(current, block.style))
    return pieces


def html_chunks(blocks: list[Block], limit: int = TELEGRAM_LIMIT) -> list[str]:
    """HTML messages of at most `limit` characters; every chunk has whole blocks, so tags stay balanced."""
    chunks: list[str] = []
    current = ""
    for block in blocks:
        for piece in _pieces(block, limit):
            rendered = _html(piece)
            candidate = f"{current}\n\n{rendered}" if current else rendered
            if telegram_length(candidate) <= limit:
                current = candidate
            else:
                chunks.append(current)
                current = rendered
    if current:
        chunks.append(current)
    return chunks


def escaped_pieces(text: str, limit: int) -> list[str]:
    """Someone's text (a staff reply) escaped and cut at line ends into pieces of at most `limit`."""
    return [_html(piece) for piece in _pieces(Block(text, "verbatim"), limit)]


def escaped_within(text: str, limit: int, note: str) -> str:
    """`text` escaped; if that is longer than `limit`, cut so that it and `note` fit (a question posted
    to staff under a header)."""
    escaped = html.escape(text, quote=False)
    if telegram_length(escaped) <= limit:
        return escaped
    cut = _longest_prefix(text, "verbatim", max(limit - telegram_length(note), 1))
    return html.escape(text[:cut], quote=False) + note


def plain_text(telegram_html: str) -> str:
    """The words of a Telegram HTML text, without tags or entities (for listings)."""
    return html.unescape(re.sub(r"<[^>]+>", "", telegram_html))


def not_covered_lines(answer: Answer, knowledge: KnowledgeBase, lang: Lang) -> list[str]:
    """Say the guides do not cover it; for the card itself, its programme's contact; where such questions
    usually go, when the guides name it; and that staff can help."""
    lines = [t("not_covered", lang)]
    about = knowledge.cards.get(answer.about_card or "")
    if about is not None and about.contact:
        lines.append(t("not_covered_card", lang, card=about.name, contact=about.contact))
    mine = knowledge.cards.get(answer.card or answer.about_card or "")
    if mine is not None and mine.referral:
        lines.append(t("not_covered_referral", lang, referral=mine.referral))
    lines.append(t("not_covered_staff", lang))
    return lines


def answer_text(answer: Answer, knowledge: KnowledgeBase, lang: Lang, tier: str | None = None) -> str:
    """The reply as plain text (CLI, console): the answer, the suggestions, or what is not covered."""
    if answer.outcome == "answer" and answer.entry is not None:
        text = plain(entry_blocks(answer.entry, knowledge, lang, tier))
        if answer.follow_up:
            text += "\n\n" + t("follow_up", lang, question=answer.follow_up)
        return text
    if answer.offers_choices:
        lines = [choices_heading(answer, knowledge, lang)]
        lines.extend(f"{n}. {s.entry.title}" for n, s in enumerate(answer.alternatives, start=1))
        if answer.asks_which_card:
            lines.extend(f"- {card.name_in(lang)}" for card in knowledge.cards.values())
        return "\n".join(lines)
    return "\n".join(not_covered_lines(answer, knowledge, lang))


def choices_heading(answer: Answer, knowledge: KnowledgeBase, lang: Lang) -> str:
    """What the entries offered as buttons are: "did you mean", or the card's services."""
    if answer.outcome != "overview":
        return t("unsure", lang)
    if answer.about_card in knowledge.cards:
        return t("overview", lang, card=knowledge.cards[answer.about_card].name_in(lang))
    return t("choose_card_first", lang)  # which card's services: the user has chosen none
