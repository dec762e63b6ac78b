"""The command-line contracts of DESIGN.md: ask (--json, --batch, --card) and the console chat."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from bot.answers.qa import Answerer
from bot.cli import main
from bot.console import run_console
from bot.holders.actions import Who
from bot.kb.loader import load_knowledge
from bot.services import Services
from bot.settings import Settings
from db.models import User
from tests.knowledge_factory import SHIPPED

CONTRACT_KEYS = {"answered", "outcome", "entry_id", "title", "score", "text", "alternatives"}


def ask_json(capsys: pytest.CaptureFixture[str], *args: str) -> list[dict[str, object]]:
    assert main(["ask", *args]) == 0
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


def test_ask_json_answers_with_the_contract_fields(capsys: pytest.CaptureFixture[str]) -> None:
    [answer] = ask_json(capsys, "--json", "--card", "zhangdian", "区中医院绿色通道电话")
    assert set(answer) == CONTRACT_KEYS
    assert answer["answered"] is True and answer["entry_id"] == "zhangdian.medical.zhongyi"
    phone = load_knowledge(SHIPPED).contacts["zhongyi"].phone
    assert (
        phone
        and phone in str(answer["text"])
        and "张店区优秀企业家服务保障卡 · 二、医疗保健" in str(answer["text"])
    )
    assert isinstance(answer["score"], float)
    for alternative in answer["alternatives"]:  # type: ignore[union-attr]
        assert set(alternative) == {"entry_id", "title", "score"}


def test_ask_json_declines_out_of_scope_with_the_fallback_text(capsys: pytest.CaptureFixture[str]) -> None:
    [answer] = ask_json(capsys, "--json", "讲个笑话听听")
    assert answer["answered"] is False and answer["entry_id"] is None and answer["title"] is None
    assert "人工" in str(answer["text"])


def test_english_questions_get_english_fallback(capsys: pytest.CaptureFixture[str]) -> None:
    [answer] = ask_json(capsys, "--json", "What's the weather like on Mars?")
    assert answer["answered"] is False and "staff" in str(answer["text"])


def test_what_a_card_gives_asked_with_no_card_lists_the_cards(capsys: pytest.CaptureFixture[str]) -> None:
    [answer] = ask_json(capsys, "--json", "这卡有什么用")
    assert (answer["outcome"], answer["answered"], answer["alternatives"]) == ("overview", False, [])
    knowledge = load_knowledge(SHIPPED)
    assert all(card.name in str(answer["text"]) for card in knowledge.cards.values())


def test_batch_answers_every_line_in_order(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    batch = tmp_path / "q.jsonl"
    lines = [
        {"q": "区总工会电话多少", "card": "baiyun"},
        {"q": "讲个笑话"},
        {"q": "齐惠保多少钱", "card": None},
    ]
    batch.write_text(
        "\n".join(json.dumps(line, ensure_ascii=False) for line in lines) + "\n\n", encoding="utf-8"
    )
    answers = ask_json(capsys, "--batch", str(batch))
    assert [a["answered"] for a in answers] == [True, False, True]
    assert answers[0]["entry_id"] == "baiyun.union" and "86385035" in str(answers[0]["text"])


def test_batch_read_only_in_part_ends_quietly(tmp_path: Path) -> None:
    # ask --batch FILE | head -1: the pipe closes under the writer, which is no database error
    questions = tmp_path / "q.jsonl"
    questions.write_text(
        "".join(json.dumps({"q": "体检在哪做"}) + "\n" for _ in range(2000)), encoding="utf-8"
    )
    run = subprocess.Popen(
        [sys.executable, "-m", "bot", "ask", "--batch", str(questions)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=SHIPPED.parent,
    )
    assert run.stdout is not None and json.loads(run.stdout.readline())["answered"]
    run.stdout.close()
    _, errors = run.communicate(timeout=60)
    assert run.returncode == 0 and errors.decode() == ""


def test_batch_reports_a_bad_line(tmp_path: Path) -> None:
    batch = tmp_path / "q.jsonl"
    batch.write_text('{"q": "ok"}\n{"question": "no q"}\n', encoding="utf-8")
    with pytest.raises(SystemExit, match=r"q.jsonl:2: not a question line"):
        main(["ask", "--batch", str(batch)])


async def test_the_console_offers_the_card_holder_features(database, shipped_answerer: Answerer) -> None:  # type: ignore[no-untyped-def]
    svc = Services(Settings(_env_file=None), shipped_answerer.knowledge, shipped_answerer, database)
    script = (
        "/card baiyun\n区图书馆电话\n1\n/good\n/staff\n/menu\n/open baiyun.culture\n/bind ZD9999\n"
        "/card tianhe\n/forget\nno\n/forget\nyes\n/quit\n"
    )
    stdout = io.StringIO()
    assert await run_console(svc, Who(9, "console", "zh"), None, io.StringIO(script), stdout) == 0
    out = stdout.getvalue()
    assert "已选择：白云区云聚英才卡" in out and "<b>" not in out
    assert "36214296" in out
    assert "您是不是想问：" in out and out.count("【") >= 3  # answer, opened suggestion, opened section
    assert "谢谢您的反馈！" in out and "已转人工（#1）" in out
    assert "/open baiyun.culture.library" in out
    assert "卡号不正确" in out and "未知卡种" in out
    assert out.index("已取消，数据未删除") < out.index(
        "已删除您的全部数据"
    )  # /forget asks first, as in Telegram
    async with database.session() as session:
        assert await session.get(User, 9) is None


class Terminal(io.StringIO):
    """Typed input from a terminal (without a terminal, `run` without a token refuses to start)."""

    def isatty(self) -> bool:
        return True


def test_run_without_a_token_explains_and_falls_back_to_the_console(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    from bot import settings

    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "")
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path}/console.db")
    monkeypatch.setattr("sys.stdin", Terminal("区总工会电话多少\n"))
    settings.get_settings.cache_clear()
    try:
        assert main(["run"]) == 0
    finally:
        settings.get_settings.cache_clear()
    out = capsys.readouterr().out
    assert "@BotFather" in out and "86385035" in out


async def test_the_console_books_like_telegram(database, shipped_answerer: Answerer) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    from bot.holders.registry import import_registry, parse_registry
    from db.models import Booking
    from tests.knowledge_factory import CARDS
    from tests.telegram_harness import FakeClock

    async with database.session() as session:
        await import_registry(
            session,
            parse_registry(
                "card_number,card,holder_name,tier,valid_until\nZD0001,zhangdian,李企业,standard,2030-12-31\n",
                CARDS,
            ),
        )
    svc = Services(
        Settings(_env_file=None), shipped_answerer.knowledge, shipped_answerer, database, FakeClock()
    )
    script = "/bind ZD0001\n/book\n2\n2\n1\n12345\n0533-2126305\n复查\n1\n/mybookings\n/quit\n"
    stdout = io.StringIO()
    await run_console(svc, Who(31, "console", "zh"), None, io.StringIO(script), stdout)
    out = stdout.getvalue()
    assert "请选择医院" in out and "请选择日期" in out and "请选择时段" in out
    assert "格式不对" in out and out.count("请输入联系电话") == 2  # 12345 re-asked
    assert "预约 #1 已提交" in out and "待确认" in out
    async with database.session() as session:
        booking = (await session.execute(select(Booking))).scalar_one()
        assert booking.kind == "zhongyi" and booking.fields["phone"] == "0533-2126305"
