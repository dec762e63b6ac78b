"""`python -m bot ...`: the one command line of cardbot."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

from bot.kb.loader import check_knowledge, load_knowledge, KnowledgeError
from bot.qa import Answer, Answerer
from bot.render import answer_text
from bot.settings import get_settings
from bot.texts import language_of


def _answerer() -> Answerer:
    return Answerer(load_knowledge(get_settings().knowledge_dir))


def answer_json(answer: Answer, answerer: Answerer) -> dict[str, object]:
    entry = answer.entry
    return {
        "answered": answer.answered,
        "entry_id": entry.id if entry else None,
        "title": entry.title if entry else None,
        "score": answer.score,
        "text": answer_text(answer, answerer.knowledge, language_of(answer.question)),
        "alternatives": [
            {"entry_id": s.entry.id, "title": s.entry.title, "score": s.score} for s in answer.alternatives
        ],
    }


def _batch_questions(path: Path) -> Iterator[tuple[str, str | None]]:
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
                yield str(item["q"]), item.get("card")
            except (json.JSONDecodeError, KeyError, TypeError) as exc:
                raise SystemExit(f"{path}:{number}: not a question line ({exc})") from exc


def cmd_ask(args: argparse.Namespace) -> int:
    if not args.batch and not args.question:
        raise SystemExit("ask: give a question, or --batch FILE.jsonl")
    answerer = _answerer()
    if args.batch:
        for question, card in _batch_questions(Path(args.batch)):
            print(json.dumps(answer_json(answerer.answer(question, card), answerer), ensure_ascii=False))
        return 0
    answer = answerer.answer(args.question, args.card)
    if args.json:
        print(json.dumps(answer_json(answer, answerer), ensure_ascii=False))
    else:
        print(answer_text(answer, answerer.knowledge, language_of(args.question)))
    return 0


def cmd_kb_check(args: argparse.Namespace) -> int:
    directory = Path(args.dir) if args.dir else get_settings().knowledge_dir
    knowledge, problems = check_knowledge(directory)
    for problem in problems:
        print(problem)
    if knowledge is None:
        return 1
    print(f"{directory}: {len(knowledge.entries)} entries, {len(knowledge.cards)} cards: ok")
    return 0


def cmd_chat(args: argparse.Namespace) -> int:
    from bot.console import run_console

    return run_console(_answerer(), card=args.card)


def cmd_run(args: argparse.Namespace) -> int:
    settings = get_settings()
    if not settings.telegram_bot_token:
        from bot.console import run_console
        from bot.texts import t

        print(t("no_token", "zh"))
        print(t("no_token", "en"))
        return run_console(_answerer(), card=None)
    raise SystemExit("the Telegram channel is not built yet; use `python -m bot chat`")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description="cardbot: service-card self-service bot")
    commands = parser.add_subparsers(dest="command", required=True)

    ask = commands.add_parser("ask", help="answer one question, or a batch of them")
    ask.add_argument("question", nargs="?")
    ask.add_argument("--card", choices=["zhangdian", "baiyun"])
    ask.add_argument("--json", action="store_true", help="print one JSON object")
    ask.add_argument("--batch", metavar="FILE.jsonl", help='lines like {"q": "...", "card": "baiyun"}')
    ask.set_defaults(handler=cmd_ask)

    kb = commands.add_parser("kb", help="knowledge files")
    kb_commands = kb.add_subparsers(dest="kb_command", required=True)
    check = kb_commands.add_parser("check", help="validate the knowledge files")
    check.add_argument("dir", nargs="?")
    check.set_defaults(handler=cmd_kb_check)

    chat = commands.add_parser("chat", help="talk to the bot in this terminal")
    chat.add_argument("--user", type=int, default=0, help="act as this Telegram user id")
    chat.add_argument("--card", choices=["zhangdian", "baiyun"])
    chat.set_defaults(handler=cmd_chat)

    run = commands.add_parser("run", help="run the Telegram bot")
    run.add_argument("--webhook", action="store_true", help="webhook mode instead of polling")
    run.set_defaults(handler=cmd_run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.handler(args))
    except KnowledgeError as exc:
        print(f"the knowledge files have problems:\n{exc}", file=sys.stderr)
        return 1
