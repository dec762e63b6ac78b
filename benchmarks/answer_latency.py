"""Answer latency and load time, on the shipped knowledge base and on a generated one of 10,000 entries.

    .venv/bin/python benchmarks/answer_latency.py [--entries 10000] [--rounds 3]

Targets (issue 2): p99 <= 5 ms shipped, <= 50 ms at 10,000 entries; loading + indexing the shipped base
<= 1 s. Questions are the shipped entries' own alternate questions, shuffled and cut, plus out-of-scope
ones, so the benchmark needs nothing outside the repository.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.measure import peak_rss_mib, summary_ms  # noqa: E402
from bot.answers.qa import Answerer  # noqa: E402
from bot.kb.loader import KnowledgeBase, load_knowledge  # noqa: E402
from bot.kb.schema import Entry, Source  # noqa: E402
from bot.matching.pinyin import char_readings  # noqa: E402

OUT_OF_SCOPE = [
    "讲个笑话听听",
    "明天下雨吗",
    "What's the exchange rate today?",
    "高铁票怎么改签",
    "公积金贷款能贷多少",
]


def sample_questions(
    knowledge: KnowledgeBase, rng: random.Random, count: int
) -> list[tuple[str, str | None]]:
    pool: list[tuple[str, str | None]] = []
    for entry in knowledge.entries:
        card = None if entry.card == "general" else entry.card
        for question in entry.questions:
            cut = question[: max(2, len(question) - rng.randint(0, 3))]  # a little off the stored wording
            pool.append((cut, card))
        pool.extend((kw, card) for kw in entry.keywords_en[:2])
    pool.extend((q, rng.choice(["zhangdian", "baiyun", None])) for q in OUT_OF_SCOPE)
    rng.shuffle(pool)
    return pool[:count]


def generated_knowledge(base: KnowledgeBase, size: int, rng: random.Random) -> KnowledgeBase:
    """`size` entries whose texts are recombined from the shipped ones: realistic token statistics."""
    words = sorted({w for e in base.entries for w in e.keywords})
    bodies = [e.body for e in base.entries]
    english = sorted({w for e in base.entries for w in e.keywords_en})
    cards = [*base.cards, "general"]
    entries = []
    for n in range(size):
        picked = rng.sample(words, 8)
        entries.append(
            Entry(
                id=f"gen.{n}",
                card=rng.choice(cards),
                section="测试",
                title="".join(picked[:2]),
                questions=["".join(rng.sample(picked, 3)) + "怎么办" for _ in range(5)],
                keywords=picked,
                keywords_en=rng.sample(english, 5),
                body=rng.choice(bodies)[: rng.randint(200, 800)],
                source=Source(note="generated"),
                verified=date(2026, 11, 1),
            )
        )
    return KnowledgeBase(cards=base.cards, matching=base.matching, entries=tuple(entries), sources={})


def latencies_ms(
    answerer: Answerer, questions: list[tuple[str, str | None]], rounds: int
) -> tuple[list[float], list[float]]:
    """Wall and CPU time per question. On a machine shared with other work the CPU time is the
    answerer's own cost; the wall time adds waiting for the processor."""
    for question, card in questions[:20]:  # warm caches (pinyin of question runs, numpy)
        answerer.answer(question, card)
    wall, cpu = [], []
    for _ in range(rounds):
        char_readings.cache_clear()  # every round pays for the pinyin of its questions' characters afresh
        for question, card in questions:
            start, start_cpu = time.perf_counter_ns(), time.thread_time_ns()
            answerer.answer(question, card)
            cpu.append((time.thread_time_ns() - start_cpu) / 1e6)
            wall.append((time.perf_counter_ns() - start) / 1e6)
    return wall, cpu


def report(label: str, timings: tuple[list[float], list[float]]) -> None:
    wall, cpu = timings
    print(f"{label}: wall {summary_ms(wall)}; cpu {summary_ms(cpu)}")


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--questions", type=int, default=500)
    args = parser.parse_args()
    rng = random.Random(20261123)

    start = time.perf_counter()
    knowledge = load_knowledge(ROOT / "knowledge")
    loaded = time.perf_counter()
    answerer = Answerer(knowledge)
    indexed = time.perf_counter()
    print(
        f"shipped base: {len(knowledge.entries)} entries; load {1000 * (loaded - start):.0f} ms, "
        f"index {1000 * (indexed - loaded):.0f} ms, total {1000 * (indexed - start):.0f} ms; "
        f"peak RSS {peak_rss_mib():.0f} MiB"
    )
    questions = sample_questions(knowledge, rng, args.questions)
    report("shipped latency", latencies_ms(answerer, questions, args.rounds))

    big = generated_knowledge(knowledge, args.entries, rng)
    start, cpu = time.perf_counter(), time.process_time()
    big_answerer = Answerer(big)
    # CPU time too: on a machine shared with other work, wall time says more about the neighbours
    print(
        f"generated base: {len(big.entries)} entries; index {time.perf_counter() - start:.1f} s "
        f"(cpu {time.process_time() - cpu:.1f} s); peak RSS {peak_rss_mib():.0f} MiB"
    )
    report(f"{args.entries} latency", latencies_ms(big_answerer, questions, args.rounds))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
