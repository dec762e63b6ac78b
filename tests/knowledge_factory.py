"""Builds small knowledge folders for tests, reusing the shipped cards and matching settings."""

from __future__ import annotations

import io
import shutil
import zipfile
from datetime import date
from pathlib import Path

import yaml

SHIPPED = Path(__file__).resolve().parent.parent / "knowledge"
FIXTURE_GUIDE = "测试指南"
VERIFIED = date(2026, 11, 1)
# The fixture's own contacts (the shipped bookings.yaml refers to these ids); numbers are made up.
CONTACTS = {
    "renmin": {"person": "王测试", "phone": "0533-1000001"},
    "zhongyi": {"person": "阎测试", "phone": "0533-1000002"},
    "fuyou": {"person": "徐测试", "phone": "0533-1000003"},
    "dier": {"person": "郑测试", "phone": "0533-1000004"},
    "airport-service": {"phone": "（020）10000005"},
    "airport-booking": {"person": "翁测试", "phone": "13000000006"},
}
# The cards and tiers of knowledge/cards.yaml, as the registry parser checks rows against them.
CARDS: dict[str, set[str]] = {"zhangdian": {"standard", "outstanding"}, "baiyun": {"standard"}}


def entry_file(
    folder: Path,
    name: str,
    *,
    id: str,
    card: str,
    title: str,
    body: str,
    section: str = "一、测试",
    questions: list[str] | None = None,
    keywords: list[str] | None = None,
    keywords_en: list[str] | None = None,
    **extra: object,
) -> Path:
    meta: dict[str, object] = {"id": id, "card": card, "section": section, "title": title}
    for key, value in (("questions", questions), ("keywords", keywords), ("keywords_en", keywords_en)):
        if value:
            meta[key] = value
    meta.update(extra)
    meta.setdefault("source", {"guide": FIXTURE_GUIDE, "section": section})
    meta.setdefault("verified", VERIFIED)
    path = folder / card / name
    path.parent.mkdir(parents=True, exist_ok=True)
    front = yaml.safe_dump(meta, allow_unicode=True, sort_keys=False)
    path.write_text(f"---\n{front}---\n{body}\n", encoding="utf-8")
    return path


def small_knowledge(folder: Path) -> Path:
    """Four entries over two cards and the general material: enough to test matching rules."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("cards.yaml", "matching.yaml", "bookings.yaml"):
        shutil.copy(SHIPPED / name, folder / name)
    write_contacts(folder, CONTACTS)
    entry_file(
        folder,
        "01-hospital.md",
        id="zd.hospital",
        card="zhangdian",
        title="区中医院就医绿色通道",
        body="区中医院\n\n服务专员：{{zhongyi.person}}\n\n就医绿色通道服务电话：{{zhongyi.phone}}",
        phones=["{{zhongyi.phone}}"],
        questions=["中医院看病怎么走绿色通道", "中医院的服务专员是谁"],
        keywords=["区中医院", "中医院", "看病", "绿色通道"],
        keywords_en=["hospital", "chinese medicine", "green channel"],
    )
    entry_file(
        folder,
        "02-ticket.md",
        id="zd.ticket",
        card="zhangdian",
        title="景点免门票",
        body="在全区所有收费旅游景点可享受单次2人陪同免门票服务。",
        questions=["去景区要买门票吗", "带家人旅游免票吗"],
        keywords=["门票", "景点", "景区", "旅游"],
        keywords_en=["ticket", "scenic spot", "tourism"],
    )
    entry_file(
        folder,
        "01-airport.md",
        id="by.airport",
        card="baiyun",
        title="机场贵宾接送机服务",
        body="持卡人可享受每年2次白云国际机场国内贵宾或者国际嘉宾接送机服务。预约电话：{{airport-booking.phone}}（{{airport-booking.person}}）。",
        questions=["机场贵宾厅怎么预约", "接机送机服务怎么约"],
        keywords=["机场", "贵宾厅", "接机", "送机"],
        keywords_en=["airport", "vip", "pick-up"],
    )
    entry_file(
        folder,
        "02-hospital.md",
        id="by.hospital",
        card="baiyun",
        title="区属公立医院优先就医",
        body="持卡人可在区属公立医院就医时享受优先挂号、优先缴费等服务。",
        questions=["看病能优先挂号吗", "医院看病怎么走绿色通道"],
        keywords=["医院", "看病", "挂号", "绿色通道"],
        keywords_en=["hospital", "registration", "priority"],
    )
    entry_file(
        folder,
        "01-insurance.md",
        id="gen.insurance",
        card="general",
        title="淄博齐惠保年度保费",
        body="低保、特困人群10元/人（人民币壹拾元整）",
        questions=["齐惠保一年多少钱", "齐惠保怎么交费"],
        keywords=["齐惠保", "保费", "保险"],
        keywords_en=["insurance", "premium"],
    )
    return folder


def write_contacts(folder: Path, contacts: dict[str, dict[str, str]]) -> Path:
    path = folder / "contacts.yaml"
    data = {
        name: {**fields, "source": {"guide": FIXTURE_GUIDE, "section": "一、测试"}, "verified": VERIFIED}
        for name, fields in contacts.items()
    }
    path.write_text(yaml.safe_dump({"contacts": data}, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def zip_files(files: dict[str, bytes]) -> bytes:
    """A zip as an admin's archiver makes it: `name -> content`."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()
