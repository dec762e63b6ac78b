"""Regressions for issue 9, one per kind of mistake: answers a holder can trust (answer, unsure, not
covered). Questions are our own; the knowledge is a fixture unless a test says it checks the shipped shape."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.answers.qa import Answerer, split_questions
from bot.answers.render import answer_text
from bot.kb.loader import KnowledgeBase, check_knowledge, load_knowledge
from bot.matching.scope import lexicon, topic
from bot.texts import t
from tests.knowledge_factory import entry_file, small_knowledge


def library_entry(folder: Path, body: str) -> None:
    entry_file(
        folder,
        "03-library.md",
        id="by.library",
        card="baiyun",
        title="区图书馆免费开放专题研讨室",
        body=body,
        questions=["图书馆研讨室能免费用吗"],
        keywords=["图书馆", "研讨室", "免费"],
    )


@pytest.fixture(scope="module")
def answerer(tmp_path_factory: pytest.TempPathFactory) -> Answerer:
    folder = small_knowledge(tmp_path_factory.mktemp("kb") / "knowledge")
    entry_file(
        folder,
        "03-renmin.md",
        id="zd.renmin",
        card="zhangdian",
        title="区人民医院就医绿色通道",
        body="区人民医院\n\n服务专员：甲医生\n\n就医绿色通道服务电话：0533-1111111",
        questions=["人民医院看病能走绿色通道吗"],
        keywords=["区人民医院", "人民医院", "绿色通道", "看病"],
        aliases=["区人民医院", "人民医院", "区医院"],
    )
    entry_file(
        folder,
        "04-dier.md",
        id="zd.dier",
        card="zhangdian",
        title="区第二人民医院就医绿色通道",
        body="区第二人民医院\n\n服务专员：乙医生\n\n就医绿色通道服务电话：0533-2222222\n\n预约专家请联系服务专员。",
        questions=["第二人民医院看病能走绿色通道吗", "二院预约专家找谁"],
        keywords=["区第二人民医院", "第二人民医院", "二院", "绿色通道", "看病", "预约专家"],
        aliases=["区第二人民医院", "第二人民医院", "二院"],
    )
    library_entry(folder, "持卡人可免费使用区图书馆专题研讨室，办理预约后使用。")
    return Answerer(load_knowledge(folder))


def outcome(answerer: Answerer, question: str, card: str | None) -> tuple[str, str | None]:
    answer = answerer.answer(question, card)
    return answer.outcome, answer.entry.id if answer.entry else None


# --- names win ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        (
            "人民医院预约专家找哪位",
            "zd.renmin",
        ),  # 人民医院 is not 区第二人民医院, though that entry says 预约专家
        ("区医院的专员电话", "zd.renmin"),
        ("第二人民医院专员电话", "zd.dier"),  # the longer name wins over the alias inside it
        ("二院怎么预约专家", "zd.dier"),
    ],
)
def test_a_named_hospital_beats_one_whose_longer_name_contains_it(
    answerer: Answerer, question: str, expected: str
) -> None:
    assert outcome(answerer, question, "zhangdian") == ("answer", expected)


def test_an_alias_naming_two_entries_is_reported_by_kb_check(tmp_path: Path) -> None:
    folder = small_knowledge(tmp_path / "knowledge")
    for n, entry_id in enumerate(["zd.a", "zd.b"]):
        entry_file(
            folder,
            f"0{n + 5}-x.md",
            id=entry_id,
            card="zhangdian",
            title=f"医院{n}",
            body="正文",
            aliases=["人民医院"],
        )
    knowledge, problems = check_knowledge(folder)
    assert knowledge is None
    assert [p.message for p in problems] == ["alias '人民医院' also names 'zd.a'"]
    assert problems[0].path.name == "06-x.md" and problems[0].line > 1


# --- the knowledge decides what is covered ---------------------------------------------------------


@pytest.mark.parametrize(
    "question",
    [
        "住房公积金怎么提取",  # common words (怎么) match; its topic (公积金, 提取) is nowhere in the guides
        "驾驶证到期换证去哪里办理",
        "商标被别人抢注了怎么申请异议",
        "小区停车位物业费怎么交",
    ],
)
def test_a_topic_the_guides_never_mention_is_not_covered(answerer: Answerer, question: str) -> None:
    answer = answerer.answer(question, "zhangdian")
    assert answer.outcome == "not_covered" and not answer.answered and answer.alternatives == ()


def test_not_covered_names_where_such_questions_go_and_offers_staff(answerer: Answerer) -> None:
    knowledge = answerer.knowledge
    text = answer_text(answerer.answer("住房公积金怎么提取", "zhangdian"), knowledge, "zh")
    referral = knowledge.cards["zhangdian"].referral
    assert referral and referral in text
    assert t("not_covered", "zh") in text and t("not_covered_staff", "zh") in text


# --- questions about the card itself ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "card", "meant"),
    [
        ("这张卡在哪里申请办理", "baiyun", "baiyun"),
        ("我的卡过期了还能续吗", "zhangdian", "zhangdian"),
        ("保障卡不小心丢了要去哪补", None, "zhangdian"),  # names the card: its programme, not the user's
        ("这卡能给家人用吗", "baiyun", "baiyun"),  # 家人 says who, not what: the card is the subject
        ("How do I apply for this card?", "baiyun", "baiyun"),  # English: judged by its translations
    ],
)
def test_questions_about_the_card_name_the_programmes_contact(
    answerer: Answerer, question: str, card: str | None, meant: str
) -> None:
    answer = answerer.answer(question, card)
    assert answer.outcome == "not_covered" and answer.about_card == meant
    contact = answerer.knowledge.cards[meant].contact
    assert contact and contact in answer_text(answer, answerer.knowledge, "zh")


@pytest.mark.parametrize(
    ("question", "card", "entry"),
    [
        ("我的卡可以接送机吗", "baiyun", "by.airport"),  # 接送机: a verb, and a service
        ("用这张卡看病能优先挂号吗", "baiyun", "by.hospital"),
        ("这卡能看病吗 中医院的", "zhangdian", "zd.hospital"),
    ],
)
def test_the_card_and_a_service_named_by_a_verb_is_a_question_about_the_service(
    answerer: Answerer, question: str, card: str, entry: str
) -> None:
    assert outcome(answerer, question, card) == ("answer", entry)


@pytest.mark.parametrize(
    ("question", "card", "meant"),
    [
        ("这卡有什么用", "zhangdian", "zhangdian"),
        ("英才卡有哪些福利", None, "baiyun"),  # names its card: that card's services
        ("what can this card do", "baiyun", "baiyun"),
        ("云聚英才卡", "zhangdian", "baiyun"),  # the card named alone: its services
        ("这张卡", "baiyun", "baiyun"),
        ("持卡人有啥待遇", "zhangdian", "zhangdian"),  # its holders name the card
        ("what benefits does this card give", "baiyun", "baiyun"),
        ("what do I get with this card?", "zhangdian", "zhangdian"),
    ],
)
def test_what_the_card_gives_is_an_overview_of_its_services(
    answerer: Answerer, question: str, card: str | None, meant: str
) -> None:
    answer = answerer.answer(question, card)
    assert (answer.outcome, answer.about_card) == ("overview", meant)
    assert [s.entry for s in answer.alternatives] == answerer.knowledge.sections(meant)


@pytest.mark.parametrize(
    "question",
    [
        "这卡到期了还有福利吗",  # renewing the card
        "What does the card offer for airport pickup?",  # a service
        "这卡能约接机吗",
    ],
)
def test_a_benefit_word_with_more_asked_is_no_overview(answerer: Answerer, question: str) -> None:
    assert answerer.answer(question, "baiyun").outcome != "overview"


@pytest.mark.parametrize(
    "question", ["这卡有什么用", "这张卡有哪些福利", "持卡人有啥待遇", "what are this card's perks"]
)
def test_what_a_card_gives_with_no_card_named_or_chosen_asks_which(answerer: Answerer, question: str) -> None:
    answer = answerer.answer(question, None)
    assert (answer.outcome, answer.about_card, answer.alternatives) == ("overview", None, ())
    assert answer.asks_which_card and not answer.answered


def test_the_holders_with_a_service_is_no_overview(answerer: Answerer) -> None:
    assert answerer.answer("持卡人接送机有什么优惠", "baiyun").outcome != "overview"


@pytest.mark.parametrize("question", ["是吗", "为什么", "在哪", "多少钱", "有人吗", "没有", "行"])
def test_a_message_naming_nothing_is_not_answered(answerer: Answerer, question: str) -> None:
    """Fragments and replies share characters with many entries' questions (是吗 ~ 是哪个): they got
    confident answers at 0.8 before."""
    assert answerer.answer(question, "zhangdian").outcome == "not_covered"


@pytest.mark.parametrize(
    ("question", "entry"),
    [("中医院呢", "zd.hospital"), ("区中医院电话", "zd.hospital")],  # a noun or a topic word: a question
)
def test_a_short_question_naming_something_is_still_answered(
    answerer: Answerer, question: str, entry: str
) -> None:
    assert outcome(answerer, question, "zhangdian") == ("answer", entry)


@pytest.mark.parametrize("question", ["电话", "电话多少", "电话是多少？"])
def test_a_question_naming_only_what_most_entries_state_offers_them(
    answerer: Answerer, question: str
) -> None:
    """The phone of what? Every fixture entry gives one: entries to choose, not the first by chance."""
    answer = answerer.answer(question, "zhangdian")
    assert answer.outcome == "unsure" and len(answer.alternatives) > 1


def test_a_common_noun_beside_a_generic_word_names_the_subject(answerer: Answerer) -> None:
    assert outcome(answerer, "中医院 电话", "zhangdian") == ("answer", "zd.hospital")


@pytest.mark.parametrize(
    ("question", "alone", "after_renmin"),
    [
        ("电话多少", ("unsure", None), ("answer", "zd.renmin")),  # whose phone: the hospital just answered
        ("专员是谁", ("unsure", None), ("answer", "zd.renmin")),
        ("中医院电话", ("answer", "zd.hospital"), ("answer", "zd.hospital")),  # names its own subject
        ("能预约专家吗", ("answer", "zd.dier"), ("answer", "zd.dier")),  # the previous entry does not say it
        ("为什么", ("not_covered", None), ("not_covered", None)),  # names nothing: no repeat of the answer
    ],
)
def test_a_follow_up_is_read_in_the_previous_answers_section(
    answerer: Answerer, question: str, alone: tuple[str, str | None], after_renmin: tuple[str, str | None]
) -> None:
    assert outcome(answerer, question, "zhangdian") == alone
    answer = answerer.answer(question, "zhangdian", after="zd.renmin")
    assert (answer.outcome, answer.entry.id if answer.entry else None) == after_renmin
    assert answer.question == question


def test_a_previous_entry_no_longer_in_the_knowledge_is_ignored(answerer: Answerer) -> None:
    assert outcome(answerer, "电话多少", "zhangdian") == ("unsure", None)
    assert answerer.answer("电话多少", "zhangdian", after="zd.removed").outcome == "unsure"


# --- places and cards ------------------------------------------------------------------------------


def test_a_card_named_by_its_common_name_gets_its_own_guide(shipped_answerer: Answerer) -> None:
    # 企业家卡 is what people call the 张店 card; with no other place named, it is ours, not 白云's
    answer = shipped_answerer.answer("企业家卡体检在哪做", None)
    assert answer.answered and answer.entry.card == "zhangdian"


@pytest.mark.parametrize(
    "question",
    [
        "海珠区的人才卡能约接机吗",  # a neighbouring district
        "杭州的人才卡能免费用图书馆吗",  # any other place, found as a place name by the segmenter
        "成都企业家卡看病有绿色通道吗",
    ],
)
def test_another_places_programme_is_declined_despite_a_generic_card_word(
    answerer: Answerer, question: str
) -> None:
    assert outcome(answerer, question, None) == ("not_covered", None)


def test_another_place_without_a_programme_word_is_just_a_place(answerer: Answerer) -> None:
    assert outcome(answerer, "下个月飞杭州 机场贵宾厅怎么预约", "baiyun") == ("answer", "by.airport")


def test_shared_material_follows_the_cards_that_include_it(answerer: Answerer) -> None:
    question = "保费一年交多少钱"
    assert outcome(answerer, question, "zhangdian")[1] == "gen.insurance"
    assert outcome(answerer, question, None)[1] == "gen.insurance"
    assert outcome(answerer, question, "baiyun")[1] != "gen.insurance"
    assert outcome(answerer, "齐惠保保费一年交多少钱", "baiyun")[1] == "gen.insurance"  # named
    # naming the card asks about the card's own guide, not the material it includes: nothing there
    named_card = answerer.answer("张店企业家卡保费一年交多少钱", "zhangdian")
    assert named_card.outcome == "not_covered"
    assert named_card.score < answerer.knowledge.matching.alternative_threshold
    assert outcome(answerer, "张店企业家卡和齐惠保保费一年交多少钱", "zhangdian")[1] == "gen.insurance"


# --- English ---------------------------------------------------------------------------------------


def test_english_reaches_an_entry_through_the_dictionary(answerer: Answerer) -> None:
    """by.library has no keywords_en: "library" and "free" reach it through CC-CEDICT."""
    answer = answerer.answer("Is the library free for card holders?", "baiyun")
    assert (answer.outcome, answer.entry.id if answer.entry else None) == ("answer", "by.library")
    text = answer_text(answer, answerer.knowledge, "en")
    assert t("quoted_from_guide", "en") in text and "图书馆" in text


# --- two questions in one message -----------------------------------------------------------------


def test_two_questions_answer_the_first_and_offer_the_second(answerer: Answerer) -> None:
    answer = answerer.answer("中医院绿色通道电话多少？另外景区门票要买吗", "zhangdian")
    assert answer.outcome == "answer" and answer.entry is not None and answer.entry.id == "zd.hospital"
    assert answer.follow_up == "景区门票要买吗"
    assert outcome(answerer, answer.follow_up, "zhangdian") == ("answer", "zd.ticket")


@pytest.mark.parametrize(
    ("message", "parts"),
    [
        ("高考 志愿 咨询", 1),  # keywords, not questions
        ("图书馆几点开门？博物馆呢？", 2),
        ("中医院电话多少 顺便问下门票要钱吗", 2),
    ],
)
def test_a_message_splits_into_questions_only_at_question_boundaries(message: str, parts: int) -> None:
    assert len(split_questions(message)) == parts


# --- unsure: suggestions, no answer ----------------------------------------------------------------


def test_a_weak_match_on_a_covered_topic_is_unsure_with_suggestions(answerer: Answerer) -> None:
    answer = answerer.answer("周末看病的事", "zhangdian")  # three hospitals could answer; none is named
    assert answer.outcome == "unsure" and answer.entry is None and not answer.answered
    suggested = {s.entry.id for s in answer.alternatives}
    assert len(suggested) >= 2 and suggested <= {"zd.hospital", "zd.renmin", "zd.dier"}
    assert t("unsure", "zh") in answer_text(answer, answerer.knowledge, "zh")


# --- the shipped knowledge's shape ------------------------------------------------------------------


def test_shipped_aliases_send_people_to_the_hospital_they_name(shipped_answerer: Answerer) -> None:
    # a name typed in pinyin, or with a space, is still the name
    for question in [
        "人民医院专员叫什么",
        "区医院绿色通道怎么走",
        "renmin yiyuan lvse tongdao",
        "人民 医院 电话",
    ]:
        answer = shipped_answerer.answer(question, "zhangdian")
        assert answer.entry is not None and "人民医院" in answer.entry.title
        assert "第二" not in answer.entry.title


def test_shipped_cards_have_places_and_a_contact(shipped: KnowledgeBase) -> None:
    for card in shipped.cards.values():
        assert card.places and card.contact
    assert shipped.offered_to("baiyun") == {"baiyun"}
    assert "general" in shipped.offered_to("zhangdian")


# --- pinyin words ---------------------------------------------------------------------------------


@pytest.mark.parametrize("question", ["tushuguan 能免费用吗", "研讨室 mianfei 吗", "tushuguan yantaoshi"])
def test_a_toneless_pinyin_word_reaches_the_entry_using_that_word(answerer: Answerer, question: str) -> None:
    assert outcome(answerer, question, "baiyun") == ("answer", "by.library")


def test_pinyin_words_are_written_as_the_knowledges_words_and_english_words_are_kept(
    answerer: Answerer,
) -> None:
    assert answerer.written_in_characters("tushuguan mianfei 吗").split() == ["图书馆", "免费", "吗"]
    # "change" spells chang+e, but it is English; an English question keeps its pinyin names
    assert answerer.written_in_characters("change 研讨室") == "change 研讨室"
    assert answerer.written_in_characters("can i book the tushuguan") == "can i book the tushuguan"


def test_a_question_wholly_in_pinyin_reads_its_english_looking_words_as_pinyin_too(
    answerer: Answerer,
) -> None:
    # "ban" (办) is an English word too: the question is still pinyin, not English with pinyin names
    assert answerer.written_in_characters("jieji zenme ban").split()[:2] == ["接机", "怎么"]
    assert outcome(answerer, "jieji songji zenme ban", "baiyun") == ("answer", "by.airport")


def test_pinyin_typed_a_syllable_at_a_time_is_read_as_one_word(answerer: Answerer) -> None:
    # di er is 第二: read apart, they are two syllables and the name found is 人民医院, the wrong hospital
    assert answerer.written_in_characters("di er renmin yiyuan").split() == ["第二", "人民", "医院"]
    assert outcome(answerer, "di er renmin yiyuan dianhua", "zhangdian") == ("answer", "zd.dier")


# --- a topic word the matched entry does not cover --------------------------------------------------


def test_the_entry_covering_the_topic_beats_a_close_score_that_leaves_part_of_it_out(tmp_path: Path) -> None:
    folder = small_knowledge(tmp_path / "knowledge")
    entry_file(
        folder,
        "05-museum.md",
        id="by.museum",
        card="baiyun",
        title="博物馆优先预约",
        body="持卡人凭卡参观区属博物馆，凭卡可优先预约，预约后安排专人讲解。",
        questions=["博物馆能预约吗", "这卡能优先预约参观吗", "能预约讲解吗"],
        keywords=["博物馆", "预约", "讲解"],
    )
    entry_file(
        folder,
        "06-checkup.md",
        id="by.checkup",
        card="baiyun",
        title="定期体检服务",
        body="持卡人每年可享受一次免费体检，请提前电话预约。",
        questions=["每年都有免费体检吗"],
        keywords=["体检", "免费"],
    )
    answerer = Answerer(load_knowledge(folder))
    # both are verbs, so there is no focus noun: the museum's many 预约 must not outweigh 体检
    assert outcome(answerer, "能预约体检吗", "baiyun") == ("answer", "by.checkup")
    # nor its 凭卡: "the card" says which programme, not what about it
    assert outcome(answerer, "这卡能预约体检吗", "baiyun") == ("answer", "by.checkup")


def test_a_topic_word_used_elsewhere_but_not_by_the_matched_entry_lowers_confidence(
    answerer: Answerer,
) -> None:
    # 看病 is a hospital word: the library entry answers, less sure than when nothing foreign is asked
    plain = answerer.answer("图书馆研讨室能免费用吗", "baiyun")
    foreign = answerer.answer("图书馆研讨室能看病吗", "baiyun")
    assert plain.entry is not None and foreign.entry is not None
    assert plain.entry.id == foreign.entry.id == "by.library"
    scope = topic("图书馆研讨室看病", answerer.index.knows, lexicon())
    assert not scope.unknown  # every word is used somewhere ...
    library = [p for p, e in enumerate(answerer.index.entries) if e.id == "by.library"][0]
    uncovered = scope.uncovered_share(lambda word: answerer.index.holds(library, word))
    assert 0 < uncovered < 1  # ... but 看病 not by the library entry
    assert foreign.score < plain.score


def test_a_pinyin_word_is_read_by_its_characters_common_readings_first(tmp_path: Path) -> None:
    # 前 may be read jian (rarely), and 提前 is in more entries than 体检: tijian is still 体检
    folder = small_knowledge(tmp_path / "knowledge")
    for n in range(3):
        entry_file(
            folder,
            f"05-early-{n}.md",
            id=f"zd.early{n}",
            card="zhangdian",
            title=f"第{n}项服务提前预约",
            body="请提前三天预约。",
        )
    entry_file(
        folder,
        "06-checkup.md",
        id="zd.checkup",
        card="zhangdian",
        title="免费体检",
        body="每年一次免费体检，请提前预约。",
        keywords=["体检"],
    )
    answerer = Answerer(load_knowledge(folder))
    assert answerer.written_in_characters("tijian 在哪做").split() == ["体检", "在哪做"]
    assert outcome(answerer, "tijian 在哪做", "zhangdian") == ("answer", "zd.checkup")


# --- the question's focus word decides between near-identical matches -------------------------------


@pytest.fixture(scope="module")
def focus_answerer(tmp_path_factory: pytest.TempPathFactory) -> Answerer:
    folder = small_knowledge(tmp_path_factory.mktemp("focus") / "knowledge")
    entry_file(
        folder,
        "07-party.md",
        id="by.party",
        card="baiyun",
        title="优先发展入党",
        body="持卡人可向所在党组织提交入党申请书，符合条件的优先发展。",
        questions=["入党申请交给谁", "入党要什么条件"],
        keywords=["入党", "党组织"],
    )
    entry_file(
        folder,
        "08-school.md",
        id="by.school",
        card="baiyun",
        title="子女入学服务",
        body="持卡人子女入学由区教育局统筹安排，申请材料交区教育局基础教育科。",
        keywords=["入学", "教育局"],
    )
    entry_file(
        folder,
        "09-checkup.md",
        id="by.checkup",
        card="baiyun",
        title="定期体检服务（每年一次）",
        body="持卡人每年可免费体检一次，与工会服务二选一。",
        questions=["体检和工会疗养能都要吗", "每年体检几次"],
        keywords=["体检", "每年一次"],
    )
    entry_file(
        folder,
        "10-union.md",
        id="by.union",
        card="baiyun",
        title="工会服务（疗养）",
        body="区总工会每年组织持卡人疗养，与定期体检服务二选一。",
        keywords=["工会", "疗养", "总工会"],
    )
    return Answerer(load_knowledge(folder))


def test_an_alternate_question_differing_only_in_the_subject_does_not_win(focus_answerer: Answerer) -> None:
    # 入党申请交给谁 is nearly the question word for word, but the question is about 入学
    assert outcome(focus_answerer, "孩子入学申请交给哪里", "baiyun") == ("answer", "by.school")
    assert outcome(focus_answerer, "入党申请交给哪里", "baiyun") == ("answer", "by.party")


def test_a_word_mentioned_only_in_an_alternate_question_is_not_the_entrys_topic(
    focus_answerer: Answerer,
) -> None:
    # the check-up entry asks about 疗养 in passing; the union entry is about it
    assert outcome(focus_answerer, "每年都能去疗养吗", "baiyun") == ("answer", "by.union")
    assert outcome(focus_answerer, "每年体检几次", "baiyun") == ("answer", "by.checkup")


def test_the_programmes_place_and_card_words_say_which_programme_not_what_about_it(
    answerer: Answerer,
) -> None:
    # 白云区, 云聚英才卡: which programme; they do not make a question about opening hours covered
    for word in ["白云区", "广州市", "张店", "云聚英才", "企业家", "人才"]:
        assert not answerer.particular(word)
    assert answerer.particular("图书馆")
    scope = topic("白云区云聚英才卡图书馆几点关门", answerer.index.knows, lexicon(), answerer.particular)
    assert {w.text for w in scope.known} == {"图书馆"}
    assert "关门" in {w.text for w in scope.unknown}


def test_a_verb_alone_is_no_focus(answerer: Answerer) -> None:
    knows, lex = answerer.index.knows, lexicon()
    assert topic("图书馆研讨室怎么预约", knows, lex).focus.text in {"图书馆", "研讨室"}
    assert topic("怎么预约", knows, lex).focus is None  # 预约 says how, not what


@pytest.mark.parametrize("question", ["我老公想借研讨室", "我儿子女儿能用研讨室吗"])
def test_the_people_a_question_is_for_are_no_topic(answerer: Answerer, question: str) -> None:
    # 老公, 儿子: whose case it is, not something the guides would have to cover
    assert outcome(answerer, question, "baiyun") == ("answer", "by.library")


def test_a_word_said_twice_weighs_once(answerer: Answerer) -> None:
    # 调理调理 is colloquial emphasis, not twice as much topic the guides do not cover
    knows, lex = answerer.index.knows, lexicon()
    once, twice = topic("图书馆研讨室调理", knows, lex), topic("图书馆研讨室调理调理", knows, lex)
    assert [w.text for w in twice.unknown] == ["调理"]
    assert twice.unknown_share == once.unknown_share


def test_a_topic_only_another_cards_guide_covers_is_not_covered_for_this_holder(answerer: Answerer) -> None:
    assert outcome(answerer, "图书馆研讨室能免费用吗", "baiyun") == ("answer", "by.library")
    # 研讨室 is only in the 白云 guide: for a 张店 holder the scenic-spot entry is no suggestion for it
    assert outcome(answerer, "旅游景点图书馆研讨室能免费用吗", "zhangdian") == ("not_covered", None)


def test_english_function_words_do_not_dilute_a_question(answerer: Answerer) -> None:
    question = "Do I need a ticket for the scenic spots once I am inside, or is it free for him too?"
    assert outcome(answerer, question, "zhangdian") == ("answer", "zd.ticket")


def test_an_entry_stating_no_such_fact_does_not_answer_a_question_asking_for_one(answerer: Answerer) -> None:
    # the library entry says the room is free to use (which answers 多少钱), but gives no hours
    assert outcome(answerer, "图书馆研讨室要多少钱", "baiyun") == ("answer", "by.library")
    answer = answerer.answer("图书馆研讨室几点开门", "baiyun")
    assert answer.outcome == "unsure"
    assert answer.alternatives[0].entry.id == "by.library"


def test_an_entry_stating_the_fact_asked_for_answers(tmp_path: Path) -> None:
    folder = small_knowledge(tmp_path / "knowledge")
    library_entry(folder, "持卡人可免费使用区图书馆专题研讨室，开放时间：9:00-17:00。")
    assert outcome(Answerer(load_knowledge(folder)), "图书馆研讨室几点开门", "baiyun") == (
        "answer",
        "by.library",
    )


@pytest.mark.parametrize(
    ("question", "stating"),
    [
        ("图书馆研讨室预约要准备哪些材料", "凭本人身份证原件预约。"),  # documents
        ("图书馆研讨室预约要等多久", "预约后1个工作日内回复。"),  # how long
        ("图书馆研讨室周末开不开", "开放时间：工作日9:00-17:00。"),  # the weekend: opening hours
        ("图书馆哪个研讨室好", "馆员可按人数推荐研讨室。"),  # an opinion: guides state facts, not rankings
        ("图书馆研讨室的门禁卡丢了咋办", "门禁卡遗失的，到服务台补办。"),  # replacing a lost thing
    ],
)
def test_each_kind_of_asked_fact_needs_an_entry_stating_one(
    tmp_path: Path, question: str, stating: str
) -> None:
    silent = small_knowledge(tmp_path / "silent")
    library_entry(silent, "持卡人可免费使用区图书馆专题研讨室。")
    answer = Answerer(load_knowledge(silent)).answer(question, "baiyun")
    assert (answer.outcome, answer.alternatives[0].entry.id) == ("unsure", "by.library")
    stated = small_knowledge(tmp_path / "stated")
    library_entry(stated, f"持卡人可免费使用区图书馆专题研讨室，{stating}")
    assert outcome(Answerer(load_knowledge(stated)), question, "baiyun") == ("answer", "by.library")


def test_kb_check_reports_an_asked_fact_that_is_no_regular_expression(tmp_path: Path) -> None:
    folder = small_knowledge(tmp_path / "knowledge")
    settings = folder / "matching.yaml"
    settings.write_text(
        settings.read_text(encoding="utf-8") + "\n  - {name: broken, question: '多少(钱', entry: 元}\n",
        encoding="utf-8",
    )
    knowledge, problems = check_knowledge(folder)
    assert knowledge is None
    assert any("not a regular expression" in p.message for p in problems)


def test_an_english_question_of_common_words_only_names_nothing(answerer: Answerer) -> None:
    # "use" matches the library entry's 使用, but says nothing about what is asked
    assert outcome(answerer, "Can I use it?", "baiyun") == ("not_covered", None)
    assert outcome(answerer, "Can I use the library room for free?", "baiyun") == ("answer", "by.library")
