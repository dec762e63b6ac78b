"""`python -m bot kb check`: every kind of broken file is reported as file:line: message, exit 1."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from bot.cli import main
from bot.kb.loader import check_knowledge
from bot.kb.schema import MAX_BODY_CHARS
from tests.knowledge_factory import entry_file, small_knowledge


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return small_knowledge(tmp_path / "knowledge")


def check_output(folder: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, list[str]]:
    code = main(["kb", "check", str(folder)])
    return code, capsys.readouterr().out.splitlines()


def test_the_shipped_knowledge_is_valid(capsys: pytest.CaptureFixture[str]) -> None:
    code, lines = check_output(Path(__file__).resolve().parent.parent / "knowledge", capsys)
    assert code == 0 and lines[-1].endswith("ok")


def test_a_valid_folder_passes(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, lines = check_output(folder, capsys)
    assert code == 0 and "5 entries" in lines[-1]


def test_bad_yaml_is_reported_at_its_line(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = folder / "zhangdian" / "09-bad.md"
    bad.write_text("---\nid: zd.bad\ncard: zhangdian\ntitle: [unclosed\n---\n正文\n", encoding="utf-8")
    code, lines = check_output(folder, capsys)
    assert code == 1
    assert any(line.startswith(f"{bad}:") and "bad YAML" in line for line in lines)


def test_missing_field_unknown_card_and_duplicate_id(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = folder / "zhangdian" / "07-missing.md"
    missing.write_text(
        "---\nid: zd.missing\ncard: zhangdian\nsection: 一、测试\n---\n正文\n", encoding="utf-8"
    )
    unknown = entry_file(folder, "08-unknown.md", id="zd.unknown", card="zhangdian", title="t", body="正文")
    unknown.write_text(
        unknown.read_text(encoding="utf-8").replace("card: zhangdian", "card: tianhe"), encoding="utf-8"
    )
    duplicate = entry_file(folder, "09-dup.md", id="zd.ticket", card="zhangdian", title="t", body="正文")
    code, lines = check_output(folder, capsys)
    assert code == 1
    assert f"{missing}:1: missing field 'title'" in lines
    assert any(line.startswith(f"{unknown}:3: unknown card 'tianhe'") for line in lines)
    assert any(line.startswith(f"{duplicate}:2: duplicate id 'zd.ticket'") for line in lines)


def test_empty_and_over_long_answers(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    empty = entry_file(folder, "10-empty.md", id="zd.empty", card="zhangdian", title="空", body="")
    long = entry_file(
        folder, "11-long.md", id="zd.long", card="zhangdian", title="长", body="字" * (MAX_BODY_CHARS + 1)
    )
    code, lines = check_output(folder, capsys)
    assert code == 1
    body_line = empty.read_text(encoding="utf-8").splitlines().index("---", 1) + 2
    assert f"{empty}:{body_line}: empty answer" in lines
    assert (
        f"{long}:{body_line}: answer too long ({MAX_BODY_CHARS + 1} chars; at most {MAX_BODY_CHARS})" in lines
    )


def test_unknown_parent_and_unknown_field(folder: Path) -> None:
    orphan = entry_file(
        folder, "12-orphan.md", id="zd.orphan", card="zhangdian", title="t", body="正文", parent="zd.nothing"
    )
    odd = entry_file(folder, "13-odd.md", id="zd.odd", card="zhangdian", title="t", body="正文", colour="red")
    knowledge, problems = check_knowledge(folder)
    messages = [str(p) for p in problems]
    assert knowledge is None
    assert f"{orphan}:6: parent 'zd.nothing' not found" in messages
    assert f"{odd}:6: unknown field 'colour'" in messages


def test_a_number_where_text_is_expected_is_reported(folder: Path) -> None:
    path = entry_file(
        folder,
        "14-number.md",
        id="zd.number",
        card="zhangdian",
        title="t",
        body="正文",
        keywords=["电话", "x"],
    )
    path.write_text(path.read_text(encoding="utf-8").replace("- x", "- 86132888"), encoding="utf-8")
    _, problems = check_knowledge(folder)
    assert [p.line for p in problems] == [8] and "keywords.1" in problems[0].message


def test_missing_matching_settings(folder: Path) -> None:
    (folder / "matching.yaml").unlink()
    knowledge, problems = check_knowledge(folder)
    assert knowledge is None and str(problems[0]).endswith("matching.yaml:1: file is missing")


@pytest.mark.parametrize(
    ("added", "problem"),
    [
        ("reload: [重新加载]", "not a card holder's command: reload"),  # an admin's command
        ("start: [我的预约]", "'我的预约' asks for both"),  # /mybookings has it already
    ],
)
def test_commands_in_words_are_card_holders_commands_each_phrase_once(
    folder: Path, added: str, problem: str
) -> None:
    path = folder / "matching.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace("commands_in_words:\n", f"commands_in_words:\n  {added}\n"), encoding="utf-8"
    )
    knowledge, problems = check_knowledge(folder)
    assert knowledge is None and problem in problems[0].message


# --- encodings and binary files: a problem at its line, never a traceback ----------------------------


def test_a_gbk_answer_file_is_reported_with_its_line(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    gbk = folder / "zhangdian" / "15-gbk.md"
    gbk.write_bytes(
        "---\nid: zd.gbk\ncard: zhangdian\nsection: 一、测试\ntitle: 编码\n---\n正文\n".encode("gbk")
    )
    code, lines = check_output(folder, capsys)
    assert code == 1
    assert any(line.startswith(f"{gbk}:4: not UTF-8 text") and "GBK" in line for line in lines)


def test_a_gbk_bookings_file_and_a_binary_file(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bookings = folder / "bookings.yaml"
    text = bookings.read_text(encoding="utf-8")
    first_chinese = next(n for n, line in enumerate(text.splitlines(), start=1) if not line.isascii())
    bookings.write_bytes(text.encode("gb18030"))
    binary = folder / "baiyun" / "16-picture.md"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    code, lines = check_output(folder, capsys)
    assert code == 1
    assert any(line.startswith(f"{bookings}:{first_chinese}: not UTF-8 text") for line in lines)
    assert f"{binary}:3: binary file, not text: knowledge files are UTF-8 text" in lines


def test_a_utf8_file_with_a_bom_is_fine(folder: Path) -> None:
    path = entry_file(folder, "17-bom.md", id="zd.bom", card="zhangdian", title="t", body="正文")
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    knowledge, problems = check_knowledge(folder)
    assert problems == [] and knowledge is not None and "zd.bom" in knowledge.by_id


# --- typed times and ranges in bookings.yaml -----------------------------------------------------------


def _edit_bookings(folder: Path, old: str, new: str) -> tuple[Path, int]:
    path = folder / "bookings.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path, text[: text.index(old)].count("\n") + 1


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ('["14:00", "17:30"]', '["14:00", "25:00"]', "25:00 is not a time of day"),
        ('["08:00", "12:00"]', '["08:00", "07:60"]', "07:60 is not a time of day"),
        ('["08:00", "12:00"]', '["12:00", "08:00"]', "the start must be before the end"),
        ('["08:00", "12:00"]', "[08:00, 12:00]", 'in quotes, e.g. "08:00"'),
        ("weekdays: [1, 2, 3, 4, 5]", "weekdays: [1, 2, 8]", "less than or equal to 7"),
    ],
)
def test_opening_hours_are_real_times(folder: Path, old: str, new: str, expected: str) -> None:
    path, line = _edit_bookings(folder, old, new)
    knowledge, problems = check_knowledge(folder)
    assert knowledge is None
    assert [p.line for p in problems] == [line] and expected in problems[0].message
    assert str(problems[0]).startswith(f"{path}:{line}: booking_types.1.opening.")


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "reminder_offsets_minutes: [1440, 120]\n    offered_with: [baiyun",
            "reminder_offsets_minutes: [1440, -120]\n    offered_with: [baiyun",
            "booking_types.0.reminder_offsets_minutes.1",
        ),
        ("slot_minutes: 30", "slot_minutes: 3000", "booking_types.1.slot_minutes"),
        ("yearly_quota: 2", "yearly_quota: 0", "booking_types.0.yearly_quota"),
        ("min_notice_minutes: 180", "min_notice_minutes: -5", "booking_types.0.kinds.2.min_notice_minutes"),
    ],
)
def test_numbers_out_of_range_are_refused_at_their_line(
    folder: Path, old: str, new: str, expected: str
) -> None:
    path, line = _edit_bookings(folder, old, new)
    knowledge, problems = check_knowledge(folder)
    assert knowledge is None
    assert [str(p).split(": ")[0] for p in problems] == [f"{path}:{line}"]
    assert expected in problems[0].message


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        # 5-minute slots from 08:00 to 17:30: 114 time buttons, over Telegram's 100.
        (
            'periods: [["08:00", "12:00"], ["14:00", "17:30"]]\n    slot_minutes: 30',
            'periods: [["08:00", "17:30"]]\n    slot_minutes: 5',
            "more time buttons than Telegram allows",
        ),
        (
            "{id: renmin,",
            "{id: renmin-district-peoples-hospital-x,",
            "String should have at most 24 characters",
        ),
        ("when: {field: escorts}", "when: {field: vehicles}", "not an earlier count field"),
        (
            "when: {kinds: [domestic-arrival, intl-arrival]}",
            "when: {kinds: [arrival]}",
            "unknown kinds: arrival",
        ),
        ("count: passengers,", "count: phone,", "count must name an earlier count field"),
    ],
)
def test_booking_rules_whose_form_would_break_are_refused(
    folder: Path, capsys: pytest.CaptureFixture[str], old: str, new: str, message: str
) -> None:
    bookings = folder / "bookings.yaml"
    text = bookings.read_text(encoding="utf-8")
    assert old in text
    bookings.write_text(text.replace(old, new, 1), encoding="utf-8")
    code, lines = check_output(folder, capsys)
    assert code == 1
    assert any(line.startswith(f"{bookings}:") and message in line for line in lines), lines


def test_a_long_horizon_passes_because_the_calendar_pages(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bookings = folder / "bookings.yaml"
    bookings.write_text(
        bookings.read_text(encoding="utf-8").replace("horizon_days: 90", "horizon_days: 120"),
        encoding="utf-8",
    )
    code, _ = check_output(folder, capsys)
    assert code == 0


# --- contacts: one fact, one place -----------------------------------------------------------------


def test_unknown_and_unused_contacts_and_a_missing_field_are_reported_by_line(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = entry_file(
        folder,
        "09-refs.md",
        id="zd.refs",
        card="zhangdian",
        title="t",
        body="电话：{{nobody.phone}}\n\n地址：{{zhongyi.address}}",
    )
    contacts = folder / "contacts.yaml"
    contacts.write_text(
        contacts.read_text(encoding="utf-8")
        + "  spare:\n    phone: '123'\n    source: {note: 备用}\n    verified: 2026-11-01\n",
        encoding="utf-8",
    )
    code, lines = check_output(folder, capsys)
    body = broken.read_text(encoding="utf-8").splitlines()
    assert code == 1
    assert (
        f"{broken}:{body.index('电话：{{nobody.phone}}') + 1}: unknown contact 'nobody' in {{{{nobody.phone}}}}"
        in lines
    )
    assert any(
        line.startswith(
            f"{broken}:{body.index('地址：{{zhongyi.address}}') + 1}: contact 'zhongyi' has no address"
        )
        for line in lines
    )
    spare_line = contacts.read_text(encoding="utf-8").splitlines().index("  spare:") + 1
    assert f"{contacts}:{spare_line}: contact 'spare' is not used" in lines


def test_a_phone_changed_in_one_place_reaches_every_entry_and_booking_that_shows_it(folder: Path) -> None:
    entry_file(
        folder,
        "09-list.md",
        id="zd.list",
        card="zhangdian",
        title="定点医院",
        body="区中医院：{{zhongyi.person}} {{zhongyi.phone}}",
    )
    contacts = folder / "contacts.yaml"
    before = check_knowledge(folder)[0]
    old = before.contacts["zhongyi"].phone  # type: ignore[union-attr]
    contacts.write_text(contacts.read_text(encoding="utf-8").replace(old, "0533-8888888"), encoding="utf-8")
    knowledge, problems = check_knowledge(folder)
    assert problems == [] and knowledge is not None
    showing = [e for e in knowledge.entries if "0533-8888888" in e.body]
    assert {e.id for e in showing} == {"zd.hospital", "zd.list"}
    assert knowledge.by_id["zd.hospital"].phones == ["0533-8888888"]
    assert knowledge.booking_types["hospital"].kind("zhongyi").phone == "0533-8888888"  # type: ignore[union-attr]
    assert not [e for e in knowledge.entries if old in e.body or old in e.phones]


def test_regression_cases_must_name_known_entries(folder: Path) -> None:
    path = folder / "regression.yaml"
    path.write_text(
        "cases:\n  - {q: 中医院电话, card: zhangdian, entry: zd.hospital}\n  - q: 门票\n    entry: zd.nothing\n",
        encoding="utf-8",
    )
    knowledge, problems = check_knowledge(folder)
    assert knowledge is None
    assert [str(p) for p in problems] == [f"{path}:4: case 2 ('门票'): entry 'zd.nothing' not found"]


def test_cross_file_problems_point_at_their_lines_from_one_read_of_each_file(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The alias, contact and regression checks use the text the load read: no file is read again."""
    entry_file(folder, "09-a.md", id="zd.a", card="zhangdian", title="甲", body="正文", aliases=["人民医院"])
    clash = entry_file(
        folder,
        "10-b.md",
        id="zd.b",
        card="zhangdian",
        title="乙",
        body="正文",
        aliases=["区医院", "人民医院"],
    )
    contacts = folder / "contacts.yaml"
    contacts.write_text(
        contacts.read_text(encoding="utf-8")
        + "  spare:\n    phone: '123'\n    source: {note: 备用}\n    verified: 2026-11-01\n",
        encoding="utf-8",
    )
    regression = folder / "regression.yaml"
    regression.write_text("cases:\n  - q: 门票\n    entry: zd.nothing\n", encoding="utf-8")
    reads: Counter[Path] = Counter()
    read_bytes, read_text = Path.read_bytes, Path.read_text

    def counted_bytes(path: Path) -> bytes:
        reads[path] += 1
        return read_bytes(path)

    def counted_text(path: Path, *args: object, **kwargs: object) -> str:
        reads[path] += 1
        return read_text(path, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Path, "read_bytes", counted_bytes)
    monkeypatch.setattr(Path, "read_text", counted_text)
    _, problems = check_knowledge(folder)
    monkeypatch.undo()

    assert set(reads) == {path for path in folder.rglob("*") if path.is_file()}
    assert set(reads.values()) == {1}
    alias_line = clash.read_text(encoding="utf-8").splitlines().index("- 人民医院") + 1
    spare_line = contacts.read_text(encoding="utf-8").splitlines().index("  spare:") + 1
    assert [str(p) for p in problems] == [
        f"{clash}:{alias_line}: alias '人民医院' also names 'zd.a'",
        f"{contacts}:{spare_line}: contact 'spare' is not used",
        f"{regression}:3: case 1 ('门票'): entry 'zd.nothing' not found",
    ]
