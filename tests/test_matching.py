"""Matching rules on a small knowledge base, and a few facts of the shipped one."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.answers.qa import Answerer
from bot.kb.loader import REFERENCE, KnowledgeBase
from bot.matching.scope import Lexicon


def top_id(answerer: Answerer, question: str, card: str | None = None) -> str | None:
    answer = answerer.answer(question, card)
    return answer.entry.id if answer.entry else None


@pytest.mark.parametrize(
    ("question", "card", "expected"),
    [
        ("中医院绿色通道服务电话", "zhangdian", "zd.hospital"),  # plain
        ("中醫院綠色通道電話", "zhangdian", "zd.hospital"),  # Traditional characters
        ("中医院绿色通到电话", "zhangdian", "zd.hospital"),  # homophone typo
        ("zhongyiyuan lvse tongdao", "zhangdian", "zd.hospital"),  # pinyin
        ("ＺＨＯＮＧＹＩＹＵＡＮ 绿色通道", "zhangdian", "zd.hospital"),  # full-width Latin
        ("green channel at the chinese medicine hospital", "zhangdian", "zd.hospital"),  # English
        ("景区门票 要买吗", "zhangdian", "zd.ticket"),
        ("齐惠保多少钱", "baiyun", "gen.insurance"),  # general material serves every card
    ],
)
def test_question_variants_find_the_entry(
    small_answerer: Answerer, question: str, card: str, expected: str
) -> None:
    assert top_id(small_answerer, question, card) == expected


def test_the_users_card_decides_between_similar_entries(small_answerer: Answerer) -> None:
    assert top_id(small_answerer, "医院看病绿色通道", "zhangdian") == "zd.hospital"
    assert top_id(small_answerer, "医院看病绿色通道", "baiyun") == "by.hospital"


def test_another_cards_entries_need_the_question_to_name_that_card(small_answerer: Answerer) -> None:
    assert top_id(small_answerer, "机场贵宾厅怎么预约", "zhangdian") is None
    assert top_id(small_answerer, "白云机场贵宾厅怎么预约", "zhangdian") == "by.airport"


def test_without_a_card_every_entry_may_answer(small_answerer: Answerer) -> None:
    assert top_id(small_answerer, "机场贵宾厅怎么预约") == "by.airport"


def test_out_of_scope_questions_are_declined(small_answerer: Answerer) -> None:
    for question in ["讲个笑话听听", "明天下雨吗", "What's the exchange rate today?", ""]:
        answer = small_answerer.answer(question, "zhangdian")
        assert not answer.answered, question


def test_a_question_about_a_neighbouring_district_is_declined(small_answerer: Answerer) -> None:
    answer = small_answerer.answer("淄川区中医院绿色通道电话", None)
    assert not answer.answered and answer.score == 0.0


def test_the_threshold_separates_answers_from_declines(small_answerer: Answerer) -> None:
    threshold = small_answerer.knowledge.matching.answer_threshold
    answered = small_answerer.answer("中医院绿色通道", "zhangdian")
    declined = small_answerer.answer("周末去哪里钓鱼", "zhangdian")
    assert answered.score >= threshold > declined.score


def test_alternatives_exclude_the_answer_and_are_ranked(small_answerer: Answerer) -> None:
    answer = small_answerer.answer("看病 绿色通道 医院", None)
    assert answer.answered
    ids = [s.entry.id for s in answer.alternatives]
    assert answer.entry.id not in ids
    assert ids, "the other card's hospital entry is a plausible alternative"
    scores = [s.score for s in answer.alternatives]
    assert scores == sorted(scores, reverse=True) and all(s <= answer.score for s in scores)


@pytest.mark.parametrize(
    ("question", "card", "expected_id", "fact"),
    [
        ("区中医院绿色通道电话", "zhangdian", "zhangdian.medical.zhongyi", "{{zhongyi.phone}}"),
        ("妇幼保健院的服务专员", "zhangdian", "zhangdian.medical.fuyou", "{{fuyou.person}}"),
        ("区图书馆电话", "baiyun", "baiyun.culture.library", "{{library.phone}}"),
        ("齐惠保保障期", None, "general.qihuibao.period", "2024年11月24日24时"),
    ],
)
def test_specific_questions_get_the_specific_entry_of_the_shipped_base(
    shipped_answerer: Answerer, question: str, card: str | None, expected_id: str, fact: str
) -> None:
    answer = shipped_answerer.answer(question, card)
    assert answer.entry is not None and answer.entry.id == expected_id
    contacts = shipped_answerer.knowledge.contacts
    assert REFERENCE.sub(lambda ref: contacts[ref[1]].value(ref[2]) or "", fact) in answer.entry.body


@pytest.mark.parametrize(
    "question", ["怎么办护照", "社保怎么交", "房贷利率多少", "你好", "hello", "驾照换证"]
)
def test_the_shipped_base_declines_what_it_does_not_cover(shipped_answerer: Answerer, question: str) -> None:
    # 护照 sounds like 户照 (hukou pages) but shares no character with them: not a typo of anything here.
    assert not shipped_answerer.answer(question, "baiyun").answered


def test_the_array_built_postings_hold_each_entrys_tokens_with_its_strongest_field(
    small_answerer: Answerer,
) -> None:
    """The vectorised build agrees with `document_tokens`, the one definition of an entry's tokens."""
    from bot.matching.index import FIELD_WEIGHTS, _entry_fields
    from bot.matching.tokens import document_tokens

    index = small_answerer.index
    for position, entry in enumerate(index.entries):
        expected: dict[str, float] = {}
        for field, texts in _entry_fields(entry).items():
            for token in (token for text in texts for token in document_tokens(text)):
                expected[token] = max(expected.get(token, 0.0), FIELD_WEIGHTS[field])
        found = {
            token: float(weights[ids.tolist().index(position)])
            for token, (ids, weights) in index._postings.items()
            if position in ids
        }
        assert found == expected, entry.id


def test_a_knowledge_reload_reads_no_dictionary_again(
    small_answerer: Answerer, shipped: KnowledgeBase
) -> None:
    from bot.matching import english, pinyin, segment, simplified

    readers = [english._glosses, segment.dictionary, pinyin._readings, simplified._table]
    misses = [reader.cache_info().misses for reader in readers]
    Answerer(shipped)
    assert [reader.cache_info().misses for reader in readers] == misses


def test_the_read_dictionary_is_cached_between_processes_and_a_broken_cache_is_read_afresh(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.matching import cache, english

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    stored = cache.cache_folder("cedict-glosses", english.GLOSSES_FORMAT, english._source()) / cache.INDEX
    english._glosses.cache_clear()
    read = english._glosses()
    assert stored.is_relative_to(tmp_path) and stored.exists()
    assert "医院" in english._chinese(read[0], "hospital")

    english._glosses.cache_clear()  # a new process: the cache file is read, not the dictionary
    with monkeypatch.context() as patched:
        patched.setattr(english, "_read_glosses", lambda: pytest.fail("dictionary read again"))
        assert english._chinese(english._glosses()[0], "hospital") == english._chinese(read[0], "hospital")

    stored.write_bytes(b"not a pickle")
    english._glosses.cache_clear()
    assert english._chinese(english._glosses()[0], "hospital") == english._chinese(read[0], "hospital")


def test_knowledge_terms_segment_the_same_whatever_order_they_are_learned_in() -> None:
    # a set's order changes from one process to the next: the learned words must not
    segmentations = set()
    for terms in (["工信局", "区工信局"], ["区工信局", "工信局"]):
        lex = Lexicon()
        lex.learn(terms)
        segmentations.add(tuple(w.text for w in lex.words("区工信局企业发展科")))
    assert segmentations == {("区工信局", "企业", "发展", "科")}
