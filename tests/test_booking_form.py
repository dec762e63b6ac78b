"""The pure form, without the database: what a step says about itself."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.booking.form import Draft, FormContext, choose, expects_text, next_field, screen, type_text
from bot.kb.loader import KnowledgeBase

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
