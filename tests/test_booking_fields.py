"""Typed booking-form values at their edges, table-driven: what is accepted and stored, what is refused."""

from __future__ import annotations

from typing import get_args

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.booking.fields import FieldKind, parse_field

KINDS: tuple[FieldKind, ...] = get_args(FieldKind)

TWENTY = "、".join(f"张{chr(0x4E00 + i)}" for i in range(20))
TWENTY_ONE = TWENTY + "、王五"


@pytest.mark.parametrize(
    ("kind", "raw", "value"),
    [
        # name
        ("name", "张三", "张三"),
        ("name", "  欧阳娜娜 ", "欧阳娜娜"),
        ("name", "阿卜杜·艾力", "阿卜杜·艾力"),
        ("name", "阿卜杜 • 艾力", "阿卜杜·艾力"),  # the dot as phones type it
        ("name", "John   Smith", "John Smith"),
        ("name", "Jean-Luc O’Brien", "Jean-Luc O'Brien"),
        ("name", "Ｊｏｈｎ　Ｓｍｉｔｈ", "John Smith"),  # full-width letters and ideographic space
        ("name", "José Núñez", "José Núñez"),
        ("name", "张\u200b三", "张三"),  # a zero-width space pasted from a chat app
        ("name", "Li", "Li"),  # exactly 2
        ("name", "A" * 20, "A" * 20),  # exactly 20
        # names
        ("names", "张三", "张三"),
        ("names", "张三,李四，王五、赵六;钱七；孙八", "张三、李四、王五、赵六、钱七、孙八"),
        ("names", "张三 李四  王五", "张三、李四、王五"),
        ("names", "John Smith, Mary Lee", "John Smith、Mary Lee"),
        ("names", "张三 John Smith", "张三、John Smith"),
        ("names", "张三、李四、", "张三、李四"),  # a trailing separator
        ("names", "阿卜杜 · 艾力 张三", "阿卜杜·艾力、张三"),
        ("names", TWENTY, TWENTY),  # exactly max_count
        # count
        ("count", "0", "0"),
        ("count", "20", "20"),  # exactly max_count
        ("count", "３", "3"),
        ("count", "03", "3"),
        ("count", "两", "2"),
        ("count", "三人", "3"),
        ("count", "2 位", "2"),
        ("count", "十二", "12"),
        ("count", "二十", "20"),
        ("count", "零", "0"),
        ("count", "1辆", "1"),
        ("count", "五个", "5"),
        # phone
        ("phone", "13812345678", "13812345678"),
        ("phone", "138 1234 5678", "13812345678"),
        ("phone", "138-1234-5678", "13812345678"),
        ("phone", "+86 138 1234 5678", "13812345678"),
        ("phone", "8613812345678", "13812345678"),
        ("phone", "１３８１２３４５６７８", "13812345678"),
        ("phone", "0533-2126305", "0533-2126305"),
        ("phone", "(020)86132888", "020-86132888"),
        ("phone", "（020）86132888", "020-86132888"),
        ("phone", "020 8613 2888", "020-86132888"),
        ("phone", "02086132888", "020-86132888"),
        ("phone", "010-6512 3456", "010-65123456"),
        ("phone", "05332126305", "0533-2126305"),
        ("phone", "+86 20 8613 2888", "020-86132888"),
        # plates
        ("plates", "粤A12345", "粤A12345"),
        ("plates", "粤a12345", "粤A12345"),
        ("plates", "粤A·12345", "粤A12345"),
        ("plates", "粤a 12345", "粤A12345"),
        ("plates", "粤A-12345", "粤A12345"),
        ("plates", "粤Ａ１２３４５", "粤A12345"),  # full width
        ("plates", "粤AD12345", "粤AD12345"),  # new-energy car: D first
        ("plates", "粤AF12345", "粤AF12345"),
        ("plates", "粤A12345D", "粤A12345D"),  # new-energy bus or lorry: D last
        ("plates", "粤A12345，京B23456、沪C34567", "粤A12345、京B23456、沪C34567"),
        ("plates", "粤A 12345 粤B 23456", "粤A12345、粤B23456"),
        ("plates", "粤Z·1234港", "粤Z1234港"),
        ("plates", "粤z1234澳", "粤Z1234澳"),
        ("plates", "无", "无"),
        ("plates", "没有", "无"),
        ("plates", "None", "无"),
        ("plates", "no", "无"),
        # flight_no
        ("flight_no", "CZ3101", "CZ3101"),
        ("flight_no", "cz 3101", "CZ3101"),
        ("flight_no", "MU5101", "MU5101"),
        ("flight_no", "3U8881", "3U8881"),
        ("flight_no", "HO1234A", "HO1234A"),
        ("flight_no", "ｃｚ３１０１", "CZ3101"),
        ("flight_no", "CZ1", "CZ1"),
        # time
        ("time", "14:30", "14:30"),
        ("time", "１４：３０", "14:30"),
        ("time", "9:05", "09:05"),
        ("time", "1430", "14:30"),
        ("time", "930", "09:30"),
        ("time", "14点30", "14:30"),
        ("time", "14点30分", "14:30"),
        ("time", "14时05分", "14:05"),
        ("time", "14点半", "14:30"),
        ("time", "9点", "09:00"),
        ("time", "9点整", "09:00"),
        ("time", "两点一刻", "02:15"),
        ("time", "下午2点半", "14:30"),
        ("time", "下午三点", "15:00"),
        ("time", "下午14点", "14:00"),
        ("time", "下午12点", "12:00"),
        ("time", "中午12点", "12:00"),
        ("time", "中午1点", "13:00"),
        ("time", "上午10点", "10:00"),
        ("time", "晚上8点", "20:00"),
        ("time", "凌晨12点", "00:00"),
        ("time", "2:30pm", "14:30"),
        ("time", "2:30 PM", "14:30"),
        ("time", "2pm", "14:00"),
        ("time", "9 a.m.", "09:00"),
        ("time", "12pm", "12:00"),
        ("time", "12am", "00:00"),
        ("time", "12:00", "12:00"),
        ("time", "00:00", "00:00"),
        ("time", "23:59", "23:59"),
        # date
        ("date", "2026-12-01", "2026-12-01"),
        ("date", "2026/12/1", "2026-12-01"),
        ("date", "2026.12.1", "2026-12-01"),
        ("date", "20261201", "2026-12-01"),
        ("date", "2026年12月1日", "2026-12-01"),
        ("date", "２０２６－１２－０１", "2026-12-01"),
        ("date", "12月1日", "12-01"),  # no year: the caller picks it
        ("date", "12月1号", "12-01"),
        ("date", "十二月一日", "12-01"),
        ("date", "12-01", "12-01"),
        ("date", "12/1", "12-01"),
        ("date", "2月29日", "02-29"),  # possible in a leap year
        ("date", "2028-02-29", "2028-02-29"),
        # yes_no
        *[("yes_no", raw, "是") for raw in ["是", "有", "要", "需要", "yes", "Yes", "Y", "1", "✓", "１"]],
        *[
            ("yes_no", raw, "否")
            for raw in ["否", "无", "没有", "不", "不要", "不需要", "no", "NO", "n", "0"]
        ],
        ("yes_no", "是的。", "是"),
        # text: stripped, but not NFKC, so Chinese punctuation stays as typed
        ("text", "  需要轮椅，谢谢！ ", "需要轮椅，谢谢！"),
        ("text", "a", "a"),
        ("text", "x" * 200, "x" * 200),
        ("text", "第一行\n第二行", "第一行\n第二行"),
        ("text", "a\x00b", "ab"),  # PostgreSQL refuses NUL
    ],
)
def test_accepted(kind: FieldKind, raw: str, value: str) -> None:
    parsed = parse_field(kind, raw)
    assert parsed.error is None, parsed.error
    assert parsed.value == value


@pytest.mark.parametrize(
    ("kind", "raw", "zh", "en"),
    [
        # name
        ("name", "", "姓名格式不对", "doesn't look like a name"),
        ("name", "张", "2–20 个字", "2–20 characters"),
        ("name", "A" * 21, "2–20 个字", "2–20 characters"),
        ("name", "李4", "不能有数字", "can't contain digits"),
        ("name", "李４", "不能有数字", "can't contain digits"),  # full-width digit
        ("name", "张三!", "姓名格式不对", "doesn't look like a name"),
        ("name", "张三Smith", "姓名格式不对", "doesn't look like a name"),  # scripts mixed
        ("name", "·张三", "姓名格式不对", "doesn't look like a name"),
        ("name", "Smith-", "姓名格式不对", "doesn't look like a name"),
        # names
        ("names", "", "请输入姓名", "at least one name"),
        ("names", "、,;", "请输入姓名", "at least one name"),
        ("names", TWENTY_ONE, "最多只能填 20 个姓名（您填了 21 个）", "At most 20 names"),
        ("names", "张三、李4", "第 2 个姓名“李4”有误：姓名里不能有数字", "Name 2 (“李4”): A name can't"),
        ("names", "张三、王", "第 2 个姓名“王”有误", "Name 2 (“王”)"),
        # count
        ("count", "21", "0 到 20", "from 0 to 20"),
        ("count", "二十一", "0 到 20", "from 0 to 20"),
        ("count", "-1", "0 到 20", "from 0 to 20"),
        ("count", "1.5", "0 到 20", "from 0 to 20"),
        ("count", "几个", "0 到 20", "from 0 to 20"),
        ("count", "", "0 到 20", "from 0 to 20"),
        ("count", "9" * 5000, "0 到 20", "from 0 to 20"),  # int() of this would raise
        # phone
        ("phone", "1381234567", "电话号码格式不对", "phone number"),  # 10 digits
        ("phone", "138123456789", "电话号码格式不对", "phone number"),  # 12 digits
        ("phone", "12812345678", "电话号码格式不对", "phone number"),  # 12x is not mobile
        ("phone", "86132888", "电话号码格式不对", "area code"),  # no area code
        ("phone", "020-861328", "电话号码格式不对", "phone number"),  # 6 digits
        ("phone", "020-861328888", "电话号码格式不对", "phone number"),  # 9 digits
        ("phone", "abc", "如 13812345678", "like 13812345678"),
        # plates
        ("plates", "", "请输入车牌号", "Please type a plate number"),
        ("plates", "粤AI2345", "不会有字母 I 或 O", "I or O"),
        ("plates", "粤A1234O", "不会有字母 I 或 O", "I or O"),
        ("plates", "粤AD1234I", "不会有字母 I 或 O", "I or O"),
        ("plates", "粤A1234", "车牌“粤A1234”格式不对", "doesn't look like a licence plate"),  # 4 characters
        ("plates", "粤A1234567", "格式不对", "licence plate"),  # 7 characters
        ("plates", "粤A123456", "车牌“粤A123456”格式不对", "licence plate"),  # 6 without D/F
        ("plates", "港A12345", "格式不对", "licence plate"),  # not a province abbreviation
        ("plates", "A12345", "格式不对", "like 粤A12345"),
        ("plates", "粤A12345、abc", "车牌“abc”格式不对", "“abc”"),
        ("plates", "、".join(["粤A12345"] * 21), "最多只能填 20 个车牌", "At most 20 plates"),
        # flight_no
        (
            "flight_no",
            "",
            "航班号格式不对，请输入如 CZ3101 的航班号。",
            "That doesn't look like a flight number; please type one like CZ3101.",
        ),
        ("flight_no", "3101", "如 CZ3101", "like CZ3101"),  # an all-digit airline code
        ("flight_no", "CZ", "如 CZ3101", "like CZ3101"),
        ("flight_no", "CZ31011", "如 CZ3101", "like CZ3101"),
        ("flight_no", "CSN3101", "如 CZ3101", "like CZ3101"),  # an ICAO code
        ("flight_no", "CZ3101AB", "如 CZ3101", "like CZ3101"),
        # time
        ("time", "24:00", "没有这个时间", "doesn't exist"),
        ("time", "25:00", "没有这个时间", "doesn't exist"),
        ("time", "12:61", "没有这个时间", "doesn't exist"),
        ("time", "2460", "没有这个时间", "doesn't exist"),
        ("time", "14:3", "时间格式不对", "like 14:30"),
        ("time", "13pm", "时间格式不对", "like 14:30"),
        ("time", "14:30am", "时间格式不对", "like 14:30"),
        ("time", "上午14点", "时间格式不对", "like 14:30"),
        ("time", "晚上12点", "时间格式不对", "like 14:30"),  # midnight of which day is a guess
        ("time", "下午2点pm", "时间格式不对", "like 14:30"),
        ("time", "明天", "时间格式不对", "like 14:30"),
        ("time", "", "时间格式不对", "like 14:30"),
        # date
        ("date", "2月30日", "没有2月30日这一天", "no such date as 2/30"),
        ("date", "2027-02-29", "没有2027年2月29日这一天", "no such date as 2027-02-29"),
        ("date", "13/1", "没有13月1日这一天", "no such date"),
        ("date", "4月31日", "这一天", "no such date"),
        ("date", "2026-00-10", "这一天", "no such date"),
        ("date", "明天", "日期格式不对", "like 2026-12-01 or 12/1 (month/day)"),
        ("date", "26-12-01", "日期格式不对", "like 2026-12-01"),
        ("date", "", "日期格式不对", "like 2026-12-01"),
        # yes_no
        ("yes_no", "也许", "请回答“是”或“否”", "“yes” or “no”"),
        ("yes_no", "", "请回答“是”或“否”", "“yes” or “no”"),
        # text
        ("text", "", "1–200 个字", "1–200 characters"),
        ("text", " \n\t ", "1–200 个字", "1–200 characters"),
        ("text", "x" * 201, "太长了（201 个字）", "too long (201 characters)"),
    ],
)
def test_refused(kind: FieldKind, raw: str, zh: str, en: str) -> None:
    parsed = parse_field(kind, raw)
    assert parsed.value == ""
    assert parsed.error is not None
    assert zh in parsed.error.of("zh")
    assert en in parsed.error.of("en")


@pytest.mark.parametrize(
    ("kind", "raw", "max_count", "value"),
    [
        ("count", "3", 3, "3"),
        ("count", "4", 3, None),
        ("names", "张三、李四", 2, "张三、李四"),
        ("names", "张三、李四、王五", 2, None),
        ("plates", "粤A12345 粤B23456", 1, None),
    ],
)
def test_max_count(kind: FieldKind, raw: str, max_count: int, value: str | None) -> None:
    parsed = parse_field(kind, raw, max_count=max_count)
    assert parsed.value == (value or "")
    assert (parsed.error is None) == (value is not None)


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_refuses_nonsense_in_both_languages(kind: FieldKind) -> None:
    error = parse_field(kind, "\u2603" * 300).error  # a snowman is nothing in any field
    assert error is not None
    assert error.of("zh") and error.of("en")
    assert error.of("zh") != error.of("en")


@given(kind=st.sampled_from(KINDS), raw=st.text(), max_count=st.integers(min_value=0, max_value=50))
def test_never_raises(kind: FieldKind, raw: str, max_count: int) -> None:
    parsed = parse_field(kind, raw, max_count=max_count)
    if parsed.error is None:
        assert parsed.value
    else:
        assert parsed.value == ""
        assert parsed.error.of("zh") and parsed.error.of("en")


def test_an_error_is_a_text_key_said_in_the_readers_language_nested_ones_too() -> None:
    error = parse_field("names", "张三、Li 4").error
    assert error is not None and error.key == "field_names_one_bad"
    assert error.of("en") == (
        "Name 2 (“Li 4”): A name can't contain digits; please type one like 张三 or John Smith."
    )
    assert error.of("zh") == "第 2 个姓名“Li 4”有误：姓名里不能有数字，请输入如 张三 或 John Smith 的姓名。"
