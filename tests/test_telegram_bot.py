"""The whole Telegram channel through a real python-telegram-bot Application; only HTTP is fake."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from telegram import Update

from bot.answers.qa import Answerer
from bot.app import set_command_menus
from bot.holders.registry import import_registry, parse_registry
from bot.kb.loader import KnowledgeBase, load_knowledge
from bot.services import Services
from bot.settings import Settings
from bot.texts import t
from db.models import Handover, QuestionLog, User, Vote
from db.session import Database
from tests.knowledge_factory import CARDS, entry_file, small_knowledge
from tests.telegram_harness import ADMIN, STAFF_CHAT, FakeClock, Harness, make_harness

ALICE, BOB, STAFFER = 101, 102, 555
REGISTRY = "card_number,card,holder_name,tier,valid_until\nZD0002,zhangdian,李四,outstanding,2030-12-31\n"


def settings(knowledge_dir: Path) -> Settings:
    return Settings(
        _env_file=None,
        telegram_bot_token="123:TEST",
        knowledge_dir=knowledge_dir,
        staff_chat_id=STAFF_CHAT,
        admin_ids=[ADMIN],
        database_url="sqlite+aiosqlite://",
    )


async def harness_for(knowledge: KnowledgeBase, knowledge_dir: Path, database: Database) -> Harness:
    clock = FakeClock()
    svc = Services(settings(knowledge_dir), knowledge, Answerer(knowledge), database, clock)
    async with database.session() as session:
        await import_registry(session, parse_registry(REGISTRY, CARDS))
    return make_harness(svc, clock)


@pytest.fixture
async def bot(database: Database, shipped: KnowledgeBase) -> AsyncIterator[Harness]:
    harness = await harness_for(shipped, Path("knowledge"), database)
    async with harness.app:
        yield harness


async def choose_card(bot: Harness, user: int, card: str) -> None:
    await bot.say(user, "/start")
    await bot.press(user, f"card:{card}", bot.last_message(user))


async def test_start_offers_the_cards_and_remembers_the_choice(bot: Harness) -> None:
    await bot.say(ALICE, "/start", first_name="Alice")
    welcome = bot.last_message(ALICE)
    assert "Alice" in welcome["text"]
    assert [data for _, data in bot.fake.buttons(welcome)] == ["card:zhangdian", "card:baiyun"]
    await bot.press(ALICE, "card:baiyun", welcome)
    assert "白云区云聚英才卡" in bot.fake.last_text(ALICE)
    async with bot.svc.db.session() as session:
        assert (await session.get(User, ALICE)).card == "baiyun"  # type: ignore[union-attr]


async def test_binding_right_wrong_and_over_the_limit(bot: Harness) -> None:
    await bot.say(ALICE, "/bind")
    assert "卡号" in bot.fake.last_text(ALICE)
    await bot.say(ALICE, "ZD9999")
    assert "还可尝试 4 次" in bot.fake.last_text(ALICE)
    await bot.say(ALICE, "ZD0002")
    assert (
        bot.fake.last_text(ALICE) == "✅ 绑定成功：李四，张店区优秀企业家服务保障卡（突出贡献优秀企业家）。"
    )

    for n in range(5):
        await bot.say(BOB, f"/bind WRONG{n}")
    await bot.say(BOB, "/bind ZD0002")
    assert "请 60 分钟后再试" in bot.fake.last_text(BOB)


async def test_a_bound_outstanding_holder_sees_the_tier_benefit_as_theirs(bot: Harness) -> None:
    await bot.say(ALICE, "/bind ZD0002")
    await bot.say(ALICE, "突出贡献企业家疗养去哪")
    assert "⭐ 您的突出贡献优秀企业家待遇" in bot.fake.last_text(ALICE)
    await choose_card(bot, BOB, "zhangdian")
    await bot.say(BOB, "突出贡献企业家疗养去哪")
    assert "【仅限突出贡献优秀企业家】" in bot.fake.last_text(BOB)


async def test_a_question_gets_the_answer_source_phone_and_buttons(bot: Harness) -> None:
    await choose_card(bot, ALICE, "baiyun")
    await bot.say(ALICE, "区图书馆电话多少")
    reply = bot.last_message(ALICE)
    assert "36214296" in reply["text"] and "来源：白云区云聚英才卡 · 四、文化体育服务" in reply["text"]
    data = [d for _, d in bot.fake.buttons(reply)]
    assert any(d.startswith("alt:") for d in data) and any(d.startswith("fb:") for d in data)

    await bot.press(ALICE, bot.button(reply, "alt:"), reply)
    opened = bot.last_message(ALICE)
    assert opened["message_id"] != reply["message_id"] and "fb:" in bot.button(opened, "fb:")
    async with bot.svc.db.session() as session:
        logged = (await session.execute(select(QuestionLog))).scalar_one()
        assert logged.outcome == "alternative" and logged.entry_id != "baiyun.culture.library"


async def test_feedback_is_stored_and_another_users_question_is_refused(bot: Harness) -> None:
    await choose_card(bot, ALICE, "zhangdian")
    await bot.say(ALICE, "区中医院绿色通道电话")
    reply = bot.last_message(ALICE)
    up = bot.button(reply, "fb:")
    await bot.press(ALICE, up, reply)
    assert bot.fake.callback_answers[-1]["text"] == "谢谢您的反馈！"
    await bot.press(BOB, up, reply)  # callback data replayed by someone else
    assert bot.fake.callback_answers[-1]["text"] == "这条内容不属于您。"
    await bot.press(BOB, "ho:" + up.split(":")[1], reply)
    assert bot.fake.callback_answers[-1]["text"] == "这条内容不属于您。"
    assert bot.fake.messages_to(STAFF_CHAT) == []
    async with bot.svc.db.session() as session:
        votes = list((await session.execute(select(Vote))).scalars())
        assert [(v.user_id, v.value) for v in votes] == [(ALICE, 1)]


async def test_handover_round_trip_with_escaping_and_a_repost_after_an_hour(bot: Harness) -> None:
    await choose_card(bot, ALICE, "zhangdian")
    await bot.say(ALICE, "<b>卡</b> & 丢了 13912345678 咋补办", first_name="<i>A&B</i>")
    declined = bot.last_message(ALICE)
    assert t("not_covered", "zh") in declined["text"]
    await bot.press(ALICE, bot.button(declined, "ho:"), declined, first_name="<i>A&B</i>")
    await bot.press(ALICE, bot.button(declined, "ho:"), declined, first_name="<i>A&B</i>")  # double tap: once
    [post] = bot.fake.messages_to(STAFF_CHAT)
    [staff_call] = [c for c in bot.fake.calls_of("sendMessage") if str(c["chat_id"]) == str(STAFF_CHAT)]
    assert (
        "&lt;b&gt;卡&lt;/b&gt; &amp; 丢了" in staff_call["text"]
        and "&lt;i&gt;A&amp;B&lt;/i&gt;" in staff_call["text"]
    )
    assert "<i>A&B</i>" in post["text"] and "张店区优秀企业家服务保障卡" in post["text"]

    bot.fake.members[(STAFF_CHAT, BOB)] = "left"
    await bot.say(BOB, "我不是工作人员", chat_id=STAFF_CHAT, chat_type="supergroup", reply_to_message=post)
    assert bot.fake.last_text(STAFF_CHAT) == "仅限工作人员操作。"

    bot.clock.advance(timedelta(minutes=61))
    await __import__("bot.handlers.staff", fromlist=["x"]).repost_overdue(bot.job_context())
    repost = bot.fake.messages_to(STAFF_CHAT)[-1]
    assert repost["text"].startswith("⏰ 超过1小时未回复")

    bot.fake.members[(STAFF_CHAT, STAFFER)] = "member"
    await bot.say(
        STAFFER, "请带身份证到<窗口>办理", chat_id=STAFF_CHAT, chat_type="supergroup", reply_to_message=repost
    )
    assert bot.fake.last_text(ALICE) == "💬 工作人员回复：\n请带身份证到<窗口>办理"
    assert bot.fake.last_text(STAFF_CHAT) == "✅ 已送达用户。"
    async with bot.svc.db.session() as session:
        handover = (await session.execute(select(Handover))).scalar_one()
        assert handover.first_reply_at == bot.clock.now


async def test_long_answers_are_split_with_buttons_under_the_last_part(
    database: Database, tmp_path: Path
) -> None:
    folder = small_knowledge(tmp_path / "knowledge")
    entry_file(
        folder,
        "09-long.md",
        id="zd.long",
        card="zhangdian",
        title="超长说明",
        keywords=["超长说明"],
        body="\n\n".join(f"第{n}条：材料<原件>&复印件。" * 15 for n in range(11)),
    )
    knowledge = load_knowledge(folder)
    bot = await harness_for(knowledge, folder, database)
    async with bot.app:
        await choose_card(bot, ALICE, "zhangdian")
        before = len(bot.fake.calls_of("sendMessage"))
        await bot.say(ALICE, "超长说明")
    sent = bot.fake.calls_of("sendMessage")[before:]
    assert len(sent) == 2 and all(len(call["text"]) <= 4096 for call in sent)
    assert "reply_markup" not in sent[0] and "fb:" in str(sent[1]["reply_markup"])
    assert sum(call["text"].count("&lt;原件&gt;&amp;") for call in sent) == 11 * 15  # nothing lost


async def test_stickers_unknown_commands_and_english_users(bot: Harness) -> None:
    await bot.feed(bot.fake.make_sticker_update(ALICE))
    assert "文字" in bot.fake.last_text(ALICE)
    await bot.say(ALICE, "/whatever")
    assert "/menu" in bot.fake.last_text(ALICE)
    await bot.say(BOB, "/help", language_code="en")
    assert bot.fake.last_text(BOB).startswith("Just type a question")


async def test_menu_browses_sections_and_details(bot: Harness) -> None:
    await bot.say(ALICE, "/menu")
    assert bot.fake.last_text(ALICE) == "请先选择您的卡："
    await choose_card(bot, ALICE, "zhangdian")
    await bot.say(ALICE, "/menu")
    menu = bot.last_message(ALICE)
    assert "entry:zhangdian.medical" in [d for _, d in bot.fake.buttons(menu)]
    await bot.press(ALICE, "entry:zhangdian.medical", menu)
    section = bot.last_message(ALICE)
    assert "entry:zhangdian.medical.zhongyi" in [d for _, d in bot.fake.buttons(section)]


async def test_forget_deletes_the_users_data_after_confirmation(bot: Harness) -> None:
    await choose_card(bot, ALICE, "baiyun")
    await bot.say(ALICE, "区总工会电话")
    await bot.say(ALICE, "/forget")
    confirm = bot.last_message(ALICE)
    await bot.press(ALICE, "forget:no", confirm)
    async with bot.svc.db.session() as session:
        assert await session.get(User, ALICE) is not None
    await bot.press(ALICE, "forget:yes", confirm)
    async with bot.svc.db.session() as session:
        assert await session.get(User, ALICE) is None
        assert (await session.execute(select(QuestionLog))).first() is None


async def test_command_menus_per_scope_and_language(bot: Harness) -> None:
    await set_command_menus(bot.app)
    default = [c["command"] for c in bot.fake.commands["default"][""]]
    assert "menu" in default and "unanswered" not in default
    assert bot.fake.commands["default"]["en"][0]["description"] == "Choose your card"
    assert "unanswered" in [c["command"] for c in bot.fake.commands[f"chat:{ADMIN}"][""]]


async def test_admins_list_unanswered_questions_others_cannot(bot: Harness) -> None:
    await bot.say(ALICE, "讲个<笑话>")
    await bot.say(ALICE, "/unanswered")
    assert bot.fake.last_text(ALICE) == "仅限管理员操作。"  # not an admin: refused
    await bot.say(ADMIN, "/unanswered")
    assert "讲个<笑话>" in bot.fake.last_text(ADMIN)


async def test_a_failure_is_logged_and_the_user_told_politely(
    bot: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    bot.fake.fail_next("sendMessage", status=400, description="Bad Request: chat not found")
    await bot.say(ALICE, "区中医院电话")
    assert bot.fake.last_text(ALICE) == "抱歉，系统出了点问题，请稍后再试。"
    assert "error while handling an update" in caplog.text


@pytest.fixture
async def small_bot(database: Database, tmp_path: Path) -> AsyncIterator[Harness]:
    folder = small_knowledge(tmp_path / "knowledge")
    harness = await harness_for(load_knowledge(folder), folder, database)
    async with harness.app:
        yield harness


async def test_unsure_shows_suggestions_and_hand_over_but_no_answer(small_bot: Harness) -> None:
    await choose_card(small_bot, ALICE, "zhangdian")
    await small_bot.say(ALICE, "周末看病的事")
    reply = small_bot.last_message(ALICE)
    assert reply["text"] == t("unsure", "zh")
    data = [d for _, d in small_bot.fake.buttons(reply)]
    assert any(d.startswith("alt:") for d in data) and data[-1].startswith("ho:")
    assert not any(d.startswith("fb:") for d in data)


async def test_not_covered_says_so_names_the_card_contact_and_offers_staff(small_bot: Harness) -> None:
    await choose_card(small_bot, ALICE, "baiyun")
    await small_bot.say(ALICE, "我的卡不见了要去哪里补")
    reply = small_bot.last_message(ALICE)
    contact = small_bot.svc.knowledge.cards["baiyun"].contact
    assert t("not_covered", "zh") in reply["text"] and contact and contact in reply["text"]
    assert [d for _, d in small_bot.fake.buttons(reply)] == [small_bot.button(reply, "ho:")]


async def test_what_the_card_gives_is_its_services_as_buttons(small_bot: Harness) -> None:
    await choose_card(small_bot, ALICE, "zhangdian")
    await small_bot.say(ALICE, "这卡有什么用")
    reply = small_bot.last_message(ALICE)
    assert reply["text"] == t("overview", "zh", card="张店区优秀企业家服务保障卡")
    sections = small_bot.svc.knowledge.sections("zhangdian")
    titles = [title for title, data in small_bot.fake.buttons(reply) if data.startswith("alt:")]
    assert titles == [f"🔎 {e.title}" for e in sections] and sections[-1].card == "general"
    await small_bot.press(ALICE, small_bot.button(reply, "alt:"), reply)
    assert sections[0].title in small_bot.fake.last_text(ALICE)
    async with small_bot.svc.db.session() as session:
        logged = (await session.execute(select(QuestionLog))).scalar_one()
        assert logged.answered  # what was asked is answered: not a gap for /unanswered


async def test_what_the_card_gives_before_choosing_a_card_asks_which_and_then_lets_it_be_chosen(
    small_bot: Harness,
) -> None:
    await small_bot.say(ALICE, "这张卡有哪些福利")
    reply = small_bot.last_message(ALICE)
    assert reply["text"] == t("choose_card_first", "zh")
    data = [d for _, d in small_bot.fake.buttons(reply)]
    assert data[:-1] == [f"card:{card}" for card in small_bot.svc.knowledge.cards] and data[-1].startswith(
        "ho:"
    )
    await small_bot.press(ALICE, "card:baiyun", reply)
    assert "白云区云聚英才卡" in small_bot.fake.last_text(ALICE)
    await small_bot.say(ALICE, "这张卡有哪些福利")
    assert small_bot.last_message(ALICE)["text"] == t("overview", "zh", card="白云区云聚英才卡")


async def test_a_follow_up_within_ten_minutes_leans_on_the_last_answer(small_bot: Harness) -> None:
    await choose_card(small_bot, ALICE, "zhangdian")
    await small_bot.say(ALICE, "中医院看病怎么走绿色通道")
    phone = small_bot.svc.knowledge.by_id["zd.hospital"].phones[0]
    assert phone in small_bot.fake.last_text(ALICE)
    await small_bot.svc.questions.flush()  # written behind the reply; a person's next message comes later
    await choose_card(small_bot, BOB, "zhangdian")
    await small_bot.say(BOB, "景区门票要买吗")  # another user's last answer is not Alice's context
    await small_bot.svc.questions.flush()
    small_bot.clock.advance(timedelta(minutes=9))
    await small_bot.say(ALICE, "电话多少")
    assert phone in small_bot.fake.last_text(ALICE)
    await small_bot.svc.questions.flush()
    small_bot.clock.advance(timedelta(minutes=11))  # too long after: a question of its own again
    await small_bot.say(ALICE, "电话多少")
    assert small_bot.last_message(ALICE)["text"] == t("unsure", "zh")


async def test_a_second_question_is_a_button_that_answers_it(small_bot: Harness) -> None:
    await choose_card(small_bot, ALICE, "zhangdian")
    await small_bot.say(ALICE, "中医院绿色通道电话多少？景区门票要买吗")
    reply = small_bot.last_message(ALICE)
    assert "区中医院就医绿色通道" in reply["text"]
    follow_up = small_bot.button(reply, "fu:")
    await small_bot.press(BOB, follow_up, reply)  # not Bob's question
    assert small_bot.fake.callback_answers[-1]["text"] == t("not_yours", "zh")
    await small_bot.press(ALICE, follow_up, reply)
    assert "景点免门票" in small_bot.fake.last_text(ALICE)


async def test_the_second_question_button_works_at_once(small_bot: Harness) -> None:
    # pressed before the question log's write-behind has written the first question
    await choose_card(small_bot, ALICE, "zhangdian")
    update = small_bot.fake.make_text_update(ALICE, "中医院绿色通道电话多少？景区门票要买吗")
    await small_bot.app.process_update(Update.de_json(update, small_bot.app.bot))  # no flush after it
    reply = small_bot.last_message(ALICE)
    await small_bot.press(ALICE, small_bot.button(reply, "fu:"), reply)
    assert "景点免门票" in small_bot.fake.last_text(ALICE)
