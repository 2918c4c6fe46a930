"""Several writer processes on one SQLite file: throughput, write latency, errors and exact row counts.

In production the action server's workers, the Slack app and the trainer console all write the tutor's one
SQLite file. This starts P spawned processes that open the same fresh file at once (as workers do on a first
deploy) and each make M writes through the public store APIs, in a mix like live traffic; learners are shared
between processes so read-then-write methods (mastery, review cards, profiles) really collide. Afterwards
every row count must equal what the processes report they wrote, and `PRAGMA integrity_check` must be ok.

    python -m eval.load.store_writers [--processes 1,2,4,8] [--ops 300] [--repeats 3] [--migrated] [--dir PATH]
"""
from __future__ import annotations

import argparse
import logging
import multiprocessing as mp
import random
import sqlite3
import statistics
import tempfile
import time
from collections import Counter
from contextlib import closing
from pathlib import Path
from typing import Any, Callable

import numpy as np

from ..metrics import percentiles

LEARNERS = [f"learner-{i}" for i in range(6)]
SKILLS = ["joins", "window-functions", "phishing", "passwords"]
COURSES = ["sql-for-analysts", "advanced-sql", "infosec-basics"]
QUESTIONS = [f"q-{i}" for i in range(12)]
# Share of each write in the mix: mostly turns, then what a quiz answer writes, then profile changes.
MIX = {"record": 55, "set_feedback": 10, "answer": 23, "hint": 6, "create_session": 2, "save_profile": 2,
       "set_course_status": 2}


class _RetryCounter(logging.Handler):
    """Counts the retries the stores log, by what was retried, so the table shows where contention needed one."""

    def __init__(self) -> None:
        super().__init__()
        self.count: Counter[str] = Counter()

    def emit(self, record: logging.LogRecord) -> None:
        self.count[record.getMessage().split(":")[0]] += 1


def _kind(exc: BaseException) -> str:
    """The error's type and message, with SQLite's extended code (SQLITE_BUSY_SNAPSHOT, say) when there is one."""
    code = getattr(exc, "sqlite_errorname", None)
    return f"{type(exc).__name__}: {str(exc)[:60]}" + (f" ({code})" if code else "")


def _worker(path: str, index: int, ops: int, barrier: Any, out: Any) -> None:
    """One writer process: open the stores with the others, then make `ops` writes and report what it did."""
    from store import AnswerConflict, LearningStore, ProfileStore, TurnStore

    retries = _RetryCounter()
    logging.getLogger("store.retry").addHandler(retries)
    logging.getLogger("store.retry").setLevel(logging.DEBUG)
    rng = random.Random(index)
    done: Counter[str] = Counter()
    errors: Counter[str] = Counter()
    latencies: list[float] = []
    state: dict[str, Any] = {"correct": 0, "profiles": set(), "enrolments": set()}
    stores = None
    barrier.wait(120)
    try:
        stores = TurnStore(Path(path)), LearningStore(Path(path)), ProfileStore(Path(path))
    except Exception as exc:  # noqa: BLE001 - every failure is a finding to report
        errors[f"open: {_kind(exc)}"] += 1
    barrier.wait(120)
    turns, learning, profiles = stores or (None, None, None)
    unrated: list[str] = []
    session: dict[str, Any] | None = None
    names, weights = list(MIX), list(MIX.values())
    start = time.time()
    for i in range(ops if stores else 0):
        kind = rng.choices(names, weights)[0]
        learner, skill, qid = rng.choice(LEARNERS), rng.choice(SKILLS), rng.choice(QUESTIONS)
        correct = rng.random() < 0.6
        if kind == "set_feedback" and not unrated:
            kind = "record"
        if kind in ("answer", "hint") and session is None:
            kind = "create_session"
        calls: dict[str, Callable[[], Any]] = {
            "record": lambda: turns.record(f"U{index}-{learner}", f"question {i}?", "an answer " * 20, channel="slack",
                                           mode="extractive", sources=[{"course_id": rng.choice(COURSES)}],
                                           notes=["bench"], latency_ms=12.5, conversation_id=f"c{index}-{learner}"),
            "set_feedback": lambda: turns.set_feedback(unrated[-1], rng.choice(["up", "down"])),
            # Everything a quiz answer writes (attempt, mastery, review card, position), in one transaction.
            "answer": lambda: learning.record_answer(
                session["session_id"], session["position"],
                {"learner": session["learner"], "question_id": session["question_ids"][session["position"]], "skill": skill,
                 "answer": "b", "correct": int(correct), "skipped": 0, "hinted": 0, "score": float(correct), "latency_ms": 3.0},
                lambda p: rng.random(), lambda card: ({"stability": rng.random()}, time.time() + 86400)),
            "hint": lambda: learning.update_session(session["session_id"], hints=[qid]),
            "create_session": lambda: learning.create_session(learner, "SQL joins", QUESTIONS[:5]),
            "save_profile": lambda: profiles.save_profile(learner, role=f"role-{index}", goals=f"goal {i}"),
            "set_course_status": lambda: profiles.set_course_status(learner, COURSES[i % 3], "enrolled"),
        }
        t0 = time.perf_counter()
        try:
            result = calls[kind]()
        except AnswerConflict:  # another process started a new quiz for this learner: nothing was written
            done["answer refused (quiz moved on)"] += 1
            session = None
            continue
        except Exception as exc:  # noqa: BLE001 - counted by type, the run goes on
            errors[f"{kind}: {_kind(exc)}"] += 1
            continue
        finally:
            latencies.append((time.perf_counter() - t0) * 1000)
        done[kind] += 1
        if kind == "record":
            unrated.append(result)
        elif kind == "set_feedback":
            unrated.pop()
            if result is not True:
                errors["set_feedback: turn not found"] += 1
        elif kind == "answer":
            state["correct"] += int(correct)
            session = result if result["status"] != "finished" else None
        elif kind == "create_session":
            session = result
        elif kind == "save_profile":
            state["profiles"].add(learner)
        elif kind == "set_course_status":
            state["enrolments"].add((learner, COURSES[i % 3]))
    out.put({"done": done, "errors": errors, "latencies": latencies, "state": state,
             "start": start, "end": time.time(), "retries": retries.count})


def _check(path: Path, results: list[dict[str, Any]]) -> tuple[bool, str, list[str]]:
    """Compare the file with what the processes say they wrote; (counts exact, integrity, mismatches)."""
    done: Counter[str] = sum((r["done"] for r in results), Counter())
    expected = {
        "turns": done["record"],
        "turns with feedback": done["set_feedback"],
        "attempts": done["answer"],
        "mastery attempts": done["answer"],
        "mastery correct": sum(r["state"]["correct"] for r in results),
        "card reviews": done["answer"],
        "quiz sessions": done["create_session"],
        "answers in sessions": done["answer"],
        "open sessions per learner, max": 1 if done["create_session"] else 0,
        "profiles": len(set().union(*(r["state"]["profiles"] for r in results))),
        "enrolments": len(set().union(*(r["state"]["enrolments"] for r in results))),
    }
    with closing(sqlite3.connect(path)) as conn:
        one = lambda sql: conn.execute(sql).fetchone()[0] or 0  # noqa: E731
        found = {
            "turns": one("select count(*) from turns"),
            "turns with feedback": one("select count(*) from turns where feedback != ''"),
            "attempts": one("select count(*) from attempts"),
            "mastery attempts": one("select sum(attempts) from mastery"),
            "mastery correct": one("select sum(correct) from mastery"),
            "card reviews": one("select sum(reviews) from review_cards"),
            "quiz sessions": one("select count(*) from quiz_sessions"),
            "answers in sessions": one("select sum(answered) from quiz_sessions"),
            "open sessions per learner, max": one("select max(n) from (select count(*) as n from quiz_sessions "
                                                   "where status in ('active', 'paused') group by learner)"),
            "profiles": one("select count(*) from profiles"),
            "enrolments": one("select count(*) from enrolments"),
        }
        integrity = conn.execute("pragma integrity_check").fetchone()[0]
        expected["journal mode"], found["journal mode"] = "wal", conn.execute("pragma journal_mode").fetchone()[0]
    mismatches = [f"{k}: expected {v}, found {found[k]}" for k, v in expected.items() if found[k] != v]
    return not mismatches, integrity, mismatches


def _bare_commits_ms(folder: Path, n: int = 20) -> list[float]:
    """One-row commits on a bare WAL file beside the store: the disk's floor (mostly its fsync) at that moment."""
    conn = sqlite3.connect(folder / "floor.db", isolation_level=None)
    conn.execute("pragma journal_mode=wal")
    conn.execute("create table if not exists t (x)")
    times = []
    for i in range(n):
        t0 = time.perf_counter()
        conn.execute("insert into t values (?)", [i])
        times.append((time.perf_counter() - t0) * 1000)
    conn.close()
    return times


def run_once(processes: int, ops: int, workdir: str | None = None, migrated: bool = False) -> dict[str, Any]:
    """One run: P processes x `ops` writes on a fresh file (migrated first, like a restart, if `migrated`);
    returns throughput, latencies, errors and checks."""
    ctx = mp.get_context("spawn")
    with tempfile.TemporaryDirectory(prefix="store-writers-", dir=workdir) as tmp:
        path = Path(tmp) / "tutor.db"
        floor = _bare_commits_ms(Path(tmp))
        if migrated:
            from store import open_database

            open_database(path).close()
        barrier, out = ctx.Barrier(processes), ctx.Queue()
        procs = [ctx.Process(target=_worker, args=(str(path), i, ops, barrier, out)) for i in range(processes)]
        for p in procs:
            p.start()
        results = [out.get(timeout=600) for _ in procs]
        for p in procs:
            p.join(30)
        exact, integrity, mismatches = _check(path, results)
        floor += _bare_commits_ms(Path(tmp))
    latencies = [x for r in results for x in r["latencies"]]
    elapsed = max(r["end"] for r in results) - min(r["start"] for r in results)
    return {
        "processes": processes,
        "ops_per_s": len(latencies) / elapsed if elapsed > 0 else float("nan"),
        **percentiles(latencies),
        "p99": float(np.percentile(latencies, 99)) if latencies else float("nan"),
        "floor": statistics.median(floor),
        "errors": sum((r["errors"] for r in results), Counter()),
        "retries": sum((r["retries"] for r in results), Counter()),
        "exact": exact,
        "integrity": integrity,
        "mismatches": mismatches,
        "crashed": [p.exitcode for p in procs if p.exitcode != 0],
    }


def summarise(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Medians of the numbers over repeats; errors and retries summed, checks counted, so nothing is hidden."""
    return {
        "processes": runs[0]["processes"],
        **{k: statistics.median(r[k] for r in runs) for k in ("ops_per_s", "p50", "p95", "p99", "floor")},
        "errors": sum((r["errors"] for r in runs), Counter()),
        "retries": sum((r["retries"] for r in runs), Counter()),
        "exact": sum(r["exact"] and not r["crashed"] for r in runs),
        "integrity": sum(r["integrity"] == "ok" for r in runs),
        "repeats": len(runs),
        "mismatches": sorted({m for r in runs for m in r["mismatches"]}),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--processes", default="1,2,4,8", help="comma-separated numbers of writer processes")
    parser.add_argument("--ops", type=int, default=300, help="writes per process")
    parser.add_argument("--repeats", type=int, default=3, help="runs per number of processes (medians reported)")
    parser.add_argument("--dir", default=None, help="folder for the temporary database (default: the system's)")
    parser.add_argument("--migrated", action="store_true", help="migrate the file before the writers open it")
    args = parser.parse_args(argv)
    rows = []
    for processes in (int(p) for p in args.processes.split(",")):
        rows.append(summarise([run_once(processes, args.ops, args.dir, args.migrated) for _ in range(args.repeats)]))
    print(f"{args.ops} writes per process on a {'migrated' if args.migrated else 'fresh'} file, median of "
          f"{args.repeats} runs; errors and retries summed over runs\n")
    print("| writers | writes/s | p50 ms | p95 ms | p99 ms | bare commit p50 ms | errors | retries | counts exact "
          "| integrity ok |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        errors = ", ".join(f"{n}x {k}" for k, n in r["errors"].most_common()) or "0"
        retries = ", ".join(f"{n}x {k}" for k, n in r["retries"].most_common()) or "0"
        print(f"| {r['processes']} | {r['ops_per_s']:.0f} | {r['p50']:.1f} | {r['p95']:.1f} | {r['p99']:.1f} | {r['floor']:.1f} | "
              f"{errors} | {retries} | {r['exact']}/{r['repeats']} | {r['integrity']}/{r['repeats']} |")
    for r in rows:
        for m in r["mismatches"]:
            print(f"{r['processes']} writers: {m}")


if __name__ == "__main__":
    main()
