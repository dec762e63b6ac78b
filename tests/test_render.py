"""Rendering answers: escaping, tier marks, and splitting under Telegram's 4096 characters."""

from __future__ import annotations

from datetime import date
from html.parser import HTMLParser
from pathlib import Path

from bot.answers.qa import Answerer
from bot.answers.render import Block, entry_blocks, html_chunks, plain
from bot.kb.loader import KnowledgeBase, load_knowledge
from bot.kb.schema import Entry, Source
from bot.services import Services
from db.session import Database
from tests.knowledge_factory import small_knowledge
from tests.test_telegram_bot import settings

TAGS = {"b", "i"}


class _Balance(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.stack: list[str] = []

    def handle_starttag(self, tag: str, attrs: object) -> None:
        assert tag in TAGS, tag
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.stack and self.stack.pop() == tag, tag


def assert_valid_html(chunk: str) -> None:
    parser = _Balance()
    parser.feed(chunk)
    parser.close()
    assert not parser.stack


def entry(body: str) -> Entry:
    return Entry(
        id="zd.test",
        card="zhangdian",
        section="二、医疗保健",
        title="体检 <b>&",
        body=body,
        phones=["0533-2126207"],
        department="区卫生健康局",
        source=Source(note="渲染测试"),
        verified=date(2026, 11, 1),
    )


def test_html_escapes_knowledge_text_and_keeps_only_our_tags(shipped: KnowledgeBase) -> None:
    [chunk] = html_chunks(entry_blocks(entry("**标题**\n\na < b & c"), shipped, "zh"))
    assert "<b>体检 &lt;b&gt;&amp;</b>" in chunk
    assert "<b>标题</b>" in chunk and "a &lt; b &amp; c" in chunk
    assert "0533-2126207" in chunk and "张店区优秀企业家服务保障卡 · 二、医疗保健" in chunk
    assert_valid_html(chunk)


def test_tier_paragraphs_are_marked_for_others_and_offered_to_the_tier(shipped: KnowledgeBase) -> None:
    body = "每年安排一次。\n\n【突出贡献优秀企业家】对突出贡献优秀企业家可享受一次国内高端医疗机构的查体。"
    others = plain(entry_blocks(entry(body), shipped, "zh"))
    tier = plain(entry_blocks(entry(body), shipped, "zh", tier="outstanding"))
    assert "【仅限突出贡献优秀企业家】对突出贡献" in others
    assert "⭐ 您的突出贡献优秀企业家待遇：对突出贡献" in tier and "仅限" not in tier


def test_long_answers_split_cleanly_under_the_limit() -> None:
    paragraphs = [Block("**第%d段** " % n + "内容<&>" * 300) for n in range(12)]
    chunks = html_chunks([Block("标题", "title"), *paragraphs], limit=4096)
    assert len(chunks) > 1
    for chunk in chunks:
        assert len(chunk) <= 4096
        assert_valid_html(chunk)
    assert sum(c.count("&lt;") for c in chunks) == 12 * 300  # nothing lost, no entity cut


def test_one_endless_line_is_cut_without_breaking_entities() -> None:
    chunks = html_chunks([Block("&" * 5000)], limit=4096)
    assert all(len(c) <= 4096 for c in chunks)
    assert "".join(chunks).count("&amp;") == 5000
    assert all(not c.endswith("&am") for c in chunks)


def test_an_entrys_pages_are_rendered_once_per_knowledge(tmp_path: Path) -> None:
    """Services keeps each entry's messages; a reload (swap_knowledge) renders the new text."""
    folder = small_knowledge(tmp_path / "kb")
    before = Answerer(load_knowledge(folder))
    svc = Services(settings(folder), before.knowledge, before, Database("sqlite+aiosqlite://"))
    hospital = before.knowledge.by_id["zd.hospital"]
    pages = svc.entry_pages(hospital, "zh", None)
    assert list(pages) == html_chunks(entry_blocks(hospital, before.knowledge, "zh", None))
    assert svc.entry_pages(hospital, "zh", None) is pages  # not rendered again
    assert svc.entry_pages(hospital, "en", None) != pages
    (folder / "zhangdian" / "01-hospital.md").write_text(
        (folder / "zhangdian" / "01-hospital.md")
        .read_text(encoding="utf-8")
        .replace("区中医院\n", "区中医院（新）\n"),
        encoding="utf-8",
    )
    after = Answerer(load_knowledge(folder))
    svc.swap_knowledge(after)
    assert "区中医院（新）" in "".join(svc.entry_pages(after.knowledge.by_id["zd.hospital"], "zh", None))
    assert "区中医院（新）" not in "".join(svc.entry_pages(hospital, "zh", None))  # an answer from before
