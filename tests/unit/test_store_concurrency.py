"""Several processes writing one SQLite file through the public store APIs, and the retry under every write.

The multi-process run is the benchmark's own (`eval.load.store_writers.run_once`), so the test and the measured
table check the same thing: processes open a fresh file at once, make a mix of turn, quiz and profile writes
on shared learners, and the file must then hold exactly what they report, with integrity ok.
"""
from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import pytest

from eval.load.store_writers import run_once
from store import LearningStore, ProfileStore, TurnStore
from store.retry import is_transient, retry, write

pytestmark = pytest.mark.unit


def test_four_processes_write_one_file_without_errors_or_lost_writes(tmp_path: Path) -> None:
    start = time.perf_counter()
    result = run_once(processes=4, ops=150, workdir=str(tmp_path))
    assert result["crashed"] == []
    assert dict(result["errors"]) == {}
    assert result["mismatches"] == [] and result["exact"]
    assert result["integrity"] == "ok"
    assert time.perf_counter() - start < 30


def _locked() -> sqlite3.OperationalError:
    return sqlite3.OperationalError("database is locked")


def test_retry_recovers_from_a_transient_lock_and_logs_it(caplog: pytest.LogCaptureFixture) -> None:
    calls, sleeps = [], []

    def work() -> str:
        calls.append(1)
        if len(calls) < 3:
            raise _locked()
        return "done"

    with caplog.at_level("WARNING", logger="store.retry"):
        assert retry(work, what="record turn", base_delay_s=0.1, sleep=sleeps.append) == "done"
    assert len(calls) == 3
    # The delay doubles each time, with up to 50% jitter either way.
    assert 0.05 <= sleeps[0] <= 0.15 and 0.1 <= sleeps[1] <= 0.3
    assert [r.getMessage().split(":")[0] for r in caplog.records] == ["record turn", "record turn"]


def test_retry_gives_up_after_its_bound_with_the_original_error() -> None:
    calls, errors = [], [_locked() for _ in range(4)]

    def work() -> None:
        calls.append(1)
        raise errors[len(calls) - 1]

    with pytest.raises(sqlite3.OperationalError) as raised:
        retry(work, attempts=4, sleep=lambda s: None)
    assert len(calls) == 4 and raised.value is errors[-1]


def test_retry_does_not_repeat_other_errors() -> None:
    calls = []

    def work() -> None:
        calls.append(1)
        raise sqlite3.OperationalError("no such table: turns")

    with pytest.raises(sqlite3.OperationalError, match="no such table"):
        retry(work, sleep=lambda s: None)
    assert len(calls) == 1
    assert is_transient(_locked()) and is_transient(sqlite3.OperationalError("database is busy"))
    assert not is_transient(ValueError("locked"))


def test_write_rolls_back_a_failed_attempt_before_retrying_it(tmp_path: Path) -> None:
    store = TurnStore(tmp_path / "tutor.db")
    tries = []

    def work() -> None:
        store.db["annotations"].insert({"annotation_id": f"a{len(tries)}", "turn_id": "t", "kind": "note"})
        tries.append(1)
        if len(tries) == 1:
            raise _locked()

    write(store.db, work, what="annotate")
    assert len(tries) == 2
    assert [r["annotation_id"] for r in store.db["annotations"].rows] == ["a1"]
    assert not store.db.conn.in_transaction


def test_a_second_writer_waits_for_the_lock_instead_of_failing(tmp_path: Path) -> None:
    """A connection holding the write lock briefly (another process, say) delays a store write, never fails it,
    and the write reads what the other committed (a profile change merges)."""
    store = ProfileStore(tmp_path / "tutor.db")
    other = sqlite3.connect(tmp_path / "tutor.db", isolation_level=None, check_same_thread=False)
    other.execute("begin immediate")
    other.execute("insert into profiles (learner, role, goals, group_name, created, updated) values ('ana', 'analyst', '', '', 0, 0)")
    threading.Timer(0.3, lambda: other.execute("commit")).start()
    store.save_profile("ana", goals="team lead")
    other.close()
    row = store.profile("ana")
    assert (row["role"], row["goals"]) == ("analyst", "team lead")


def test_threads_sharing_one_store_keep_every_write(tmp_path: Path) -> None:
    """One store (one connection) is shared by a server process's threads; their transactions must not interleave."""
    store = LearningStore(tmp_path / "tutor.db")
    errors: list[BaseException] = []
    sessions = [store.create_session(f"learner-{n}", "t", [f"q{i}" for i in range(50)]) for n in range(4)]

    def answer(session: dict) -> None:
        try:
            for position in range(50):
                attempt = {"learner": session["learner"], "question_id": f"q{position}", "skill": "joins", "answer": "a",
                           "correct": 1, "skipped": 0, "hinted": 0, "score": 1.0, "latency_ms": 1.0}
                store.record_answer(session["session_id"], position, attempt, lambda p: 0.5, lambda card: ({}, 0.0))
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=answer, args=(s,)) for s in sessions]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sum(store.mastery(s["learner"])["joins"]["attempts"] for s in sessions) == 200
    assert store.db.execute("select count(*) from attempts").fetchone()[0] == 200
