"""How a trained model routes the routing development set: how many employee questions would not reach the
tutor, and how many commands would be taken for questions.

    .venv-rasa/bin/python -m bot.nlu.routing_report models/tutor.tar.gz [tests/rasa/routing_dev.yml] [--json] [-v]
    .venv-rasa/bin/python -m bot.nlu.routing_report models/tutor.tar.gz tests/rasa/routing_zh.yml --confusion

Each message is cleaned the way the channels clean it, then parsed by the model's whole NLU pipeline. A question
reaches the tutor when its intent is `ask_question`, or `nlu_fallback` and the fallback action finds it
question-like (as `action_handle_fallback` does); otherwise it is routed away. A command is kept when it keeps
its own intent (a fallback or another intent counts against it too). `accuracy` is the share of messages that
reach the right place (the tutor for a question, their own intent for a command); `confusion` counts, for each
expected intent, where its messages went ("nlu_fallback>tutor" for the fallback answering a question).
"""
from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sys
from pathlib import Path
from typing import Any, Dict, List, Tuple

from messages import clean_message
from messages.questions import looks_like_question

QUESTION = "ask_question"
FALLBACK = "nlu_fallback"
DEFAULT_SET = Path(__file__).resolve().parents[2] / "tests" / "rasa" / "routing_dev.yml"


def read_set(path: Path) -> List[Tuple[str, str]]:
    """(text, intent) of every example in a Rasa NLU file."""
    import yaml

    pairs = []
    for block in yaml.safe_load(path.read_text(encoding="utf-8")).get("nlu", []):
        for line in str(block.get("examples", "")).splitlines():
            line = line.strip()
            if line.startswith("- "):
                pairs.append((line[2:].strip(), block["intent"]))
    return pairs


def reaches_tutor(text: str, intent: str) -> bool:
    return intent == QUESTION or (intent == FALLBACK and looks_like_question(text))


async def parse_all(model: Path, texts: List[str]) -> List[Dict[str, Any]]:
    from rasa.core.agent import Agent

    try:  # Rasa logs every parse at debug level through structlog
        import structlog

        structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    except ImportError:
        pass
    agent = Agent.load(str(model))
    return [await agent.parse_message(clean_message(t)) for t in texts]


def destination(text: str, intent: str) -> str:
    """Where a message parsed as `intent` goes: the intent, or "nlu_fallback>tutor" when the fallback answers it."""
    return f"{FALLBACK}>tutor" if intent == FALLBACK and reaches_tutor(text, intent) else intent


def report(pairs: List[Tuple[str, str]], parsed: List[Dict[str, Any]]) -> Dict[str, Any]:
    questions = {"total": 0, "routed_away": [], "through_fallback": 0}
    commands = {"total": 0, "taken_for_questions": [], "other_intent": []}
    confusion: Dict[str, Dict[str, int]] = {}
    for (text, expected), data in zip(pairs, parsed):
        intent = (data.get("intent") or {}).get("name") or ""
        went = confusion.setdefault(expected, {})
        went[destination(text, intent)] = went.get(destination(text, intent), 0) + 1
        row = {"text": text, "expected": expected, "intent": intent,
               "confidence": round(float((data.get("intent") or {}).get("confidence") or 0.0), 3),
               "routing": data.get("question_routing")}
        if expected == QUESTION:
            questions["total"] += 1
            questions["through_fallback"] += intent == FALLBACK and reaches_tutor(text, intent)
            if not reaches_tutor(text, intent):
                questions["routed_away"].append(row)
        else:
            commands["total"] += 1
            if reaches_tutor(text, intent):
                commands["taken_for_questions"].append(row)
            elif intent != expected:
                commands["other_intent"].append(row)
    wrong = len(questions["routed_away"]) + len(commands["taken_for_questions"]) + len(commands["other_intent"])
    total = questions["total"] + commands["total"]
    return {"questions": questions, "commands": commands, "accuracy": round((total - wrong) / total, 4) if total else 0.0,
            "confusion": confusion}


def confusion_lines(confusion: Dict[str, Dict[str, int]]) -> List[str]:
    """One line per expected intent: how many went where, the right place first."""
    lines = []
    for expected, went in sorted(confusion.items()):
        right = {expected} | ({QUESTION, f"{FALLBACK}>tutor"} if expected == QUESTION else set())
        parts = sorted(went.items(), key=lambda kv: (kv[0] not in right, -kv[1], kv[0]))
        lines.append(f"  {expected} ({sum(went.values())}): " + ", ".join(f"{name} {n}" for name, n in parts))
    return lines


def main(argv: List[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("model", type=Path)
    parser.add_argument("dev_set", type=Path, nargs="?", default=DEFAULT_SET)
    parser.add_argument("--json", action="store_true", help="print the whole report as JSON")
    parser.add_argument("-v", "--verbose", action="store_true", help="list every misrouted message")
    parser.add_argument("--confusion", action="store_true", help="where the messages of each intent went")
    args = parser.parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    logging.basicConfig(level=logging.WARNING)
    pairs = read_set(args.dev_set)
    result = report(pairs, asyncio.run(parse_all(args.model, [t for t, _ in pairs])))
    if args.json:
        sys.stdout.write(json.dumps(result, ensure_ascii=False, indent=1) + "\n")
        return 0
    q, c = result["questions"], result["commands"]
    lines = [f"questions routed away: {len(q['routed_away'])} of {q['total']} "
             f"({q['through_fallback']} reached the tutor through the fallback)",
             f"commands taken for questions: {len(c['taken_for_questions'])} of {c['total']}",
             f"commands given another command's intent: {len(c['other_intent'])} of {c['total']}",
             f"right intent: {result['accuracy']:.1%} of {q['total'] + c['total']}"]
    if args.confusion:
        lines += ["where each intent's messages went:", *confusion_lines(result["confusion"])]
    if args.verbose:
        for title, rows in (("routed away", q["routed_away"]), ("taken for questions", c["taken_for_questions"]),
                            ("other intent", c["other_intent"])):
            lines += [f"  {title}: {r['text']!r} -> {r['intent']} {r['confidence']:.2f} (expected {r['expected']})" for r in rows]
    sys.stdout.write("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
