"""The no-loss drill for learning records: learners use the tutor through the Tutor core (questions, feedback,
quizzes, recommendations, enrolments, completions) while the background sender delivers their xAPI statements to
a real LRS (Ralph from .venv-ralph, on loopback), and the LRS is stopped twice mid-run (once cleanly, once killed)
and started again. Then it checks that the LRS holds exactly the statements the tutor made: every id, none twice,
no dead letters, every statement valid xAPI 1.0.3, and as many of each verb as the tutor's own records say
happened. Last, it times delivery of a backlog to the same LRS (eval/lrs/throughput.py).

    tutor eval lrs [--learners 20] [--turns 20] [--workers 4] [--bench 5000] [--index DIR]
    python -m eval.lrs.drill ...

It uses the course index of tutor.yml (paths.index_dir) when one is there, else ingests data/courses into a
temporary folder first (a few minutes on 2 cores); its store and its LRS are temporary. Exit 0 when sound.
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from cli.lrs_server import LocalRalph
from eval.lrs.throughput import free_port, measure
from tutor import PROJECT_ROOT, Tutor, load_settings
from eval.lrs.delivery import delivery_checks, lag_summary, wait_until_sent
from xapi import LrsClient, LrsSettings

PASSWORD = "drill-lrs-password"
QUESTIONS = ["how do I report a phishing email?", "what is multi-factor authentication?", "what does SBI stand for?",
             "how should I prepare a meeting agenda?", "what does a LEFT JOIN return?", "how do I give feedback to a colleague?",
             "what counts as personal data?", "what goes in a project plan?", "how long should a password be?",
             "what is a window function?"]
TOPICS = ["phishing", "SQL", "feedback", "meetings", "passwords"]
# One learner's turns, in order (repeated when --turns is larger).
PLAN = ["ask", "rate", "quiz", "answer", "answer", "answer", "ask", "recommend", "enrol", "ask", "quiz", "answer", "answer",
        "answer", "ask", "ask_human", "complete", "ask", "ask", "ask"]


class Progress:
    def __init__(self, total: int) -> None:
        self.total, self.done, self.lock = total, 0, threading.Lock()
        self.counts: Counter = Counter()  # what the tutor did that makes a statement the store has no row count for

    def tick(self, **counted: int) -> None:
        with self.lock:
            self.done += 1
            self.counts.update(counted)

    @property
    def share(self) -> float:
        with self.lock:
            return self.done / self.total


def learner_turns(tutor: Tutor, number: int, turns: int, progress: Progress) -> None:
    learner = f"drill-learner-{number:02d}"
    last_turn, course = "", ""
    for n in range(turns):
        step = PLAN[n % len(PLAN)]
        counted: dict[str, int] = {}
        if step in ("answer",) and tutor.quiz_question(learner) is None:
            step = "ask"
        if step == "ask":
            last_turn = tutor.answer(learner, QUESTIONS[(number + n) % len(QUESTIONS)], channel="drill").replies[0].turn_id or ""
        elif step in ("rate", "ask_human"):
            value = "human" if step == "ask_human" else ("up" if number % 2 else "down")
            counted["rated"] = int(bool(last_turn) and tutor.feedback(learner, last_turn, value).replies[0].stored)
        elif step == "quiz":
            tutor.start_quiz(learner, TOPICS[(number + n) % len(TOPICS)])
        elif step == "answer":
            answer_item(tutor, learner, number + n)
        elif step == "recommend":
            items = getattr(tutor.recommend(learner).replies[0], "items", [])
            course = items[0]["title"] if items else ""
        elif step == "enrol" and course:
            counted["registered"] = int("enrolled" in tutor.enrol(learner, course).replies[0].text)
        elif step == "complete" and course:
            counted["completed"] = int("finishing" in tutor.complete_course(learner, course).replies[0].text)
        progress.tick(**counted)


def answer_item(tutor: Tutor, learner: str, seed: int) -> None:
    """Right two times in three, a skip now and then, else a wrong answer."""
    if seed % 7 == 0:
        tutor.skip_question(learner)
        return
    session = tutor.records.learning.open_session(learner)
    question = tutor.records.learning.question(session["question_ids"][session["position"]])
    if question["kind"] == "mcq":
        right = question["options"].index(question["answer"])
        chosen = right if seed % 3 else (right + 1) % len(question["options"])
        tutor.answer_quiz(learner, str(chosen + 1), 3000.0 + seed)
    else:
        tutor.answer_quiz(learner, question["answer"] if seed % 3 else "no idea", 3000.0 + seed)


def outages(server: LocalRalph, progress: Progress, log: list[dict], min_outage_s: float) -> None:
    """Stop the LRS twice (SIGTERM at 20% of the turns, SIGKILL at 55%), each time until 15% more turns are done."""
    for at, until, sig in ((0.20, 0.35, signal.SIGTERM), (0.55, 0.70, signal.SIGKILL)):
        while progress.share < at:
            time.sleep(0.2)
        server.stop(sig)
        down = time.time()
        time.sleep(min_outage_s)
        while progress.share < until:
            time.sleep(0.2)
        restarting = progress.share
        server.start()
        log.append({"signal": signal.Signals(sig).name, "down_s": round(time.time() - down, 1),
                    "turns_done_at_stop": at, "turns_done_at_restart": round(restarting, 2)})


def expected_verbs(tutor: Tutor, progress: Progress) -> Counter:
    """How many statements of each verb the tutor's own records say it should have made."""
    db = tutor.records.db
    one = lambda sql: int(db.execute(sql).fetchone()[0])  # noqa: E731
    return Counter({
        "asked": one("select count(*) from turns"),
        "answered": one("select count(*) from attempts where skipped = 0"),
        "attempted": one("select count(*) from attempts where skipped = 1"),
        "progressed": one("select count(*) from attempts"),
        "passed+failed": one("select count(*) from quiz_sessions where status = 'finished'"),
        "rated": progress.counts["rated"], "registered": progress.counts["registered"],
        "completed": progress.counts["completed"],
    })


def index_for(settings, given: str | None, work: Path) -> Path:
    if given:
        return Path(given)
    configured = settings.path(settings.paths.index_dir)
    if (configured / "current").exists():
        return configured
    print(f"No course index at {configured}: ingesting {settings.path(settings.paths.courses)} first …", flush=True)
    settings.paths.index_dir = work / "index"
    Tutor(settings).ingest(settings.path(settings.paths.courses))
    return work / "index"


def run(args, work: Path) -> dict:
    server = LocalRalph(work / "ralph", port=free_port(), password=PASSWORD).start()
    try:
        return drill(args, work, server)
    finally:
        server.stop()


def drill(args, work: Path, server: LocalRalph) -> dict:
    os.environ["TUTOR_LRS_PASSWORD"] = PASSWORD
    settings = load_settings()
    settings.paths.index_dir = index_for(settings, args.index, work)
    settings.paths.store = work / "tutor.db"
    settings.lrs = LrsSettings(endpoint=server.endpoint, username=server.username, backoff_min_s=0.2, backoff_max_s=2.0,
                               poll_s=0.2, timeout_s=5.0)
    tutor = Tutor(settings)
    tutor.answer("drill-warm-up", QUESTIONS[0], record=False)  # load the models before the clock starts
    progress, outage_log = Progress(args.learners * args.turns), []
    sender = tutor.learning_records.start_sender()
    chaos = threading.Thread(target=outages, args=(server, progress, outage_log, args.min_outage), daemon=True)
    started = time.time()
    chaos.start()
    with ThreadPoolExecutor(args.workers) as pool:
        for future in [pool.submit(learner_turns, tutor, i, args.turns, progress) for i in range(args.learners)]:
            future.result()
    chaos.join(300)
    turns_s = time.time() - started
    wait_until_sent(lambda: tutor.learning_records.status().pending, args.settle)
    sender.stop()
    drained_s = time.time() - started

    outbox = tutor.records.outbox
    made = outbox.statement_ids()
    lrs = LrsClient(settings.lrs.statements_url, server.username, PASSWORD).read_all()
    in_file = server.stored_ids()
    got = Counter(s["verb"]["display"]["en-US"] for s in lrs if s["id"] in set(made))
    got["passed+failed"] = got.pop("passed", 0) + got.pop("failed", 0)
    expected = expected_verbs(tutor, progress)
    shown = dict(sorted(got.items()))
    retried = int(tutor.records.db.execute("select count(*) from lrs_outbox where attempts > 0").fetchone()[0])
    result = {
        "learners": args.learners, "turns": args.learners * args.turns, "workers": args.workers,
        "outages": outage_log, "turns_s": round(turns_s, 1), "all_delivered_s": round(drained_s, 1),
        **delivery_checks(made, lrs, in_file),
        "dead_letters": outbox.status().dead, "pending": outbox.status().pending,
        "statements_retried_after_failures": retried, "outbox_lag": lag_summary(outbox.delivery_lags()),
        "verbs_in_lrs": shown, "verbs_expected": dict(sorted(expected.items())),
    }
    # 'experienced' (an enrolment in a course the tutor recommends at that moment) has no count of its own in the
    # records: it may not exceed the enrolments.
    experienced = got.pop("experienced", 0)
    result["sound"] = (result["missing"] == result["unexpected"] == result["duplicated"] == result["dead_letters"]
                       == result["pending"] == result["invalid"] == 0 and len(lrs) == len(made) and got == expected
                       and experienced <= got["registered"] and len(outage_log) == 2)
    if args.bench:
        result["throughput"] = {**measure(server.endpoint, server.username, PASSWORD, args.bench, settings.lrs.batch_size, work),
                                "lrs_held_before": len(in_file)}
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Learning records through two LRS outages: none lost, none twice.")
    parser.add_argument("--learners", type=int, default=20)
    parser.add_argument("--turns", type=int, default=20, help="Turns per learner.")
    parser.add_argument("--workers", type=int, default=4, help="Learners served at once (threads over one Tutor).")
    parser.add_argument("--min-outage", type=float, default=3.0, help="Seconds each outage lasts at least.")
    parser.add_argument("--settle", type=float, default=120.0, help="Seconds to wait for the last statements after the turns.")
    parser.add_argument("--bench", type=int, default=5000, help="Statements for the throughput run afterwards (0: none).")
    parser.add_argument("--index", help="A course index to answer from (default: tutor.yml's, else the sample courses).")
    parser.add_argument("--out", default=str(PROJECT_ROOT / "eval" / "reports" / "lrs_drill.json"))
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="lrs-drill-") as folder:
        result = run(args, Path(folder))
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    print(f"{'SOUND' if result['sound'] else 'NOT SOUND'}: report in {out}")
    return 0 if result["sound"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
