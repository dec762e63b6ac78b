"""Admins keep the knowledge right from the chat: upload, reload, rollback, the regression gate and
/unanswered, through the real Application and the fake Bot API, on a fixture knowledge folder."""

from __future__ import annotations

import asyncio
import tempfile
import threading
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.admin import reload as knowledge
from bot.admin import unanswered
from bot.admin.archive import UPLOAD_SUFFIXES, checksum
from bot.app import set_command_menus
from bot.handlers import admin as admin_handlers
from bot.kb.loader import load_knowledge
from db.models import KnowledgeVersion
from db.session import Database
from tests.knowledge_factory import entry_file, small_knowledge, zip_files
from tests.telegram_harness import ADMIN, Harness
from tests.test_telegram_bot import harness_for

ALICE = 101
TICKET_QUESTION = "去景区要买门票吗"
REGRESSION = f"""cases:
  - {{q: {TICKET_QUESTION}, card: zhangdian, entry: zd.ticket}}
  - {{q: 中医院的服务专员是谁, card: zhangdian, entry: zd.hospital}}
"""


@pytest.fixture
async def bot(database: Database, tmp_path: Path) -> AsyncIterator[Harness]:
    folder = small_knowledge(tmp_path / "knowledge")
    (folder / "regression.yaml").write_text(REGRESSION, encoding="utf-8")
    harness = await harness_for(load_knowledge(folder), folder, database)
    await knowledge.start(harness.svc)
    async with harness.app:
        yield harness


def ticket_entry(body: str, **changes: object) -> bytes:
    """The fixture's ticket entry as a file an admin would send, with `changes` to its fields."""
    scratch = Path(tempfile.mkdtemp())
    fields: dict[str, object] = {
        "id": "zd.ticket",
        "card": "zhangdian",
        "title": "景点免门票",
        "questions": ["去景区要买门票吗", "带家人旅游免票吗"],
        "keywords": ["门票", "景点", "景区", "旅游"],
        **changes,
    }
    return entry_file(scratch, "02-ticket.md", body=body, **fields).read_bytes()  # type: ignore[arg-type]


async def send_file(bot: Harness, user: int, name: str, content: bytes) -> None:
    await bot.feed(bot.fake.make_document_update(user, name, content))


async def answer_to(bot: Harness, question: str) -> str:
    await bot.say(ALICE, question)
    return bot.fake.last_text(ALICE)


async def installed_versions(bot: Harness) -> list[KnowledgeVersion]:
    async with bot.svc.db.session() as session:
        return list((await session.execute(select(KnowledgeVersion).order_by(KnowledgeVersion.id))).scalars())


async def test_an_upload_changes_the_answers_and_keeps_the_previous_version(bot: Harness) -> None:
    assert "单次2人" in await answer_to(bot, TICKET_QUESTION)
    await send_file(
        bot, ADMIN, "02-ticket.md", ticket_entry("在全区所有收费旅游景点可享受单次3人陪同免门票服务。")
    )
    reply = bot.fake.last_text(ADMIN)
    assert reply.startswith("✅") and "~ changed 1: zd.ticket" in reply and "+ added 0" in reply
    assert [call for call, _ in bot.fake.calls if call in ("getFile", "download")] == ["getFile", "download"]
    assert "单次3人" in await answer_to(bot, TICKET_QUESTION)
    assert "单次3人" in (bot.svc.settings.knowledge_dir / "zhangdian" / "02-ticket.md").read_text(
        encoding="utf-8"
    )
    baseline, upload = await installed_versions(bot)
    assert (baseline.state, upload.state, upload.parent_id) == ("installed", "installed", baseline.id)
    assert bot.svc.knowledge_version == upload.id


async def test_a_malformed_upload_changes_nothing_and_lists_every_problem(bot: Harness) -> None:
    folder = bot.svc.settings.knowledge_dir
    before = checksum(folder)
    files = {
        f"knowledge/{p.relative_to(folder).as_posix()}": p.read_bytes()
        for p in folder.rglob("*")
        if p.is_file()
    }
    files["knowledge/zhangdian/07-bad-yaml.md"] = b"---\nid: zd.bad\ntitle: [unclosed\n---\nbody\n"
    files["knowledge/zhangdian/08-dup.md"] = ticket_entry("重复的条目").replace(
        b"id: zd.ticket", b"id: zd.hospital"
    )
    files["knowledge/baiyun/09-two.md"] = (
        "---\nid: by.two\ncard: baiyun\nsection: 一、测试\nsource: {note: 测试}\nverified: 2026-11-01\n"
        "---\n电话：{{nobody.phone}}\n"
    ).encode()
    await send_file(bot, ADMIN, "knowledge.zip", zip_files(files))
    reply = "\n".join(m["text"] for m in bot.fake.messages_to(ADMIN))
    assert "4 problem(s)" in reply or "4 个问题" in reply
    assert "zhangdian/07-bad-yaml.md:3: bad YAML" in reply
    assert "zhangdian/08-dup.md:2: duplicate id 'zd.hospital' (also in zhangdian/01-hospital.md)" in reply
    assert "baiyun/09-two.md:8: unknown contact 'nobody'" in reply  # two problems in one file:
    assert "baiyun/09-two.md:1: missing field 'title'" in reply
    assert checksum(folder) == before and len(await installed_versions(bot)) == 1
    assert "单次2人" in await answer_to(bot, TICKET_QUESTION)


async def test_rollback_restores_the_previous_version(bot: Harness) -> None:
    await bot.say(ADMIN, "/rollback")
    assert bot.fake.last_text(ADMIN) == "没有可恢复的上一版本。"
    await send_file(
        bot, ADMIN, "02-ticket.md", ticket_entry("在全区所有收费旅游景点可享受单次3人陪同免门票服务。")
    )
    assert "单次3人" in await answer_to(bot, TICKET_QUESTION)
    await bot.say(ADMIN, "/rollback")
    assert bot.fake.last_text(ADMIN).startswith("↩️") and "~ changed 1: zd.ticket" in bot.fake.last_text(ADMIN)
    assert "单次2人" in await answer_to(bot, TICKET_QUESTION)
    assert "单次2人" in (bot.svc.settings.knowledge_dir / "zhangdian" / "02-ticket.md").read_text(
        encoding="utf-8"
    )


async def test_the_regression_gate_stops_a_change_until_the_admin_confirms(bot: Harness) -> None:
    moved = ticket_entry(
        "持卡人可免费停车。", title="免费停车", questions=["停车要钱吗"], keywords=["停车", "车位"]
    )
    await send_file(bot, ADMIN, "02-ticket.md", moved)
    gate = bot.last_message(ADMIN)
    assert f"「{TICKET_QUESTION}」 zd.ticket: zd.ticket → —" in gate["text"]
    assert [data for _, data in bot.fake.buttons(gate)] == ["kb:ok:2", "kb:no:2"]
    assert "单次2人" in await answer_to(bot, TICKET_QUESTION)  # nothing installed yet

    await bot.press(ADMIN, "kb:no:2", gate)
    assert bot.fake.last_text(ADMIN).startswith("已取消")
    assert "单次2人" in await answer_to(bot, TICKET_QUESTION)

    await send_file(bot, ADMIN, "02-ticket.md", moved)
    gate = bot.last_message(ADMIN)
    await bot.press(ADMIN, bot.button(gate, "kb:ok:"), gate)
    assert bot.fake.last_text(ADMIN).startswith("✅")
    assert "免费停车" in await answer_to(bot, "停车要钱吗")
    await bot.press(ADMIN, bot.button(gate, "kb:ok:"), gate)  # a second tap decides nothing
    assert bot.fake.last_text(ADMIN) == "该更改已处理过了。"


async def test_questions_during_a_reload_are_answered_from_the_old_base(
    bot: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = bot.svc.settings.knowledge_dir / "zhangdian" / "02-ticket.md"
    path.write_text(path.read_text(encoding="utf-8").replace("单次2人", "单次5人"), encoding="utf-8")
    building, release = threading.Event(), threading.Event()
    real_build = knowledge._build

    def slow_build(folder: Path):  # type: ignore[no-untyped-def]
        building.set()
        release.wait(10)
        return real_build(folder)

    monkeypatch.setattr(knowledge, "_build", slow_build)
    reload = asyncio.create_task(bot.say(ADMIN, "/reload"))
    await asyncio.to_thread(building.wait, 10)
    assert "单次2人" in await answer_to(bot, TICKET_QUESTION)  # the index is being built meanwhile
    release.set()
    await reload
    assert bot.fake.last_text(ADMIN).startswith("✅")
    assert "单次5人" in await answer_to(bot, TICKET_QUESTION)


async def test_a_reload_with_problems_keeps_the_old_base_and_reports_each(bot: Harness) -> None:
    folder = bot.svc.settings.knowledge_dir
    bad = folder / "zhangdian" / "02-ticket.md"
    bad.write_text(
        bad.read_text(encoding="utf-8").replace("title: 景点免门票", "title: 景点免门票\ntier: gold"),
        encoding="utf-8",
    )
    (folder / "contacts.yaml").write_text(
        (folder / "contacts.yaml").read_text(encoding="utf-8")
        + "  spare:\n    phone: '1'\n    source: {note: x}\n    verified: 2026-11-01\n",
        encoding="utf-8",
    )
    await bot.say(ADMIN, "/reload")
    reply = bot.fake.last_text(ADMIN)
    assert (
        "2 个问题" in reply
        and "zhangdian/02-ticket.md:6: tier:" in reply
        and "contact 'spare' is not used" in reply
    )
    assert "单次2人" in await answer_to(bot, TICKET_QUESTION)


async def test_a_phone_changed_in_one_place_reaches_every_answer_that_shows_it(bot: Harness) -> None:
    contacts = (bot.svc.settings.knowledge_dir / "contacts.yaml").read_text(encoding="utf-8")
    old = bot.svc.knowledge.contacts["zhongyi"].phone
    assert old and old in await answer_to(bot, "中医院的服务专员是谁")
    await send_file(bot, ADMIN, "contacts.yaml", contacts.replace(old, "0533-7777777").encode())
    assert "~ changed 1: zd.hospital" in bot.fake.last_text(ADMIN)
    answer = await answer_to(bot, "中医院的服务专员是谁")
    assert "0533-7777777" in answer and old not in answer
    assert bot.svc.knowledge.booking_types["hospital"].kind("zhongyi").phone == "0533-7777777"  # type: ignore[union-attr]


async def test_non_admins_are_refused_files_commands_and_buttons(bot: Harness) -> None:
    for command in ("/reload", "/rollback", "/unanswered"):
        await bot.say(ALICE, command)
        assert bot.fake.last_text(ALICE) == "仅限管理员操作。"
    await send_file(bot, ALICE, "02-ticket.md", ticket_entry("被篡改的内容"))
    assert bot.fake.last_text(ALICE) == "仅限管理员操作。"
    assert not [call for call, _ in bot.fake.calls if call in ("getFile", "download")]
    await bot.say(ALICE, TICKET_QUESTION)
    await bot.press(ALICE, "kb:ok:1", bot.last_message(ALICE))
    assert bot.fake.callback_answers[-1]["text"] == "仅限管理员操作。"
    assert len(await installed_versions(bot)) == 1


async def test_a_file_that_is_not_knowledge_is_refused(bot: Harness) -> None:
    await send_file(bot, ADMIN, "notes.yaml", b"a: 1\n")
    assert bot.fake.last_text(ADMIN).startswith("❌ 无法处理该文件：notes.yaml: the YAML files are")
    await send_file(bot, ADMIN, "evil.zip", zip_files({"../../etc/passwd.md": b"x"}))
    assert "not a knowledge file" in bot.fake.last_text(ADMIN)
    await send_file(bot, ADMIN, "huge.zip", b"0" * (3 * 1024 * 1024))
    assert "larger than 2048 KB" in bot.fake.last_text(ADMIN)
    assert len([call for call, _ in bot.fake.calls if call == "download"]) == 2  # not the huge one
    assert len(await installed_versions(bot)) == 1
    for suffix in UPLOAD_SUFFIXES:  # what the upload takes is what reaches it
        replies = len(bot.fake.messages_to(ADMIN))
        await send_file(bot, ADMIN, f"x{suffix}", b"\xff")
        assert len(bot.fake.messages_to(ADMIN)) == replies + 1
        assert bot.fake.last_text(ADMIN).startswith("❌")


async def test_admin_commands_are_only_in_the_admins_menu(bot: Harness) -> None:
    await set_command_menus(bot.app)
    default = {c["command"] for c in bot.fake.commands["default"][""]}
    admin = {c["command"] for c in bot.fake.commands[f"chat:{ADMIN}"][""]}
    assert {"reload", "rollback", "unanswered"} <= admin and not {
        "reload",
        "rollback",
        "unanswered",
    } & default


async def test_unanswered_groups_a_mix_and_an_admin_fixes_a_group_in_one_tap(bot: Harness) -> None:
    for question in ["景区停车场在哪", "景区有停车场吗", "景区停车场在哪", "讲个笑话"]:
        await bot.say(ALICE, question)
    await bot.say(ALICE, "中医院的服务专员是谁")  # answered, then disliked
    answer = bot.last_message(ALICE)
    await bot.press(ALICE, next(d for _, d in bot.fake.buttons(answer) if d.endswith(":-1")), answer)
    await bot.say(ALICE, TICKET_QUESTION)  # answered and not disliked: not listed

    await bot.say(ADMIN, "/unanswered 7d")
    listing = bot.last_message(ADMIN)
    text = listing["text"]
    assert "3 组，5 条" in text
    first = text.split("\n\n")[1]
    assert first.startswith("1. 3×") and "「景区停车场在哪」×2" in first and "「景区有停车场吗」" in first
    # not covered (the guides never mention 停车场): declined, with the closest entry still named
    assert "declined 3" in first and "(zd.ticket)" in first
    assert "disliked 1" in text and "declined 1" in text and TICKET_QUESTION not in text

    await bot.press(ADMIN, bot.button(listing, "un:a:7:"), listing)
    assert "已把「景区停车场在哪」加为 zd.ticket 的问法" in "\n".join(
        m["text"] for m in bot.fake.messages_to(ADMIN)
    )
    assert '"景区停车场在哪"' in (bot.svc.settings.knowledge_dir / "zhangdian" / "02-ticket.md").read_text(
        encoding="utf-8"
    )
    assert "景区停车场在哪" in bot.svc.knowledge.by_id["zd.ticket"].questions

    await bot.say(ADMIN, "/unanswered")
    listing = bot.last_message(ADMIN)
    assert "2 组，2 条" in listing["text"] and "景区停车" not in listing["text"]
    await bot.press(ADMIN, bot.button(listing, "un:h:7:"), listing)
    assert bot.fake.callback_answers[-1]["text"] == "已标记为已处理（1 条）。"
    await bot.say(ADMIN, "/unanswered")
    assert "1 组，1 条" in bot.fake.last_text(ADMIN)


async def test_unanswered_looks_for_the_closest_entry_of_the_groups_it_shows_only(
    bot: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked = [
        "火星上能种土豆吗",
        "今天天气怎么样",
        "如何学习游泳",
        "推荐一本小说",
        "足球比赛几点开始",
        "猫为什么怕水",
        "怎么做红烧肉",
        "飞机为什么会飞",
        "月亮离地球有多远",
        "钢琴要练多久",
        "股票明天会涨吗",
    ]
    for question in asked:
        await bot.say(ALICE, question)
    looked_up: list[str] = []
    closest = unanswered.closest_entry

    def counting(answerer: object, question: unanswered.Missed) -> object:
        looked_up.append(question.text)
        return closest(answerer, question)  # type: ignore[arg-type]

    monkeypatch.setattr(unanswered, "closest_entry", counting)
    await bot.say(ADMIN, "/unanswered")
    listing = bot.fake.last_text(ADMIN)
    groups = int(listing.split(" 组")[0].rsplit("（", 1)[1])
    shown = listing.count("最接近：")
    assert groups > admin_handlers.MAX_GROUPS >= shown > 0
    assert len(looked_up) == shown and all(text in listing for text in looked_up)


async def test_sighup_reloads_and_tells_the_admins(bot: Harness) -> None:
    path = bot.svc.settings.knowledge_dir / "zhangdian" / "02-ticket.md"
    path.write_text(path.read_text(encoding="utf-8").replace("单次2人", "单次6人"), encoding="utf-8")
    await admin_handlers.reload_on_signal(bot.app)
    assert bot.fake.last_text(ADMIN).startswith("✅") and "~ changed 1: zd.ticket" in bot.fake.last_text(
        ADMIN
    )
    assert "单次6人" in await answer_to(bot, TICKET_QUESTION)


async def test_a_stopped_change_is_void_once_another_is_installed(bot: Harness) -> None:
    moved = ticket_entry("持卡人可免费停车。", title="免费停车", questions=["停车要钱吗"], keywords=["停车"])
    await send_file(bot, ADMIN, "02-ticket.md", moved)
    gate = bot.last_message(ADMIN)
    await send_file(
        bot, ADMIN, "02-ticket.md", ticket_entry("在全区所有收费旅游景点可享受单次3人陪同免门票服务。")
    )
    await bot.press(ADMIN, bot.button(gate, "kb:ok:"), gate)
    assert bot.fake.last_text(ADMIN).startswith("在此期间已安装了别的更改")
    assert "单次3人" in await answer_to(bot, TICKET_QUESTION)


async def test_a_long_list_of_problems_comes_in_several_messages_with_every_problem(bot: Harness) -> None:
    folder = bot.svc.settings.knowledge_dir
    files = {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()}
    for n in range(150):
        files[f"zhangdian/9{n:03d}-broken.md"] = (
            f"---\nid: zd.broken{n}\ncard: zhangdian\n---\n正文\n".encode()
        )
    await send_file(bot, ADMIN, "knowledge.zip", zip_files(files))
    sent = [m["text"] for m in bot.fake.messages_to(ADMIN)]
    assert len(sent) > 1 and not bot.fake.errors
    text = "\n".join(sent)
    assert all(f"zhangdian/9{n:03d}-broken.md:1: missing field 'title'" in text for n in range(150))
