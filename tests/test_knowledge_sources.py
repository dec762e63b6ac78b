"""Fidelity to the sources as data (`kb check --sources`), and the shape of the shipped knowledge.

Behaviour is tested on a fixture folder and a fixture guide; the shipped base is only checked for its
shape (every guide section present, every entry reachable by its title, no broken reference) and for
passing the same source check CI runs, so a legitimate content update does not break a test.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from bot.answers.qa import Answerer
from bot.cli import main
from bot.kb.loader import KnowledgeBase, load_knowledge
from bot.kb.sources import check_sources
from tests.knowledge_factory import CONTACTS, FIXTURE_GUIDE, SHIPPED, entry_file, small_knowledge

SEEDS = SHIPPED.parent.parent / "shared" / "seeds"
GUIDE_FILES = {"zhangdian": "000_75fd69f9b3399dce.txt", "baiyun": "002_b490c368c408ac3c.txt"}
HEADING = re.compile(r"^[一二三四五六七八九十]+、\S{2,20}$")


def fixture_guide(folder: Path) -> Path:
    """A source document for the fixture folder: every text of small_knowledge, as 'printed'."""
    folder.mkdir(parents=True, exist_ok=True)
    c = {name: fields for name, fields in CONTACTS.items()}
    (folder / "guide.txt").write_text(
        f"{FIXTURE_GUIDE}\n\n一、测试\n\n区中医院\n服务专员：{c['zhongyi']['person']}\n"
        f"就医绿色通道服务电话：{c['zhongyi']['phone']}\n"
        "在全区所有收费旅游景点可享受单次2人陪同免门票服务。\n"
        "持卡人可享受每年2次白云国际机场国内贵宾或者国际嘉宾接送机服务。"
        f"预约电话：{c['airport-booking']['phone']}（{c['airport-booking']['person']}）。\n"
        "持卡人可在区属公立医院就医时享受优先挂号、优先缴费等服务。\n低保、特困人群10元/人（人民币壹拾元整）\n"
        + "".join(f"{f.get('person', '')} {f['phone']}\n" for f in c.values())
        + "\n二、其他\n\n这一节的话不属于第一节。\n",
        encoding="utf-8",
    )
    return folder


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return small_knowledge(tmp_path / "knowledge")


@pytest.fixture
def seeds(tmp_path: Path) -> Path:
    return fixture_guide(tmp_path / "seeds")


def sources_output(folder: Path, seeds: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, list[str]]:
    code = main(["kb", "check", str(folder), "--sources", str(seeds)])
    return code, capsys.readouterr().out.splitlines()


def set_contact(folder: Path, name: str, **fields: object) -> None:
    path = folder / "contacts.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["contacts"][name].update(fields)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def test_the_fixture_text_is_found_in_its_guide(
    folder: Path, seeds: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, lines = sources_output(folder, seeds, capsys)
    assert code == 0 and lines[-1].endswith("ok")


def test_text_in_no_named_source_is_reported_at_its_line(
    folder: Path, seeds: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = folder / "zhangdian" / "02-ticket.md"
    path.write_text(path.read_text(encoding="utf-8") + "\n另赠送免费午餐一份。\n", encoding="utf-8")
    line = path.read_text(encoding="utf-8").splitlines().index("另赠送免费午餐一份。") + 1
    code, lines = sources_output(folder, seeds, capsys)
    assert code == 1
    assert lines == [f"{path}:{line}: '另赠送免费午餐一份。' is not in {FIXTURE_GUIDE} / 一、测试"]


def test_text_of_another_section_does_not_count(
    folder: Path, seeds: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = folder / "zhangdian" / "02-ticket.md"
    path.write_text(path.read_text(encoding="utf-8") + "\n这一节的话不属于第一节。\n", encoding="utf-8")
    code, lines = sources_output(folder, seeds, capsys)
    assert code == 1 and "这一节的话不属于第一节。" in lines[0]


def test_a_changed_phone_needs_an_admin_note(
    folder: Path, seeds: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    set_contact(folder, "zhongyi", phone="0533-9999999")
    code, lines = sources_output(folder, seeds, capsys)
    assert code == 1
    assert f"{folder / 'contacts.yaml'}:" in lines[0] and "zhongyi.phone '0533-9999999' is not in" in lines[0]
    # Every place that shows the contact is reported too: the guide does not print that number.
    assert any("01-hospital.md" in line for line in lines)

    set_contact(folder, "zhongyi", source={"note": "电话更新，经区卫健局确认 2026-11-20"})
    code, lines = sources_output(folder, seeds, capsys)
    assert code == 0, lines


def test_an_entry_sourced_from_an_admin_note_is_the_admins_word(
    folder: Path, seeds: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    entry_file(
        folder,
        "09-new.md",
        id="zd.new",
        card="zhangdian",
        title="新增服务",
        body="自2027年起新增法律咨询服务。",
        source={"note": "区工商联通知 2026-11-20"},
    )
    assert sources_output(folder, seeds, capsys)[0] == 0


def test_unknown_guide_and_section_are_reported(
    folder: Path, seeds: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lost = entry_file(
        folder,
        "09-a.md",
        id="zd.a",
        card="zhangdian",
        title="a",
        body="正文",
        source={"guide": "无此指南", "section": "一、测试"},
    )
    nowhere = entry_file(
        folder, "09-b.md", id="zd.b", card="zhangdian", title="b", body="正文", section="九、无此节"
    )
    code, lines = sources_output(folder, seeds, capsys)
    assert code == 1
    assert any(
        line.startswith(f"{lost}:") and "'无此指南' is not among the source documents" in line
        for line in lines
    )
    assert any(line.startswith(f"{nowhere}:") and "section '九、无此节' not found" in line for line in lines)


def test_source_and_verified_are_required(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = folder / "zhangdian" / "02-ticket.md"
    text = path.read_text(encoding="utf-8")
    path.write_text(re.sub(r"verified: .*\n", "", text), encoding="utf-8")
    code = main(["kb", "check", str(folder)])
    assert code == 1 and f"{path}:1: missing field 'verified'" in capsys.readouterr().out


# --- the shipped knowledge: its shape, not its content ---------------------------------------------


def guide_sections(card: str) -> list[str]:
    if not SEEDS.is_dir():
        pytest.fail(f"source documents not found at {SEEDS} (shared/ must sit beside the project)")
    lines = (SEEDS / GUIDE_FILES[card]).read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if HEADING.match(line.strip())]


@pytest.mark.parametrize("card", sorted(GUIDE_FILES))
def test_every_section_of_each_guide_has_an_entry(shipped: KnowledgeBase, card: str) -> None:
    sections = guide_sections(card)
    assert len(sections) >= 6
    covered = {entry.section for entry in shipped.entries if entry.card == card}
    assert [s for s in sections if s not in covered] == []


def test_every_shipped_entry_is_reachable_by_its_own_title(shipped_answerer: Answerer) -> None:
    missed = []
    for entry in shipped_answerer.knowledge.entries:
        answer = shipped_answerer.answer(entry.title, None if entry.card == "general" else entry.card)
        if answer.entry is None or answer.entry.id != entry.id:
            missed.append(entry.id)
    assert missed == []


def test_no_reference_is_left_unresolved_in_the_shipped_base(shipped: KnowledgeBase) -> None:
    texts = [str(entry.model_dump()) for entry in shipped.entries]
    texts += [str(booking.model_dump()) for booking in shipped.booking_types.values()]
    assert shipped.contacts and not [text for text in texts if "{{" in text]


def test_the_shipped_base_passes_the_source_check_ci_runs(shipped: KnowledgeBase) -> None:
    if not SEEDS.is_dir():
        pytest.fail(f"source documents not found at {SEEDS}")
    assert check_sources(shipped, SHIPPED, SEEDS) == []


def test_a_shipped_phone_changed_with_an_admin_note_passes(tmp_path: Path) -> None:
    """The update an admin makes (one edit in contacts.yaml, with a note) passes what CI runs."""
    import shutil

    folder = tmp_path / "knowledge"
    shutil.copytree(SHIPPED, folder)
    name = next(n for n, c in load_knowledge(folder).contacts.items() if c.phone)
    set_contact(folder, name, phone="0533-7654321", source={"note": "电话更新，经区卫健局确认 2026-11-20"})
    changed = load_knowledge(folder)
    assert check_sources(changed, folder, SEEDS) == []
    assert any("0533-7654321" in entry.body or "0533-7654321" in entry.phones for entry in changed.entries)
