"""An answer as plain text (CLI, console); the Telegram channel renders the same parts as HTML."""

from __future__ import annotations

from bot.kb.loader import KnowledgeBase
from bot.kb.schema import Entry
from bot.qa import Answer
from bot.texts import Lang, t

TIER_MARK = "【突出贡献优秀企业家】"


def source_line(entry: Entry, knowledge: KnowledgeBase, lang: Lang) -> str:
    card = knowledge.cards.get(entry.card)
    guide = card.guide if card else entry.section
    where = f"{guide} · {entry.section}" if card else entry.section
    return f"{t('source', lang)}：{where}"


def entry_text(entry: Entry, knowledge: KnowledgeBase, lang: Lang) -> str:
    parts = [f"【{entry.title}】", entry.body.replace("**", "")]
    if TIER_MARK in entry.body:
        parts.append(t("tier_only", lang))
    if entry.phones:
        parts.append(f"{t('contact', lang)}：{'，'.join(entry.phones)}")
    parts.append(source_line(entry, knowledge, lang))
    return "\n\n".join(parts)


def answer_text(answer: Answer, knowledge: KnowledgeBase, lang: Lang) -> str:
    if answer.entry is not None:
        return entry_text(answer.entry, knowledge, lang)
    lines = [t("not_found", lang)]
    if answer.alternatives:
        lines.append(t("did_you_mean", lang))
        lines.extend(f"{n}. {s.entry.title}" for n, s in enumerate(answer.alternatives, start=1))
    return "\n".join(lines)
