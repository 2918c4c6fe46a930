"""The answer step's time per question, with the sentence vectors stored at ingest and without them.

    python -m eval.load.answer_latency [--index var/cache/eval/18f-index] [--repeats 3] [--out eval/reports/answer_latency.md]

The questions of the 18F handbook set (eval/handbook/questions.yaml: covered, near-topic and the first turns of
the follow-ups) are answered by the real `AnswerChain` over an index already ingested (`tutor eval handbook`
keeps one), in this process, one after another. Each configuration starts from a fresh chain (no sentence in the
answer step's memory), so the first question of a topic pays what a learner would. Every configuration runs
`--repeats` times, alternating, and the report gives the median of each run's p50 and p95 per stage.
"""
from __future__ import annotations

import argparse
import logging
import os
import platform
import statistics
from pathlib import Path

from ..handbook.questions import load_handbook_set
from ..metrics import percentiles
from ..report import write_report

ROOT = Path(__file__).resolve().parents[2]
STAGES = ("embed_ms", "bm25_ms", "prerank_ms", "read_ms", "total_ms")


def questions() -> list[str]:
    hset = load_handbook_set()
    return ([c.question for c in hset.covered] + [u.question for u in hset.uncovered]
            + [c.turns[0].question for c in hset.conversations])


def one_run(index: Path, stored: bool, items: list[str]) -> dict[str, dict[str, float]]:
    """p50/p95 per stage for one pass over `items` with a fresh chain."""
    from retrieval import build_answer_chain
    from tutor import load_settings

    settings = load_settings()
    settings.retrieval.index.sentence_vectors = stored
    chain = build_answer_chain(index, settings.path(settings.paths.cache_dir), settings.retrieval)
    chain.answer("Where is the cafeteria?")  # models load on first use; not timed
    timings: dict[str, list[float]] = {stage: [] for stage in STAGES}
    for question in items:
        answer = chain.answer(question)
        for stage in STAGES:
            if stage in answer.timings_ms:
                timings[stage].append(answer.timings_ms[stage])
    return {stage: percentiles(values) for stage, values in timings.items() if values}


def _shown(path: Path) -> str:
    """A path as the report shows it: relative to the project when inside it."""
    try:
        return str(path.resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


def main(argv: list[str] | None = None) -> str:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, default=ROOT / "var" / "cache" / "eval" / "18f-index")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out", type=Path, default=Path("eval/reports/answer_latency.md"))
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    items = questions()
    runs: dict[bool, list[dict]] = {True: [], False: []}
    for _ in range(args.repeats):
        for stored in (False, True):
            runs[stored].append(one_run(args.index, stored, items))
    lines = ["| stage | embedded while answering: p50 / p95 ms | stored at ingest: p50 / p95 ms |", "|---|---|---|"]
    for stage in STAGES:
        cells = []
        for stored in (False, True):
            have = [r[stage] for r in runs[stored] if stage in r]
            cells.append(f"{statistics.median(h['p50'] for h in have):.1f} / {statistics.median(h['p95'] for h in have):.1f}"
                         if have else "–")
        lines.append(f"| {stage} | {cells[0]} | {cells[1]} |")
    header = (f"# The answer step's time, sentence vectors stored or embedded while answering\n\nMachine: "
              f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}. {len(items)} "
              f"questions of the 18F handbook set, {args.repeats} runs of each configuration (alternating, a fresh "
              f"chain each), medians of the runs' percentiles. Index: {_shown(args.index)}.\n")
    return write_report([header, "\n".join(lines)], args.out)


if __name__ == "__main__":
    main()
