"""The compact dictionaries agree with the libraries they were read from: jieba's segmentation and tags,
zhconv's Traditional to Simplified, pypinyin's readings, Alembic's schema head. And `run` keeps none
of those libraries in memory."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from pathlib import Path

import pytest

from bot.kb.loader import KnowledgeBase
from bot.matching.normalize import fold
from bot.matching.pinyin import char_readings
from bot.matching.segment import WordTable, dictionary
from bot.matching.simplified import to_simplified

ROOT = Path(__file__).resolve().parent.parent


def _texts(knowledge: KnowledgeBase) -> list[str]:
    """Every text of the knowledge, as the matcher sees it, and the questions of the tests' own cases."""
    texts = [
        fold(text)
        for entry in knowledge.entries
        for text in [entry.title, entry.body, *entry.questions, *entry.keywords, *entry.aliases]
    ]
    # Mixed scripts, digits, punctuation, spaces, characters outside jieba's blocks (㐀, 﨎).
    texts += ["b超检查3次 2026年12月5日 下午3点", "AT&T 和 c# 的 T恤", "㐀㐁 﨎 齐惠保。\r\n退休 金", ""]
    return texts


def test_the_word_table_segments_and_tags_as_jieba_does(shipped: KnowledgeBase) -> None:
    import jieba
    import jieba.posseg

    jieba.setLogLevel(logging.WARNING)
    reference = jieba.Tokenizer()  # a tokenizer of its own: jieba's default one is process-wide
    reference.initialize()
    tagger = jieba.posseg.POSTokenizer(reference)
    table = WordTable(dictionary())
    assert table.total == reference.total
    texts = _texts(shipped)
    # Words added at run time (the knowledge's terms jieba cuts into characters) weigh as jieba's own.
    added = sorted(
        {w for e in shipped.entries for w in [*e.keywords, *e.aliases] if len(w) > 2 and not table.count(w)}
    )
    assert added
    for word in added:
        reference.add_word(word, freq=1_000, tag="n")
        table.add(word, 1_000, "n")
    assert table.total == reference.total
    for text in texts:
        expected = [(pair.word, pair.flag) for pair in tagger.cut(text, HMM=False)]
        assert list(table.cut(text)) == expected, text
    for word in ["退休", "护照", "办理", "齐惠保", "张店", "不是一个词"]:
        assert table.count(word) == reference.FREQ.get(word, 0)


def test_simplified_is_zhconvs_zh_cn(shipped: KnowledgeBase) -> None:
    import zhconv

    texts = _texts(shipped)
    traditional = [zhconv.convert(text, variant) for text in texts for variant in ("zh-tw", "zh-hk")]
    assert sum(a != b for a, b in zip(texts, traditional[::2])) > len(texts) // 2  # really Traditional
    for text in [*texts, *traditional, "我幹什麼不干你事。", "頭髮 乾隆 後來 皇后 理髮"]:
        assert to_simplified(text) == zhconv.convert(text, "zh-cn"), text


def test_every_character_reads_as_pypinyin_reads_it() -> None:
    from pypinyin import Style, pinyin

    def expected(char: str) -> tuple[str, ...]:
        found = pinyin(char, style=Style.NORMAL, heteronym=True, errors=lambda chars: [["?"]])[0]
        return tuple(dict.fromkeys(r for r in found if r))[:3] or ("?",)

    chars = [chr(point) for point in range(0x3400, 0xA000)] + [chr(p) for p in range(0xF900, 0xFB00)]
    mismatched = [char for char in chars if char_readings(char) != expected(char)]
    assert mismatched == []
    assert char_readings("行") == ("xing", "hang", "heng") and char_readings("绿")[0] == "lv"


def test_the_schema_head_read_from_the_migrations_is_alembics() -> None:
    from alembic.script import ScriptDirectory

    from db.migrate import alembic_config, head_revision

    assert head_revision() == ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def test_run_keeps_none_of_the_heavy_libraries_in_memory() -> None:
    """What `python -m bot run` imports and builds before it polls (benchmarks/idle_memory.py measures
    the memory): no jieba, zhconv, pypinyin, Alembic, openpyxl, PIL, matplotlib, icalendar."""
    script = """
import json, sys
from pathlib import Path
import bot.app, bot.cli, bot.log_privacy, bot.runtime.checks, bot.runtime.webhook
from bot.answers.qa import Answerer
from bot.kb.loader import load_knowledge
Answerer(load_knowledge(Path(sys.argv[1]))).answer("zhongyiyuan 医院 hospital 電話")
print(json.dumps(sorted({name.split(".")[0] for name in sys.modules})))
"""
    done = subprocess.run(
        [sys.executable, "-c", script, str(ROOT / "knowledge")], capture_output=True, text=True, cwd=ROOT
    )
    assert done.returncode == 0, done.stderr
    loaded = set(json.loads(done.stdout))
    heavy = {"jieba", "zhconv", "pypinyin", "alembic", "openpyxl", "PIL", "matplotlib", "icalendar"}
    assert "bot" in loaded and "marisa_trie" in loaded
    assert loaded & heavy == set()


@pytest.mark.parametrize("kind", ["segment", "simplified", "pinyin"])
def test_each_dictionary_is_read_once_then_from_the_cache(
    kind: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.matching import pinyin, segment, simplified

    module, reader, load = {
        "segment": (segment, "_read_dictionary", segment.dictionary),
        "simplified": (simplified, "_read_table", simplified._table),
        "pinyin": (pinyin, "_ask_pypinyin", pinyin._readings),
    }[kind]
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    load.cache_clear()
    first = load()
    assert list((tmp_path / "cardbot").iterdir())
    load.cache_clear()
    with monkeypatch.context() as patched:
        patched.setattr(module, reader, lambda: pytest.fail("read again"))
        again = load()
    assert type(again) is type(first)
    load.cache_clear()
