"""Answering a card holder's question with one of three outcomes.

- answer: the matched entry, when the match is strong and the question's topic is one the guides cover;
- unsure: no answer, but "did you mean" suggestions;
- not covered: the guides say nothing about it (its topic words are ones the knowledge never uses, it
  asks about another place's programme, or nothing matches); say so and offer staff.
A question asking only what the card gives (这卡有什么用) gets an overview: the card's services to choose.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Literal

import numpy as np

from bot.kb.loader import KnowledgeBase
from bot.kb.schema import Entry
from bot.matching.english import is_english
from bot.matching.index import Scored, SearchIndex
from bot.matching.normalize import fold_question
from bot.matching.scope import Topic, Word, lexicon, topic

Outcome = Literal["answer", "unsure", "not_covered", "overview"]

# A question whose topic is this much made of words the knowledge never uses is not covered.
UNCOVERED_SHARE = 0.8
# Suggestions are offered only while most of the topic is covered; otherwise it is not covered.
UNSURE_SHARE = 0.5
SCOPES_REMEMBERED = 4096  # (question, card) scopes kept: a follow-up scopes the question just asked
# A question naming an entry's subject (人民医院) gets it, unless this much of its topic is uncovered
# (人民医院能打疫苗吗 names the hospital but asks about something the guide does not say).
NAMED_UNCOVERED_SHARE = 0.3
# How much an uncovered part of the topic lowers confidence in the best match.
UNCOVERED_PENALTY = 0.4
# An entry mentioning a word only in an alternate question covers this much of it.
PASSING_MENTION = 0.5
# A word in this share of the entries (办理, 服务) names no particular thing.
GENERIC_SHARE = 0.3
# A message splits into questions at sentence punctuation, or at a space between two Chinese phrases
# that are each long enough to be a question (高考 志愿 咨询 is one question in three words).
_CLAUSE_SPLIT = re.compile(r"[。？！；?!;\n]+|(?<=[\u4e00-\u9fff]{4})[，,\s]+(?=[\u4e00-\u9fff]{4})")
# "the card" as a thing: 这卡, 我的卡, 卡丢了, 卡在哪办; not 信息卡, 持卡, 卡在两个部门之间 (stuck).
_CHINESE_CARD = re.compile(r"(?:^|[^\u4e00-\u9fff]|[这那该此]?[张本个]|[这该此的])卡(?!在[^哪])")
_ENGLISH_CARD = re.compile(r"\bcards?\b")
_THE_CARD = re.compile(f"{_CHINESE_CARD.pattern}|\\b(?:this|that|my|the|your|our)\\s+cards?\\b")
_LATIN_WORD = re.compile(r"[a-z]{2,}")
_CONTENT = re.compile(r"[\u4e00-\u9fffa-z]")
_LATIN_RUN = re.compile(r"[a-z]{2,}(?:\s+[a-z]{2,})*")
# At most this many pinyin words are read together as one word (di er ren min: 第二人民).
MAX_PINYIN_WORDS = 4
_CJK_CHAR = re.compile(r"[\u4e00-\u9fff]")
_CJK_GAP = re.compile(r"(?<=[\u4e00-\u9fff])\s+(?=[\u4e00-\u9fff])")


@dataclass(frozen=True)
class Suggestion:
    entry: Entry
    score: float


@dataclass(frozen=True)
class Answer:
    question: str
    entry: Entry | None  # the answer; None when unsure or not covered
    score: float
    alternatives: tuple[Suggestion, ...]  # "did you mean"; for an overview, the card's services
    outcome: Outcome = "not_covered"
    card: str | None = None  # the card of the user who asked
    # Not covered and about the card itself (applying, losing, renewing): whose programme to refer to.
    # An overview: whose services (None: no card named or chosen; the user is asked to choose one).
    about_card: str | None = None
    # A second question in the same message, offered as a button.
    follow_up: str | None = None

    @property
    def answered(self) -> bool:
        return self.outcome == "answer"

    @property
    def offers_choices(self) -> bool:
        """Entries to choose from instead of an answer: "did you mean", or the card's services."""
        return self.outcome in ("unsure", "overview")

    @property
    def asks_which_card(self) -> bool:
        """What a card gives, asked with no card named or chosen: the cards to choose from."""
        return self.outcome == "overview" and self.about_card is None


def follow_up_marks(words: Iterable[str]) -> re.Pattern[str]:
    """The words that open a second question (顺便问下, 对了), at the start of a part, longest first."""
    ordered = sorted(words, key=len, reverse=True)
    return re.compile(f"^({'|'.join(map(re.escape, ordered))})[，,]?" if ordered else "(?!)")


def split_questions(question: str, marks: re.Pattern[str] | None = None) -> list[str]:
    """The questions in one message, in order (a single question gives a list of one), each without
    the words that open it as a second question (`marks`)."""
    parts = [p.strip() for p in _CLAUSE_SPLIT.split(question)]
    if marks is not None:
        parts = [marks.sub("", p) for p in parts]
    return [p for p in parts if p]


class Answerer:
    def __init__(self, knowledge: KnowledgeBase) -> None:
        self.knowledge = knowledge
        self.index = SearchIndex(knowledge.entries, knowledge.matching)
        self._lexicon = lexicon()
        self._lexicon.learn(word for entry in knowledge.entries for word in [*entry.keywords, *entry.aliases])
        groups = np.array([entry.card for entry in self.index.entries])
        self._group_masks = {group: groups == group for group in set(groups)}
        self._names = {
            **{card.id: _folded(card.aliases) for card in knowledge.cards.values()},
            **{material.id: _folded(material.aliases) for material in knowledge.shared.values()},
        }
        self._our_places = _folded(p for card in knowledge.cards.values() for p in card.places)
        self._neighbours = _folded(knowledge.matching.other_places)
        self._generic_names = _folded(knowledge.generic_names)
        card_words = [
            *knowledge.generic_names,
            *(n for c in knowledge.cards.values() for n in [c.name, *c.aliases, *c.tiers.values()]),
            *knowledge.card_holders,
        ]
        # longest first, so that taking them out of a question leaves no piece (云聚英才卡, not 云聚)
        self._card_words = _folded(sorted(card_words, key=len, reverse=True))
        self._aliases = sorted(
            (
                (fold_question(alias), position)
                for position, e in enumerate(self.index.entries)
                for alias in e.aliases
            ),
            key=lambda pair: -len(pair[0]),
        )
        self._families = _families(self.index.entries)
        self._positions = {entry.id: position for position, entry in enumerate(self.index.entries)}
        self._sections = _sections(self.index.entries)
        sections = np.array(self._sections)
        self._section_masks = {section: sections == section for section in set(self._sections)}
        # remembered per answerer: a follow-up asks it again of the question just scoped
        self.scope = lru_cache(maxsize=SCOPES_REMEMBERED)(self._scope)
        self._follow_up_marks = follow_up_marks(knowledge.matching.follow_up_marks)

    # --- what the question names ------------------------------------------------------------------

    def named_groups(self, text: str) -> set[str]:
        """Cards and shared material (齐惠保) the folded question names."""
        return {group for group, names in self._names.items() if any(n in text for n in names)}

    def _names_card(self, text: str) -> bool:
        """A card named by a word of its own (云聚英才, 保障卡), not by a generic one (人才卡)."""
        return any(
            n in text and n not in self._generic_names
            for card in self.knowledge.cards
            for n in self._names[card]
        )

    def _names_programme(self, text: str) -> bool:
        return bool(self.named_groups(text)) or any(n in text for n in self._generic_names)

    def _other_place(self, text: str) -> bool:
        """Another place's programme: a neighbouring district, or a place the knowledge never mentions
        named with a programme word, while none of our places or programmes is named."""
        if any(p in text for p in self._our_places) or self._names_card(text):
            return False
        if any(p in text for p in self._neighbours):
            return True
        places = [  # the card's words are no place (jieba may read 英才 of 英才卡, or 福利, as one)
            w.text
            for w in self._lexicon.words(_without(text, [*self._card_words, *self.knowledge.card_benefits]))
            if w.is_place and not self.index.knows(w.text, False)
        ]
        return bool(places) and any(n in text for n in self._generic_names)

    def _named_entries(self, text: str, allowed: np.ndarray | None) -> set[int]:
        """Entries whose alias the question contains, the longest alias first: 区第二人民医院 is not 人民医院.
        A name is found across a space (人民 医院, as pinyin renmin yiyuan is written in characters)."""
        text = _CJK_GAP.sub("", text)
        named: set[int] = set()
        for alias, position in self._aliases:
            if alias in text and (allowed is None or allowed[position]):
                named.add(position)
                text = text.replace(alias, " ")
        return named

    def _allowed(self, card: str | None, named: set[str]) -> np.ndarray | None:
        """What the question names (a card without its shared material: 张店企业家卡有效期 asks about the
        card, not 齐惠保's cover); else the user's card and the shared material it includes; everything
        for a user with no card who names nothing."""
        groups = set(named)
        if card in self.knowledge.cards and not groups & self.knowledge.cards.keys():
            groups |= self.knowledge.offered_to(card)
        if not groups:
            return None
        mask = np.zeros(len(self.index.entries), dtype=bool)
        for group in groups:
            mask |= self._group_masks.get(group, False)
        return mask

    # --- answering --------------------------------------------------------------------------------

    def answer(self, question: str, card: str | None = None, after: str | None = None) -> Answer:
        """`after`: the entry the user was answered with just before, if any (a follow-up may lean on it)."""
        alone = self._answer_message(question, card)
        previous = self._positions.get(after) if after is not None else None
        if previous is None or alone.outcome == "overview":
            return alone
        return self._in_context(alone, question, card, previous)

    def _in_context(self, alone: Answer, question: str, card: str | None, previous: int) -> Answer:
        """A follow-up (要带什么材料, 电话多少 right after an answer about 落户) read as being about the
        previous answer's section: the question is searched with that entry's title before it. The reading
        is kept only if it lands in the same section and the entry it finds holds every topic word the
        question says (体检在哪做 after 落户 is a question of its own), and if the question alone was not
        already answered from that section."""
        section = self._sections[previous]
        if alone.entry is not None and self._sections[self._positions[alone.entry.id]] == section:
            return alone
        scope = self.scope(self.written_in_characters(fold_question(question)), card)
        within = self._section_masks[section]
        # 为什么, 是吗 name nothing to look up; a word the knowledge never uses is no follow-up
        if scope.empty or scope.unknown:
            return alone
        if not all(self.index.used_in(w.text, within) for w in scope.known):
            return alone  # it names something the section does not: not searched again (most questions)
        contextual = self._answer_one(f"{self.index.entries[previous].title} {question}", card)
        if contextual.entry is None:
            return alone
        found = self._positions[contextual.entry.id]
        if self._sections[found] != section or scope.uncovered_share(lambda w: self.index.holds(found, w)):
            return alone
        return replace(contextual, question=question, card=card)

    def _answer_message(self, question: str, card: str | None) -> Answer:
        whole = replace(self._answer_one(question, card), card=card)
        questions = split_questions(question, self._follow_up_marks)
        if len(questions) < 2:
            return whole
        first = self._answer_one(questions[0], card)
        # The first question answered alone, unless the message as a whole reads as one other question
        # (户口在淄博、医保在外地，能买齐惠保吗: a condition, then the question).
        if first.answered and (not whole.answered or whole.entry == first.entry):
            return replace(first, question=question, card=card, follow_up="，".join(questions[1:]))
        return whole

    def written_in_characters(self, text: str) -> str:
        """Toneless pinyin words (ruxue, liaoyang) written as the knowledge's words that sound so (入学,
        疗养) where jieba knows such a word: the question is then matched and scoped like one typed in
        characters. English words (CC-CEDICT glosses by them) and `keywords_en` stay as they are, and so
        does a question in English: its pinyin words (Zibo, Zhongyi) are names its English is read with."""

        reader = self.index.reader
        latin = [w for w in _LATIN_WORD.findall(text) if w not in self.knowledge.matching.stopwords_en]
        if not _CJK_CHAR.search(text) and not all(reader.syllables(w) for w in latin):
            return text  # English: its pinyin words are names
        # Wholly in pinyin, a word that is English too (baiyun, ban) is pinyin; among characters, English.
        in_pinyin = not _CJK_CHAR.search(text)

        def pinyin(run: str) -> list[str] | None:
            if in_pinyin:
                return reader.syllables(run)
            return None if is_english(run) else reader.pinyin_syllables(run)

        def spelled(words: list[str]) -> str | None:
            syllables = [pinyin(w) for w in words]
            if not all(syllables):
                return None
            joined = [s for word in syllables for s in word or ()]
            found = [w for w in self.index.spellings(joined) if self._lexicon.is_word(w)]
            return found[0] if found else None

        def write(match: re.Match[str]) -> str:
            # Words of one syllable are typed apart (di er: 第二): the longest run of words that spells
            # a word is written as it, from the left.
            words, written = match.group().split(), []
            while words:
                for end in range(min(len(words), MAX_PINYIN_WORDS), 0, -1):
                    if chinese := spelled(words[:end]):
                        written.append(f" {chinese} ")
                        break
                else:
                    end = 1
                    written.append(words[0])
                words = words[end:]
            return " ".join(written)

        return _LATIN_RUN.sub(write, text)

    def _answer_one(self, question: str, card: str | None) -> Answer:
        text = self.written_in_characters(fold_question(question))
        names_card = self._names_the_card(text)
        about_card = self._card_meant(text, card) if names_card else None
        if self._other_place(text):
            return Answer(question, None, 0.0, ())
        if names_card and self._asks_what_the_card_gives(text):
            # No card named and none chosen (这卡有什么用 before /start's choice): the overview asks which.
            sections = self.knowledge.sections(about_card) if about_card else []
            services = tuple(Suggestion(e, 1.0) for e in sections)
            return Answer(question, None, 1.0, services, "overview", about_card=about_card)
        named_groups = self.named_groups(text)
        allowed = self._allowed(card, named_groups)
        matching = self.knowledge.matching
        # 人才卡, talent card: which programme, not what about it (most entries name their card)
        # 人才卡, 这卡, this card: which programme, not what about it (many entries say 持卡 or 凭卡 in
        # passing). Any other English "card" stays: it may be an ID card.
        asked = _THE_CARD.sub(" ", _without(text, self._generic_names))
        ranked = self.index.search(asked, allowed, limit=matching.max_alternatives + 1)
        scope = self.scope(text, card)
        named = self._named_entries(text, allowed)
        ranked = self._names_first(ranked, named, text)
        if ranked and not named:
            ranked = self._focus_first(self._covering_first(ranked, scope), scope)
        if (
            not ranked
            or (not named and self._names_nothing(text, scope))
            or scope.unknown_share >= UNCOVERED_SHARE
            or self._about_the_card(text, scope)
            or not self._english_names_something(text)
        ):
            return Answer(question, None, ranked[0].score if ranked else 0.0, (), about_card=about_card)
        top = ranked[0].position
        confidence = _confidence(ranked[0].score, scope.uncovered_share(lambda w: self.index.holds(top, w)))
        if ranked[0].position in named and scope.unknown_share < NAMED_UNCOVERED_SHARE:
            confidence = max(confidence, matching.answer_threshold)  # it names this entry's subject
        entries = self.index.entries
        suggestions = tuple(
            Suggestion(entries[s.position], s.score)
            for s in ranked
            if s.score >= matching.alternative_threshold
        )
        unstated = any(fact.unstated(text, entries[top].body) for fact in matching.asked_facts)
        vague = not named and self._names_no_subject(text, scope)
        if confidence >= matching.answer_threshold and not unstated and not vague:
            return Answer(
                question,
                entries[top],
                confidence,
                suggestions[1 : matching.max_alternatives + 1],
                "answer",
            )
        if suggestions and scope.unknown_share < UNSURE_SHARE:
            return Answer(question, None, confidence, suggestions[: matching.max_alternatives], "unsure")
        return Answer(question, None, confidence, (), about_card=about_card)

    def _scope(self, text: str, card: str | None) -> Topic:
        """The topic words of the folded question, known or not to the knowledge this user is answered
        from (`scope`)."""
        allowed = self._allowed(card, self.named_groups(text))
        return topic(
            self.index.reader.clean(text), self._knows_within(allowed), self._lexicon, self.particular
        )

    def _knows_within(self, allowed: np.ndarray | None) -> Callable[[str, bool], bool]:
        """Whether the knowledge the user is answered from uses a word: a word only another card's guide
        uses (法律咨询 asked by a 张店 holder) is not covered for this user. A homophone typo is judged by
        the whole knowledge (its characters are not the guide's)."""

        def knows(word: str, typo: bool) -> bool:
            if not self.index.knows(word, typo):
                return False
            return allowed is None or not self.index.knows(word, False) or self.index.used_in(word, allowed)

        return knows

    def _names_first(self, ranked: list[Scored], named: set[int], question: str) -> list[Scored]:
        """Entries the question names by alias (and their details) come before any others."""
        if not named:
            return ranked
        family = set().union(*(self._families[p] for p in named))
        scored = {s.position: s for s in ranked}
        for position in named - scored.keys():
            scored[position] = Scored(position, self.index.score(question, position))
        first = sorted((s for s in scored.values() if s.position in family), key=lambda s: -s.score)
        lead = [replace(s, score=max(s.score, self.knowledge.matching.answer_threshold)) for s in first[:1]]
        return lead + first[1:] + [s for s in ranked if s.position not in family]

    def _covering_first(self, ranked: list[Scored], scope: Topic) -> list[Scored]:
        """The candidates by confidence: a close score that leaves part of the topic uncovered comes after
        one that covers it (能预约体检吗: the museum takes bookings too, but only the check-up says 体检)."""
        if not scope.known:
            return ranked  # every candidate covers as little: the scores decide

        def confidence(scored: Scored) -> float:
            return _confidence(
                scored.score, scope.uncovered_share(lambda w: self.index.holds(scored.position, w))
            )

        return sorted(ranked, key=lambda s: -confidence(s))

    def _focus_first(self, ranked: list[Scored], scope: Topic) -> list[Scored]:
        """A candidate that holds the question's focus word and covers more of its topic comes before a
        top match that lacks the word or mentions it only in an alternate question. Whole-question
        similarity favours a near-identical alternate question whose one differing word is the subject
        (入党申请 for 入学申请), and a word mentioned only in an alternate question (体检和疗养能都要吗 on the
        check-up) is not the entry's topic: such a mention covers half. A section and its details are one
        topic (the section's questions speak for its details): their order is left to the score."""
        focus = scope.focus
        if focus is None:
            return ranked
        floor = self.knowledge.matching.alternative_threshold

        def held(position: int) -> Callable[[str], float]:
            def share(word: str) -> float:
                if self.index.states(position, word):
                    return 1.0
                return PASSING_MENTION if self.index.holds(position, word) else 0.0

            return share

        top = held(ranked[0].position)
        lacking = scope.uncovered_share(top)
        better = [
            (scope.uncovered_share(share), s)
            for s in ranked[1:]
            if s.score >= floor
            and not self._related(ranked[0].position, s.position)
            and (share := held(s.position))(focus.text) > top(focus.text)
        ]
        if not better or min(better, key=lambda b: b[0])[0] >= lacking:
            return ranked
        best = min(better, key=lambda b: b[0])[1]
        return [best, *(s for s in ranked if s is not best)]

    def _names_nothing(self, text: str, scope: Topic) -> bool:
        """Chinese without a topic word or a noun (好的, 是吗, 在哪, 为什么): a reply or a fragment, about
        nothing the guides could answer. A common noun may carry the topic (法律问题问了, 开个新公司)."""
        return scope.empty and bool(_CJK_CHAR.search(text)) and not self._nouns(text)

    def _names_no_subject(self, text: str, scope: Topic) -> bool:
        """Its one topic word is one most entries use (电话, 电话多少) and it has no other noun: the phone of
        what? Entries to choose from, not one picked by chance (电话 got the airport's booking line at
        0.89). Several such words together (看病 绿色通道 医院), a common noun beside it (区领导 联系 人才)
        or a name (区医院) say what is meant."""
        if scope.unknown or len(scope.known) != 1 or not self._nouns(text) <= {scope.known[0].text}:
            return False
        return not self._is_thing(scope.known[0].text)

    def _nouns(self, text: str) -> set[str]:
        """The Chinese nouns of the question, of two characters or more."""
        words = self._lexicon.words(self.index.reader.clean(text))
        return {w.text for w in words if len(w.text) > 1 and (w.tag[:1] == "n" or w.tag == "vn")}

    def _related(self, one: int, other: int) -> bool:
        return other in self._families[one] or one in self._families[other]

    def _names_the_card(self, text: str) -> bool:
        """A programme, a card (这卡, my card) or its holders (持卡人) is named."""
        return (
            self._names_programme(text)
            or _names_a_card(text)
            or any(holder in text for holder in self.knowledge.card_holders)
        )

    def _card_meant(self, text: str, card: str | None) -> str | None:
        """The programme a question naming a card (`_names_the_card`) refers to: the one it names, else
        the user's."""
        named = [c for c in self.named_groups(text) if c in self.knowledge.cards]
        return named[0] if len(named) == 1 else card

    def _about_the_card(self, text: str, scope: Topic) -> bool:
        """The card itself is the question's subject (applying for it, losing it, its tiers): the card is
        named and no other thing the knowledge knows is (its known topic words are card words, words
        most entries use, such as 办理, or what one does with a card: `card_actions`). English is judged
        by the Chinese words it translates to."""
        if not (self._names_programme(text) or _names_a_card(text)):
            return False
        if scope.known or scope.unknown:
            return not any(map(self._names_a_service, scope.known))
        if _CJK_CHAR.search(text):
            return True  # the card and no topic word (这卡能给家人用吗): the card is what is asked about
        if not _ENGLISH_CARD.search(text):
            return False  # in English, "card" says the card is the subject ("entrepreneur" alone does not)
        english = self.index.reader.english_words(_ENGLISH_CARD.sub(" ", _without(text, self._card_words)))
        if not english:
            return False  # nothing but the card's name: let the matcher show what it has
        return not any(
            translations is None  # pinyin: a Chinese word, so a thing
            or any(
                self._is_thing(chinese) and self._lexicon.words(chinese)[0].tag.startswith("n")
                for chinese in translations
            )
            for _, translations in english
        )

    def _asks_what_the_card_gives(self, text: str) -> bool:
        """The card is named and asked only what it gives (这卡有什么用, 英才卡有哪些福利), or named alone
        (云聚英才卡): a benefit word (`card_benefits`) or nothing else, and besides the card's own words no
        thing the knowledge knows and nothing one does with a card (英才卡到期了还有福利吗 asks about
        renewing it)."""
        benefits = self.knowledge.card_benefits
        rest = _ENGLISH_CARD.sub(
            " ", _THE_CARD.sub(" ", _without(_without(text, self._card_words), benefits))
        )
        if not any(b in text for b in benefits) and _CONTENT.search(self.index.reader.clean(rest)):
            return False
        if any(action in rest for action in self.knowledge.card_actions):
            return False
        if self.index.reader.english_words(rest):
            return False  # what the card offers *for* something: that thing is the question
        scope = topic(self.index.reader.clean(rest), self.index.knows, self._lexicon, self.particular)
        return not any(map(self._names_a_service, scope.known))

    def _names_a_service(self, word: Word) -> bool:
        """A known topic word naming something the guides offer, beside the card: a noun or a verb (a
        service is often a verb: 体检, 接送机), not what one does with a card, not in most entries."""
        return (
            word.tag[:1] in "nv"
            and word.text not in self.knowledge.card_actions
            and self._is_thing(word.text)
        )

    def particular(self, word: str) -> bool:
        """A word that can name a topic: not our place (张店区, 广州市), not a card word (云聚英才, 企业家):
        those say which programme is meant, not what about it."""
        return (
            word.rstrip("区市省") not in self._our_places
            and not self._is_card_word(word)
            and word not in self.knowledge.matching.people
        )

    def _is_card_word(self, word: str) -> bool:
        """Part of a card's name, alias or tier, or of a generic card name (人才卡)."""
        return any(word in name for name in self._card_words)

    def _english_names_something(self, text: str) -> bool:
        """A question in English names something the knowledge has: a word translating to an uncommon
        Chinese word it uses (hospital: 医院), or a word of its `keywords_en` that is not a common one
        (vip). Common words alone ("what is 17 times 23": 时间) match entries by accident. Questions with
        Chinese or pinyin are judged by scope."""
        if _CJK_CHAR.search(text):
            return True
        for word, translations in self.index.reader.english_words(text):
            if translations is None:
                return True  # pinyin: a Chinese word
            if any(not self._lexicon.is_common(chinese) for chinese in translations):
                return True
            if self.index.english_token(word) and not translations:
                return True
        return False

    def _is_thing(self, word: str) -> bool:
        """A word naming something particular of the knowledge: not a card word, not in most entries."""
        return not self._is_card_word(word) and self.index.entry_share(word) < GENERIC_SHARE


def _confidence(score: float, uncovered: float) -> float:
    return round(score * (1 - UNCOVERED_PENALTY * uncovered), 4)


def _names_a_card(text: str) -> bool:
    return bool(_CHINESE_CARD.search(text) or _ENGLISH_CARD.search(text))


def _without(text: str, words: Iterable[str]) -> str:
    for word in words:
        text = text.replace(word, " ")
    return text


def _folded(words: Iterable[str]) -> tuple[str, ...]:
    return tuple(fold_question(w) for w in words)


def _sections(entries: tuple[Entry, ...]) -> list[int]:
    """Each entry's top-level section (itself, for a section)."""
    positions = {entry.id: position for position, entry in enumerate(entries)}

    def top(position: int) -> int:
        parent = entries[position].parent
        return top(positions[parent]) if parent in positions else position

    return [top(position) for position in range(len(entries))]


def _families(entries: tuple[Entry, ...]) -> list[set[int]]:
    """Each entry with the entries below it (a section and its details)."""
    positions = {entry.id: position for position, entry in enumerate(entries)}
    families = [{position} for position in range(len(entries))]
    for position, entry in enumerate(entries):
        if entry.parent in positions:
            families[positions[entry.parent]].add(position)
    return families
