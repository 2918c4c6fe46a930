"""Faults under load in the multi-process layout: while simulated learners chat (mixed questions, quizzes and
recommendations over the REST channel), PostgreSQL is killed (`pg_ctl stop -m immediate`, like a crash) or
Redis is stopped, kept down for a while, and started again. Prints what the learners saw and what the tracker
store holds afterwards.

    python -m eval.load.fault_drill [--workers 2] [--learners 20] [--turns 15] [--outage 5] [--repeats 3]

A sound run: every turn gets either an answer or a clear "please try again"; none is lost, duplicated or out
of order in the tracker store; answers resume within a second or two of the restart.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Callable

from .load_checks import check_transcripts
from .load_stack import layout
from .load_test import run_rest_load


def drill(rasa_url: str, store: Path, fault: Callable[[], None], recover: Callable[[], None], *, learners: int,
          turns: int, outage_s: float, seed: int, fault_after_s: float = 4.0) -> dict:
    """One run: learners chat; `fault()` after `fault_after_s`, `recover()` `outage_s` later."""
    times: dict[str, float] = {}

    def inject() -> None:
        time.sleep(fault_after_s)
        times["fault"] = time.time()
        fault()
        time.sleep(outage_s)
        recover()
        times["recovered"] = time.time()

    injector = threading.Thread(target=inject, daemon=True)
    injector.start()
    report = run_rest_load(rasa_url, learners, turns, "mixed", seed, think_s=0.5, timeout_s=120)
    injector.join(120)
    check = check_transcripts(rasa_url, report, store)
    turns_all = [t for learner in report.transcripts for t in learner.turns]
    after = [t for t in turns_all if t.sent_at >= times.get("recovered", float("inf"))]
    first_ok = min((t.sent_at + t.latency_ms / 1000 for t in after if t.ok), default=float("nan"))
    last_failed = max((t.sent_at for t in after if not t.ok), default=times.get("recovered", 0.0))
    return {
        "sent": report.turns_sent, "ok": report.turns_ok, "failures": report.failures,
        "during_outage": sum(1 for t in turns_all if times.get("fault", 0) <= t.sent_at < times.get("recovered", 0)),
        "first_ok_after_restart_s": first_ok - times.get("recovered", 0.0),
        "last_failure_after_restart_s": max(0.0, last_failed - times.get("recovered", 0.0)),
        "p50_ms": report.p50_ms, "p95_ms": report.p95_ms,
        "lost": check.lost, "duplicated": check.duplicated, "out_of_order": check.out_of_order,
        "interleaved": check.interleaved, "absent_after_failure": check.absent_after_failure,
        "store_lost": check.store_lost, "store_duplicated": check.store_duplicated, "problems": check.problems[:5],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--learners", type=int, default=20)
    parser.add_argument("--turns", type=int, default=15)
    parser.add_argument("--outage", type=float, default=5.0, help="seconds the server stays down")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    rows = []
    with tempfile.TemporaryDirectory(prefix="fault-drill-") as tmp, layout("company", args.workers, Path(tmp)) as running:
        url, store, postgres, redis = running.rasa_url, running.store, running.postgres, running.redis
        for n, scenario in enumerate(("question", "quiz", "recommend")):  # every worker loads what it needs
            run_rest_load(url, 4, 3, scenario, -1 - n)
        faults = {"postgres": (lambda: postgres.stop("immediate"), postgres.start), "redis": (redis.stop, redis.start)}
        for name, (fault, recover) in faults.items():
            runs = [drill(url, store, fault, recover, learners=args.learners, turns=args.turns, outage_s=args.outage,
                          seed=100 * r + len(name)) for r in range(args.repeats)]
            for r, run in enumerate(runs, 1):
                print(f"  {name} run {r}: {run}", file=sys.stderr)
            rows.append((name, runs))
    print(f"\n{'restarted':10} {'sent':>5} {'ok':>5} {'try again':>9} {'other':>5} {'first ok s':>10} "
          f"{'p50 ms':>7} {'p95 ms':>7} {'lost/dup/ooo':>12} {'absent':>6}")
    for name, runs in rows:
        med = lambda key: statistics.median(r[key] for r in runs)  # noqa: E731
        sorry = statistics.median(r["failures"].get("sorry", 0) for r in runs)
        other = sum(v for r in runs for k, v in r["failures"].items() if k != "sorry")
        bad = "/".join(str(sum(r[k] for r in runs)) for k in ("lost", "duplicated", "out_of_order"))
        print(f"{name:10} {med('sent'):>5.0f} {med('ok'):>5.0f} {sorry:>9.0f} {other:>5} {med('first_ok_after_restart_s'):>10.2f} "
              f"{med('p50_ms'):>7.0f} {med('p95_ms'):>7.0f} {bad:>12} {sum(r['absent_after_failure'] for r in runs):>6}")
    ok = all(r["lost"] == r["duplicated"] == r["out_of_order"] == r["interleaved"] == 0 for _, runs in rows for r in runs)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
