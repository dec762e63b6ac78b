"""Knowledge changes that come from the chat: a file or zip sent by an admin, and an alternate question
added to an entry from /unanswered. Both go through the same validation and gate as a reload."""

from __future__ import annotations

import json
import re
import tempfile
from pathlib import Path

import yaml

from bot.admin.archive import copy_folder, discard, stage_upload
from bot.admin.reload import Outcome, propose
from bot.services import Services


async def upload(svc: Services, file_name: str, content: bytes, by: int) -> Outcome:
    """Raises UploadRefused for what is not a knowledge file; else validates, gates and installs."""
    staged = stage_upload(svc.settings.knowledge_dir, file_name, content)
    try:
        return await propose(svc, staged.folder, by)
    finally:
        discard(staged.folder)


def add_question_to_file(path: Path, question: str) -> None:
    """Appends `question` to the entry's `questions:` list, leaving the rest of the file as written."""
    lines = path.read_text(encoding="utf-8").split("\n")
    closing = lines.index("---", 1)
    key = next((n for n in range(1, closing) if re.match(r"^questions\s*:", lines[n])), None)

    def item(text: str, indent: str = "  ") -> str:
        return f"{indent}- {json.dumps(text, ensure_ascii=False)}"  # a JSON string is a valid YAML scalar

    if key is None:
        lines[closing:closing] = ["questions:", item(question)]
    elif lines[key].split(":", 1)[1].strip():  # a flow list on one line: rewritten as a block list
        written = yaml.safe_load(lines[key].split(":", 1)[1]) or []
        lines[key : key + 1] = ["questions:", *(item(str(q)) for q in written), item(question)]
    else:
        first = re.match(r"^(\s*)- ", lines[key + 1]) if key + 1 < closing else None
        indent = first.group(1) if first else "  "
        end = key + 1
        while end < closing and lines[end].startswith(f"{indent}- "):
            end += 1
        lines[end:end] = [item(question, indent)]
    path.write_text("\n".join(lines), encoding="utf-8")


async def add_alternate_question(svc: Services, entry_id: str, question: str, by: int) -> Outcome | None:
    """None when the entry is no longer in the installed base."""
    source = svc.knowledge.sources.get(entry_id)
    if source is None:
        return None
    installed = svc.settings.knowledge_dir
    staged = Path(tempfile.mkdtemp(prefix="knowledge-question-")) / "knowledge"
    try:
        copy_folder(installed, staged)
        add_question_to_file(staged / source.resolve().relative_to(installed.resolve()), question)
        return await propose(svc, staged, by)
    finally:
        discard(staged)
