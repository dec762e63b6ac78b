"""The command-line contracts of DESIGN.md: ask (--json, --batch, --card) and the console chat."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from bot.cli import main
from bot.console import run_console
from bot.qa import Answerer

CONTRACT_KEYS = {"answered", "entry_id", "title", "score", "text", "alternatives"}


def ask_json(capsys: pytest.CaptureFixture[str], *args: str) -> list[dict[str, object]]:
    assert main(["ask", *args]) == 0
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


def test_ask_json_answers_with_the_contract_fields(capsys: pytest.CaptureFixture[str]) -> None:
    [answer] = ask_json(capsys, "--json", "--card", "zhangdian", "区中医院绿色通道电话")
    assert set(answer) == CONTRACT_KEYS
    assert answer["answered"] is True and answer["entry_id"] == "zhangdian.medical.zhongyi"
    assert "0533-2286525" in str(answer["text"]) and "张店区优秀企业家服务保障卡 · 二、医疗保健" in str(answer["text"])
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


def test_batch_answers_every_line_in_order(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    batch = tmp_path / "q.jsonl"
    lines = [{"q": "区总工会电话多少", "card": "baiyun"}, {"q": "讲个笑话"}, {"q": "齐惠保多少钱", "card": None}]
    batch.write_text("\n".join(json.dumps(line, ensure_ascii=False) for line in lines) + "\n\n", encoding="utf-8")
    answers = ask_json(capsys, "--batch", str(batch))
    assert [a["answered"] for a in answers] == [True, False, True]
    assert answers[0]["entry_id"] == "baiyun.union" and "86385035" in str(answers[0]["text"])


def test_batch_reports_a_bad_line(tmp_path: Path) -> None:
    batch = tmp_path / "q.jsonl"
    batch.write_text('{"q": "ok"}\n{"question": "no q"}\n', encoding="utf-8")
    with pytest.raises(SystemExit, match=r"q.jsonl:2: not a question line"):
        main(["ask", "--batch", str(batch)])


def test_the_console_answers_switches_card_and_opens_a_suggestion(shipped_answerer: Answerer) -> None:
    stdin = io.StringIO("/card baiyun\n区图书馆电话\n1\n/card tianhe\n/quit\n")
    stdout = io.StringIO()
    assert run_console(shipped_answerer, card=None, stdin=stdin, stdout=stdout) == 0
    out = stdout.getvalue()
    assert "已选择：白云区云聚英才卡" in out
    assert "36214296" in out
    assert "您是不是想问：" in out and out.count("【") >= 2  # the answer, then the first suggestion opened
    assert "未知卡种" in out


def test_run_without_a_token_explains_and_falls_back_to_the_console(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot import settings

    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "")
    monkeypatch.setattr("sys.stdin", io.StringIO("区总工会电话多少\n"))
    settings.get_settings.cache_clear()
    try:
        assert main(["run"]) == 0
    finally:
        settings.get_settings.cache_clear()
    out = capsys.readouterr().out
    assert "@BotFather" in out and "86385035" in out
