from __future__ import annotations

from bot.matching.normalize import compact, fold, fold_question, runs
from bot.matching.pinyin import run_syllables, split_syllables
from bot.matching.tokens import PINYIN, QuestionReader, document_tokens, stem


def test_fold_turns_full_width_into_half_width_and_lowers_case() -> None:
    assert fold("ＣＺ３１０１，ＡＢＣ") == "cz3101,abc"


def test_question_folding_turns_traditional_into_simplified() -> None:
    assert fold_question("小孩入學要帶什麼證件") == "小孩入学要带什么证件"
    assert fold_question("突出貢獻企業家的醫療") == "突出贡献企业家的医疗"


def test_runs_split_scripts_and_drop_punctuation() -> None:
    assert runs(fold("区图书馆，电话？ 86055089 call-me")) == ["区图书馆", "电话", "86055089", "call", "me"]


def test_compact_removes_spaces_and_punctuation() -> None:
    assert compact(fold("刘  玲， 0533-2282569")) == "刘玲05332282569"


def test_pinyin_of_a_run_has_one_syllable_per_character_and_writes_u_umlaut_as_v() -> None:
    assert run_syllables("绿色通道") == ("lv", "se", "tong", "dao")


def test_split_syllables_prefers_fewest_pieces_and_rejects_non_pinyin() -> None:
    known = frozenset({"gui", "bin", "ting", "xi", "an", "xian", "zheng", "wu"})
    assert split_syllables("guibinting", known) == ["gui", "bin", "ting"]
    assert split_syllables("xian", known) == ["xian"]
    assert split_syllables("hospital", known) is None


def test_stem_makes_plurals_singular() -> None:
    assert [stem(w) for w in ["tickets", "facilities", "boxes", "class", "bus"]] == [
        "ticket",
        "facility",
        "box",
        "class",
        "bus",
    ]


def test_document_tokens_hold_characters_pairs_pinyin_words_and_numbers() -> None:
    tokens = document_tokens("审批窗口 86055089 Green channel")
    assert {"审", "审批", "批窗", PINYIN + "shenpi", PINYIN + "chuangkou", "d:86055089", "e:green"} <= tokens


def test_question_units_drop_stop_words_and_read_pinyin_as_syllable_pairs() -> None:
    reader = QuestionReader(["怎么", "吗"], ["the"], frozenset({"shen", "pi", "chuang", "kou"}), frozenset())
    units = reader.units("shenpi chuangkou 怎么走吗 the")
    tokens = [alt[0] for unit in units for alt in unit.alternatives]
    assert PINYIN + "shenpi" in tokens and PINYIN + "pichuang" in tokens and PINYIN + "chuangkou" in tokens
    assert "走" in tokens
    assert not any("怎" in t or "吗" in t or "the" in t for t in tokens)


def test_a_homophone_typo_is_matched_through_pinyin() -> None:
    reader = QuestionReader([], [], frozenset(), frozenset())
    pair = next(u for u in reader.units("保建") if len(u.alternatives) == 2)
    assert pair.alternatives[0][0] == "保建" and pair.alternatives[1][0] == PINYIN + "baojian"
    assert PINYIN + "baojian" in document_tokens("保健")
