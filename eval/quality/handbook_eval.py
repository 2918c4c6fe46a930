"""A real company handbook through the REST channel: covered questions, follow-ups, near-topic questions it does
not cover, routing, and the turn's latency with per-stage timings.

    tutor eval handbook [--out eval/reports/handbook.md] [--index var/cache/eval/18f-index]

The 18F handbook (../shared/corpora/18f-handbook) is ingested (incrementally, into a kept folder), the real Rasa
server and action server are started on loopback over it, and the question set in eval/handbook/ (written by
hand from the pages before tuning) is asked as employees would ask it, one conversation per question or
two-turn exchange. A turn is "routed away" when its reply carries no answer of the tutor's (the dialogue engine
answered it itself). Per-stage timings come from the same questions asked of the Tutor core in this process.
"""
from __future__ import annotations

import argparse
import logging
import os
import platform
import statistics
import tempfile
import time
import uuid
from pathlib import Path

import requests

from messages import AnswerReply, parse_reply

from ..handbook.questions import Turn, corpus_dir, fact_hits, load_handbook_set
from ..metrics import percentiles
from ..report import table, write_report

log = logging.getLogger("eval")
ROOT = Path(__file__).resolve().parents[2]


class RestLearner:
    def __init__(self, rasa_url: str) -> None:
        self.url = f"{rasa_url}/webhooks/rest/webhook"
        self.sender = f"eval-{uuid.uuid4().hex[:10]}"
        self.latencies: list[float] = []

    def ask(self, text: str) -> AnswerReply | None:
        t0 = time.perf_counter()
        response = requests.post(self.url, json={"sender": self.sender, "message": text}, timeout=180)
        self.latencies.append((time.perf_counter() - t0) * 1000)
        response.raise_for_status()
        replies = [parse_reply(m) for m in response.json()]
        return next((r for r in replies if isinstance(r, AnswerReply)), None)


def answer_text(reply: AnswerReply | None) -> str:
    return reply.answer if reply is not None and not reply.abstained else ""


def cites(reply: AnswerReply | None, turn: Turn) -> bool:
    """The answer cites the gold page (and, when the set names one, a section under the gold heading)."""
    if reply is None or reply.abstained:
        return False
    for c in reply.citations:
        if not _same_page(c.source, c.course_id, turn.gold_file):
            continue
        if not turn.gold_section or turn.gold_section.lower() in (c.section or "").lower() or not c.section:
            return True
    return False


def _same_page(source: str, course_id: str, gold_file: str) -> bool:
    gold = gold_file.rsplit(".", 1)[0]
    return (source or "").endswith(gold_file) or (course_id or "").endswith(gold.removesuffix("/index"))


def judge(reply: AnswerReply | None, turn: Turn) -> dict:
    found, total = fact_hits(answer_text(reply), turn.facts)
    return {"routed_away": reply is None, "answered": reply is not None and not reply.abstained,
            "facts": total == 0 or found == total, "cited": cites(reply, turn)}


def run_rest(rasa_url: str, hset) -> dict:
    covered, conversations, uncovered = [], [], []
    learners: list[RestLearner] = []
    for item in hset.covered:
        learner = RestLearner(rasa_url)
        learners.append(learner)
        covered.append((item, judge(learner.ask(item.question), item)))
    for conv in hset.conversations:
        learner = RestLearner(rasa_url)
        learners.append(learner)
        first = judge(learner.ask(conv.turns[0].question), conv.turns[0])
        second = judge(learner.ask(conv.turns[1].question), conv.turns[1])
        conversations.append((conv, first, second))
    for item in hset.uncovered:
        learner = RestLearner(rasa_url)
        learners.append(learner)
        reply = learner.ask(item.question)
        uncovered.append((item, {"routed_away": reply is None, "declined": reply is not None and reply.abstained}))
    return {"covered": covered, "conversations": conversations, "uncovered": uncovered,
            "latencies": [ms for learner in learners for ms in learner.latencies]}


def share(rows, key) -> float:
    return sum(1 for r in rows if r[key]) / max(1, len(rows))


def summary(results: dict) -> dict:
    covered = results["covered"]
    by_style = {s: [j for item, j in covered if item.style == s] for s in ("literal", "paraphrased")}
    correct = lambda j: j["answered"] and j["facts"] and j["cited"]  # noqa: E731
    follow = [(c.turns[1].kind, second) for c, _, second in results["conversations"]]
    out = {
        "covered questions": len(covered),
        "covered: answered with every required fact, citing the gold page": sum(correct(j) for _, j in covered) / max(1, len(covered)),
    }
    for style, rows in by_style.items():
        out[f"  {style} (n={len(rows)})"] = sum(correct(j) for j in rows) / max(1, len(rows))
    out["covered: answered at all"] = share([j for _, j in covered], "answered")
    out["near-topic, not covered: declined"] = share([j for _, j in results["uncovered"]], "declined")
    out["follow-ups (second turn) answered correctly"] = sum(correct(j) for _, j in follow) / max(1, len(follow))
    for kind in sorted({k for k, _ in follow}):
        rows = [j for k, j in follow if k == kind]
        out[f"  {kind} (n={len(rows)})"] = sum(correct(j) for j in rows) / max(1, len(rows))
    every_turn = [j for _, j in covered] + [j for _, a, b in results["conversations"] for j in (a, b)] + \
        [j for _, j in results["uncovered"]]
    out["turns routed away by the dialogue engine"] = f"{sum(j['routed_away'] for j in every_turn)} of {len(every_turn)}"
    p = percentiles(results["latencies"])
    out["REST turn latency p50 / p95 ms (client side)"] = f"{p['p50']:.0f} / {p['p95']:.0f}"
    for server, ms in results.get("cpu_ms_per_turn", {}).items():
        out[f"CPU per turn, {server} server (ms, all its threads)"] = f"{ms:.0f}"
    return out


def cpu_per_turn(before: dict[str, float], after: dict[str, float], turns: int) -> dict[str, float]:
    """Each server's CPU milliseconds per turn over the run: its share of a turn, unlike wall time not inflated
    by whatever else shares the cores."""
    names = {"rasa": "Rasa", "actions": "action"}
    return {names.get(k, k): (after[k] - before.get(k, 0.0)) * 1000 / max(1, turns) for k in after}


def failures(results: dict, limit: int = 25) -> str:
    lines = ["| id | question | routed away | answered | facts | cited |", "|---|---|---|---|---|---|"]
    rows = [(i.id, i.question, j) for i, j in results["covered"]] + \
        [(c.id, c.turns[1].question, j) for c, _, j in results["conversations"]]
    bad = [r for r in rows if not (r[2]["answered"] and r[2]["facts"] and r[2]["cited"])]
    for qid, question, j in bad[:limit]:
        lines.append(f"| {qid} | {question} | {j['routed_away']} | {j['answered']} | {j['facts']} | {j['cited']} |")
    missed = [(i.id, i.question) for i, j in results["uncovered"] if not j["declined"]]
    lines.append("\nNear-topic questions answered instead of declined: " +
                 ("; ".join(f"{qid} “{q}”" for qid, q in missed[:limit]) or "none"))
    return "\n".join(lines)


def stage_timings(index_dir: Path, hset) -> str:
    """Per-stage timings of the answer chain on the set's questions (in this process, after one warm-up)."""
    from retrieval import RetrievalSettings, build_answer_chain

    chain = build_answer_chain(index_dir, ROOT / "var" / "cache", RetrievalSettings())
    questions = [i.question for i in hset.covered] + [i.question for i in hset.uncovered]
    chain.answer(questions[0])
    stages: dict[str, list[float]] = {}
    for question in questions:
        for stage, ms in chain.answer(question).timings_ms.items():
            stages.setdefault(stage, []).append(ms)
    lines = ["| stage | p50 ms | p95 ms | n |", "|---|---|---|---|"]
    for stage, values in stages.items():
        p = percentiles(values)
        lines.append(f"| {stage} | {p['p50']:.1f} | {p['p95']:.1f} | {len(values)} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> str:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, default=ROOT / "var" / "cache" / "eval" / "18f-index")
    parser.add_argument("--out", type=Path, default=Path("eval/reports/handbook.md"))
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    corpus = corpus_dir()
    if not corpus.exists():
        raise SystemExit(f"handbook not found at {corpus} (set TUTOR_CORPORA)")
    from ..load.load_stack import layout

    hset = load_handbook_set()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp, layout("embedded", 1, Path(tmp), corpus=corpus, index_dir=args.index) as stack:
        RestLearner(stack.rasa_url).ask(hset.covered[0].question)  # models load at the first turn: not a turn's cost
        before = stack.cpu_seconds()
        results = run_rest(stack.rasa_url, hset)
        results["cpu_ms_per_turn"] = cpu_per_turn(before, stack.cpu_seconds(), len(results["latencies"]))
    log.info("asked %d turns in %.0fs", len(results["latencies"]), time.perf_counter() - started)
    sections = [f"# The 18F handbook through the REST channel\n\nMachine: {platform.machine()}, {os.cpu_count()} "
                f"cores, Python {platform.python_version()}; embedded layout (one Rasa and one action-server "
                f"process, SQLite). Question set: eval/handbook/questions.yaml (v{hset.version}).\n",
                "## Results\n\n" + table(summary(results)),
                "## Per-stage timings of the answer chain (ms)\n\n" + stage_timings(args.index, hset),
                "## Misses\n\n" + failures(results)]
    med = statistics.median(results["latencies"]) if results["latencies"] else float("nan")
    log.info("REST turn median %.0f ms", med)
    return write_report(sections, args.out)


if __name__ == "__main__":
    main()
