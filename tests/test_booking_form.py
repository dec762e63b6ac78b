"""The pure form, without the database: what a step says about itself."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.booking.form import Draft, FormContext, choose, expects_text, next_field, screen, type_text
from bot.kb.loader import KnowledgeBase
from bot.texts import Lang

TYPED = {
    "name": "王英才",
    "names": "王英才",
    "phone": "13800138000",
    "flight_no": "CZ3101",
    "plates": "粤A12345",
    "text": "心内科复查",
}


@pytest.mark.parametrize("card", ["baiyun", "zhangdian"])
def test_expects_text_says_what_the_screen_says_at_every_step(shipped: KnowledgeBase, card: str) -> None:
    types = {b.id: b for b in shipped.booking_types.values() if b.card == card}
    ctx = FormContext(types, datetime(2026, 11, 23, 2, 0, tzinfo=UTC), ZoneInfo("Asia/Shanghai"), "zh")
    draft, seen = Draft(), []
    for _ in range(40):
        shown = screen(draft, ctx)
        assert expects_text(draft, ctx) == shown.expects_text, shown.step
        seen.append((shown.step, shown.expects_text))
        if shown.step == "confirm":
            break
        choices = [c.value for c in shown.choices if c.value and not c.value.startswith("m:")]
        if shown.step == "time" and not choices:
            error = type_text(draft, "14:30", ctx)
        elif shown.step == "field" and not choices:
            error = type_text(draft, TYPED[next_field(draft, ctx).kind], ctx)  # type: ignore[union-attr]
        else:
            error = choose(draft, choices[0], ctx)
        assert error is None, (shown.step, error)
    assert seen[-1] == ("confirm", False)
    assert ("date", True) in seen and ("time", True) in seen
    assert ("field", True) in seen
    assert (("field", False) in seen) == (card == "baiyun")  # the airport's yes/no questions are buttons


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        (
            "zh",
            [
                "✓ 航班号：cz3101 → CZ3101",
                "乘机人数（点选或输入数字）：",
                "是否有托运行李？",
                "✓ 是否有托运行李：yes → 是",
                "是否有托运行李：是",
            ],
        ),
        (
            "en",
            [
                "✓ Flight number: cz3101 → CZ3101",
                "Number of passengers (tap or type a number):",
                "Checked luggage?",
                "✓ Checked luggage: yes",
                "Checked luggage: yes",
            ],
        ),
    ],
)
def test_prompts_echoes_and_summary_are_in_the_readers_language(
    shipped: KnowledgeBase, lang: Lang, expected: list[str]
) -> None:
    types = {b.id: b for b in shipped.booking_types.values() if b.card == "baiyun"}
    ctx = FormContext(types, datetime(2026, 11, 23, 2, 0, tzinfo=UTC), ZoneInfo("Asia/Shanghai"), lang)
    typed = {**TYPED, "flight_no": "cz3101", "count": "1", "yes_no": "yes"}
    draft, lines = Draft(), []
    for _ in range(40):
        shown = screen(draft, ctx)
        lines += shown.text.splitlines()
        if shown.step == "confirm":
            break
        choices = [c.value for c in shown.choices if c.value and not c.value.startswith("m:")]
        if shown.step == "time":
            error = type_text(draft, "14:30", ctx)
        elif shown.step == "field":  # typed, even where buttons are offered: the echo shows how it was read
            error = type_text(draft, typed[next_field(draft, ctx).kind], ctx)  # type: ignore[union-attr]
        else:
            error = choose(draft, choices[0], ctx)
        assert error is None, (shown.step, error)
    assert shown.step == "confirm"
    assert all(line in lines for line in expected), [line for line in expected if line not in lines]
    if lang == "en":  # Chinese punctuation and stored Chinese answers stay out of English
        assert not [line for line in lines if re.search("[：？（）]|: [是否无]$", line)]
