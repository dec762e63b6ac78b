"""Knowledge reload: how long a reload of the shipped folder takes end to end (validate, index, gate,
record the version, swap), and how questions asked meanwhile are served.

    .venv/bin/python benchmarks/knowledge_reload.py [--rounds 10]

Each round edits one entry and reloads while a task keeps answering questions on the same event loop;
it reports reload medians and the answer latency during reloads against the latency when idle (ratio).
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.measure import peak_rss_mib, summary_ms  # noqa: E402
from bot.admin import reload as knowledge  # noqa: E402
from bot.answers.qa import Answerer  # noqa: E402
from bot.kb.loader import load_knowledge  # noqa: E402
from bot.services import Services  # noqa: E402
from bot.settings import Settings  # noqa: E402
from db.migrate import upgrade  # noqa: E402
from db.session import Database  # noqa: E402


async def answer_while(svc: Services, questions: list[str], running: asyncio.Event) -> list[float]:
    latencies = []
    index = 0
    while running.is_set():
        started = time.perf_counter()
        svc.answerer.answer(questions[index % len(questions)], None)
        latencies.append((time.perf_counter() - started) * 1000)
        index += 1
        await asyncio.sleep(0)  # let the reload's coroutine run between questions, as the bot does
    return latencies


async def measure(folder: Path, database_url: str, rounds: int) -> None:
    settings = Settings(_env_file=None, knowledge_dir=folder, database_url=database_url)
    base = load_knowledge(folder)
    svc = Services(settings, base, Answerer(base), Database(database_url))
    await knowledge.start(svc)
    questions = [q for entry in base.entries for q in entry.questions[:2]]

    running = asyncio.Event()
    running.set()
    idle_task = asyncio.create_task(answer_while(svc, questions, running))
    await asyncio.sleep(1.0)
    running.clear()
    idle = await idle_task

    quiet, loaded, during = [], [], []
    target = sorted(folder.glob("*/*.md"))[0]
    original = target.read_text(encoding="utf-8")
    for n in range(2 * rounds):
        under_load = n >= rounds
        target.write_text(original + f"\n第{n}次修改。\n", encoding="utf-8")
        running.set()
        answering = asyncio.create_task(answer_while(svc, questions, running)) if under_load else None
        started = time.perf_counter()
        outcome = await knowledge.propose(svc, folder, None)
        (loaded if under_load else quiet).append((time.perf_counter() - started) * 1000)
        running.clear()
        if answering is not None:
            during.extend(await answering)
        assert outcome.status in ("installed", "gated"), outcome.status
    await svc.db.dispose()

    print(f"entries: {len(base.entries)}, rounds: {rounds} quiet + {rounds} under questions")
    print(f"reload (validate + index + gate + version + swap), quiet: {summary_ms(quiet)}")
    print(f"reload while questions are answered non-stop:        {summary_ms(loaded)}")
    print(f"answers while idle:      {summary_ms(idle)}")
    print(f"answers during reloads:  {summary_ms(during)}")
    print(
        f"answer p50 ratio during/idle: {statistics.median(during) / statistics.median(idle):.2f}; "
        f"questions answered during reloads: {len(during)}"
    )
    print(f"peak RSS: {peak_rss_mib():.0f} MiB")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "knowledge"
        shutil.copytree(ROOT / "knowledge", folder)
        url = f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
        upgrade(url)
        asyncio.run(measure(folder, url, args.rounds))


if __name__ == "__main__":
    main()
