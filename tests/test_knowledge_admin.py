"""Knowledge versions across instances, the CLI (`kb reload`, `kb diff`), and what an upload may contain."""

from __future__ import annotations

import io
import shutil
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path

import frontmatter
import pytest

from bot.admin import reload as knowledge
from bot.admin.archive import UploadRefused, checksum, discard, pack, stage_upload
from bot.admin.upload import add_alternate_question, add_question_to_file, upload
from bot.answers.qa import Answerer
from bot.cli import main
from bot.kb.loader import load_knowledge
from bot.services import Services
from bot.settings import Settings, get_settings
from db.session import Database
from tests.knowledge_factory import entry_file, small_knowledge, zip_files

ADMIN = 7
TICKET = "去景区要买门票吗"


def services(folder: Path, database: Database) -> Services:
    settings = Settings(
        _env_file=None, knowledge_dir=folder, admin_ids=[ADMIN], database_url="sqlite+aiosqlite://"
    )
    base = load_knowledge(folder)
    return Services(settings, base, Answerer(base), database)


def ticket_md(body: str) -> bytes:
    path = small_knowledge(Path(tempfile.mkdtemp()) / "k") / "zhangdian" / "02-ticket.md"
    return path.read_bytes().replace(
        "在全区所有收费旅游景点可享受单次2人陪同免门票服务。".encode(), body.encode()
    )


async def test_every_instance_follows_the_installed_version(database: Database, tmp_path: Path) -> None:
    first = services(small_knowledge(tmp_path / "a" / "knowledge"), database)
    second = services(small_knowledge(tmp_path / "b" / "knowledge"), database)
    await knowledge.start(first)
    await knowledge.start(second)
    assert first.knowledge_version == second.knowledge_version
    assert not await knowledge.follow_installed(second)

    outcome = await upload(first, "02-ticket.md", ticket_md("单次9人免门票。"), ADMIN)
    assert outcome.status == "installed"
    assert "单次2人" in second.answerer.answer(TICKET, "zhangdian").entry.body  # type: ignore[union-attr]
    assert await knowledge.follow_installed(second)
    assert second.knowledge_version == first.knowledge_version == outcome.version_id
    assert second.answerer.answer(TICKET, "zhangdian").entry.body == "单次9人免门票。"  # type: ignore[union-attr]
    assert checksum(second.settings.knowledge_dir) == checksum(first.settings.knowledge_dir)
    assert not await knowledge.follow_installed(second)  # nothing new: nothing done

    rolled = await knowledge.rollback(second, ADMIN)
    assert rolled.status == "installed" and await knowledge.follow_installed(first)
    assert "单次2人" in first.answerer.answer(TICKET, "zhangdian").entry.body  # type: ignore[union-attr]


async def test_an_upload_is_zipped_once_validated_once_and_served_from_the_installed_folder(
    database: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    svc = services(small_knowledge(tmp_path / "knowledge"), database)
    await knowledge.start(svc)
    calls: list[str] = []
    pack_, check_ = knowledge.pack, knowledge.check_knowledge
    monkeypatch.setattr(knowledge, "pack", lambda folder: calls.append("pack") or pack_(folder))
    monkeypatch.setattr(knowledge, "check_knowledge", lambda folder: calls.append("check") or check_(folder))
    outcome = await upload(svc, "02-ticket.md", ticket_md("单次9人免门票。"), ADMIN)
    assert outcome.status == "installed" and sorted(calls) == ["check", "pack"]
    installed = svc.settings.knowledge_dir.resolve()
    sources = svc.knowledge.sources
    assert sources and all(p.resolve().is_relative_to(installed) and p.is_file() for p in sources.values())
    assert "单次9人" in sources["zd.ticket"].read_text(encoding="utf-8")
    added = await add_alternate_question(svc, "zd.ticket", "景区停车场在哪", ADMIN)  # reads the source
    assert added is not None and added.status == "installed"
    assert "景区停车场在哪" in svc.knowledge.by_id["zd.ticket"].questions


# --- the command line -------------------------------------------------------------------------------


@pytest.fixture
def cli_env(tmp_path: Path, sqlite_template: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    folder = small_knowledge(tmp_path / "knowledge")
    (folder / "regression.yaml").write_text(
        f"cases:\n  - {{q: {TICKET}, card: zhangdian, entry: zd.ticket}}\n", encoding="utf-8"
    )
    shutil.copy(sqlite_template, tmp_path / "cardbot.db")
    monkeypatch.setenv("KNOWLEDGE_DIR", str(folder))
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'cardbot.db'}")
    get_settings.cache_clear()
    yield folder
    get_settings.cache_clear()


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, list[str]]:
    code = main(list(args))
    return code, capsys.readouterr().out.splitlines()


def test_kb_reload_publishes_the_folder_and_stops_at_the_gate(
    cli_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, lines = run(capsys, "kb", "reload")
    assert code == 0 and lines[-1] == "version #1 installed; running instances follow within 30 s"
    assert run(capsys, "kb", "reload")[1][-1] == "unchanged: version #1 is this folder"

    ticket = cli_env / "zhangdian" / "02-ticket.md"
    ticket.write_text(ticket.read_text(encoding="utf-8").replace("单次2人", "单次4人"), encoding="utf-8")
    code, lines = run(capsys, "kb", "reload")
    assert code == 0 and "~ changed 1: zd.ticket" in lines and lines[-1].startswith("version #2 installed")

    moved = ticket.read_text(encoding="utf-8").replace("去景区要买门票吗", "景区停车").replace("门票", "车位")
    ticket.write_text(moved, encoding="utf-8")
    code, lines = run(capsys, "kb", "reload")
    assert code == 2 and any(
        line.startswith(f"regression: 「{TICKET}」 zd.ticket: zd.ticket →") for line in lines
    )
    code, lines = run(capsys, "kb", "reload", "--yes")
    assert code == 0 and lines[-1].startswith("version #3 installed")


def test_kb_reload_with_problems_changes_nothing(cli_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    entry_file(cli_env, "09-bad.md", id="zd.ticket", card="zhangdian", title="t", body="{{nobody.phone}}")
    assert main(["kb", "reload"]) == 1
    problems = capsys.readouterr().err
    assert "duplicate id 'zd.ticket'" in problems and "unknown contact 'nobody'" in problems


def test_kb_diff_lists_added_changed_and_removed(
    cli_env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    other = tmp_path / "other"
    shutil.copytree(cli_env, other)
    (other / "baiyun" / "02-hospital.md").unlink()
    entry_file(other, "09-new.md", id="zd.new", card="zhangdian", title="新条目", body="新内容")
    ticket = other / "zhangdian" / "02-ticket.md"
    ticket.write_text(ticket.read_text(encoding="utf-8").replace("单次2人", "单次3人"), encoding="utf-8")
    code, lines = run(capsys, "kb", "diff", str(other))
    assert code == 0
    assert lines == ["+ added 1: zd.new", "~ changed 1: zd.ticket", "- removed 1: by.hospital"]


# --- what an upload may be ----------------------------------------------------------------------------


def test_a_zip_of_the_folder_or_of_its_contents_is_the_whole_knowledge(tmp_path: Path) -> None:
    folder = small_knowledge(tmp_path / "knowledge")
    contents = zipfile.ZipFile(io.BytesIO(pack(folder)))
    for prefix in ("", "knowledge/"):
        data = zip_files({prefix + name: contents.read(name) for name in contents.namelist()})
        staged = stage_upload(folder, "kb.zip", data)
        try:
            assert checksum(staged.folder) == checksum(folder)
        finally:
            discard(staged.folder)


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("kb.zip", zip_files({"../outside.md": b"x"}), "not a knowledge file"),
        ("kb.zip", zip_files({"zhangdian/deep/x.md": b"x"}), "not a knowledge file"),
        ("kb.zip", zip_files({"run.py": b"x"}), "not a knowledge file"),
        ("kb.zip", b"PK-not-a-zip", "not a readable zip file"),
        ("notes.txt", b"x", "send a .md entry"),
        ("settings.yaml", b"a: 1", "the YAML files are"),
    ],
)
def test_what_is_not_a_knowledge_file_is_refused(
    tmp_path: Path, name: str, content: bytes, reason: str
) -> None:
    with pytest.raises(UploadRefused, match=reason):
        stage_upload(small_knowledge(tmp_path / "knowledge"), name, content)


def test_an_uploaded_entry_replaces_the_file_with_its_id_whatever_its_name(tmp_path: Path) -> None:
    folder = small_knowledge(tmp_path / "knowledge")
    staged = stage_upload(folder, "门票.md", ticket_md("新的门票说明。"))
    try:
        assert staged.changed == ("zhangdian/02-ticket.md",)
        assert not (staged.folder / "zhangdian" / "门票.md").exists()
    finally:
        discard(staged.folder)


@pytest.mark.parametrize(
    "questions",
    ["questions:\n  - 已有问法\n", "questions:\n- 已有问法\n", "questions: [已有问法]\n", ""],
)
def test_an_alternate_question_is_added_whatever_the_list_style(tmp_path: Path, questions: str) -> None:
    path = tmp_path / "e.md"
    path.write_text(f"---\nid: x\n{questions}title: 标题\n---\n正文\n", encoding="utf-8")
    add_question_to_file(path, '新: "问法"')
    post = frontmatter.loads(path.read_text(encoding="utf-8"))
    assert post.metadata["questions"][-1] == '新: "问法"' and post.metadata["title"] == "标题"
    assert post.metadata["questions"][:-1] == (["已有问法"] if questions else [])
