"""Forgetting a learner reaches every table by construction (a new learner table that nobody classified fails
here), leaves other learners alone, reaches Rasa's events of every conversation the learner spoke in, and
retention deletes only old transcripts."""
import json
import sqlite3
import time
import uuid
from pathlib import Path

import pytest

from store import LEARNER_KEYED, Groups, Records, classify
from tutor import Tutor, load_settings

pytestmark = pytest.mark.unit
ANA, BEN = "slack:T1:U-ana-7f3", "slack:T1:U-ben-2c9"


def tables(records: Records) -> list[str]:
    return [r[0] for r in records.db.execute("select name from sqlite_master where type = 'table'")]


def test_every_table_says_how_it_relates_to_learners(tmp_path: Path):
    records = Records(tmp_path / "tutor.db")
    unclassified = [t for t in tables(records) if classify(t) is None]
    assert unclassified == [], "classify these tables in store/schema.py so forgetting a learner covers them"
    for table in tables(records):
        columns = {c.name for c in records.db[table].columns}
        if {"learner", "sender_id", "learner_id", "user_id"} & columns:
            assert classify(table) == "learner" and LEARNER_KEYED[table] in columns, table


def fill(records: Records, learner: str, conversation: str) -> None:
    """One row in every learner-keyed and linked table, through the store's own API."""
    turn = records.turns.record(learner, f"question of {learner}", "answer", conversation_id=conversation)
    records.transcripts.annotate(turn, "note", "look at this", "trainer1")
    records.transcripts.mark_reviewed(conversation, "trainer1")
    records.learning.upsert_questions([{"question_id": "q1", "course_id": "c", "course_title": "C", "skill": "s", "kind": "short",
                                        "prompt": "p", "answer": "a", "options": [], "explanation": "", "section": "", "url": "",
                                        "source_chunk": "", "difficulty": 0.5, "origin": "authored"}])
    session = records.learning.create_session(learner, "t", ["q1"])
    attempt = {"learner": learner, "question_id": "q1", "skill": "s", "answer": "a", "correct": 1, "skipped": 0, "hinted": 0,
               "score": 1.0, "latency_ms": 1.0}
    records.learning.record_answer(session["session_id"], 0, attempt, lambda p: 0.5, lambda card: ({"due": 1}, 1.0))
    records.learning.flag_question(learner, "q1", f"{learner} thinks the answer is outdated")
    records.profiles.save_profile(learner, role="analyst")
    records.profiles.set_course_status(learner, "c", "enrolled")
    Groups(records.db).import_memberships([(learner, "finance")])
    records.outbox.add(learner, [{"id": str(uuid.uuid5(uuid.NAMESPACE_URL, learner)),
                                  "verb": {"id": "http://adlnet.gov/expapi/verbs/asked"}, "actor": {"name": learner}}])


def mentions(records: Records, text: str) -> dict[str, int]:
    """Rows anywhere in the database whose text contains `text`."""
    found = {}
    for table in tables(records):
        columns = [c.name for c in records.db[table].columns]
        where = " or ".join(f"cast({c} as text) like ?" for c in columns)
        count = records.db.execute(f"select count(*) from [{table}] where {where}", [f"%{text}%"] * len(columns)).fetchone()[0]
        if count:
            found[table] = count
    return found


def tracker_with(path: Path, rows: list[tuple[str, str, dict]]) -> Path:
    with sqlite3.connect(path) as db:
        db.execute("create table events (id integer primary key, sender_id text, type_name text, timestamp real, data text)")
        db.executemany("insert into events (sender_id, type_name, timestamp, data) values (?, ?, ?, ?)",
                       [(s, t, time.time(), json.dumps(d)) for s, t, d in rows])
    return path


@pytest.fixture()
def tutor(tmp_path: Path) -> Tutor:
    tracker_with(tmp_path / "tracker.db", [
        ("slack:T1:D1:main", "user", {"event": "user", "text": "hi", "metadata": {"learner": ANA}}),
        ("slack:T1:D1:main", "bot", {"event": "bot", "text": "hello"}),
        ("slack:T1:C9:quiz-only", "user", {"event": "user", "text": "quiz me", "metadata": {"learner": ANA}}),
        ("slack:T1:C9:other", "user", {"event": "user", "text": "hi", "metadata": {"learner": BEN}}),
        ("slack:T1:C9:other", "user", {"event": "user", "text": "hi", "metadata": {"learner": "slack:T1:U-ana-7f3x"}}),
    ])
    (tmp_path / "endpoints.yml").write_text(f'tracker_store:\n  type: SQL\n  dialect: sqlite\n  db: "{tmp_path / "tracker.db"}"\n')
    (tmp_path / "tutor.yml").write_text(f"paths:\n  store: {tmp_path / 'tutor.db'}\nservers:\n  endpoints: {tmp_path / 'endpoints.yml'}\n")
    return Tutor(load_settings(tmp_path / "tutor.yml", environ={}))


def test_forget_deletes_everything_about_one_learner_and_nothing_else(tutor: Tutor, tmp_path: Path):
    fill(tutor.records, ANA, "slack:T1:D1:main")
    fill(tutor.records, BEN, "slack:T1:C9:other")
    ben_before = mentions(tutor.records, BEN)
    deleted = tutor.forget(ANA)
    assert mentions(tutor.records, ANA) == {}
    assert mentions(tutor.records, BEN) == ben_before
    assert all(deleted[t] >= 1 for t in LEARNER_KEYED) and deleted["annotations"] == 1
    assert deleted["question_flags"] == 1  # the flag and the reason in the learner's words went with them
    assert [f["reason"] for f in tutor.records.question_reviews.flags()["q1"]] == [f"{BEN} thinks the answer is outdated"]
    with sqlite3.connect(tmp_path / "tracker.db") as db:
        left = sorted({r[0] for r in db.execute("select sender_id from events")})
    assert left == ["slack:T1:C9:other"]  # the quiz-only thread went too, found by the learner in its metadata
    assert deleted["tracker events"] == 3


def test_retention_deletes_only_old_transcripts(tutor: Tutor, tmp_path: Path):
    turns = tutor.records.turns
    old = turns.record("ana", "old question", "old answer")
    new = turns.record("ana", "new question", "new answer")
    turns.db["turns"].update(old, {"created": time.time() - 400 * 86400})
    with sqlite3.connect(tmp_path / "tracker.db") as db:
        db.execute("update events set timestamp = ? where id = 1", [time.time() - 400 * 86400])
    deleted = tutor.apply_retention()
    assert deleted["turns"] == 1 and deleted["tracker events"] == 1
    assert [t["turn_id"] for t in turns.turns_for("ana")] == [new]
    hits = turns.db.execute("select count(*) from turns_fts where turns_fts match 'old'").fetchone()[0]
    assert hits == 0  # the search index forgets too


def test_the_rename_of_turns_sender_id_keeps_existing_rows(tmp_path: Path):
    """A database made before the rename migration: its turns keep their learner."""
    import sqlite_utils

    from store.migrations import MIGRATIONS

    db = sqlite_utils.Database(tmp_path / "old.db")
    db.execute("create table _migrations (version integer primary key, applied real)")
    for version, step in enumerate(MIGRATIONS[:5], 1):
        step(db)
        db.execute("insert into _migrations values (?, ?)", [version, time.time()])
    db["turns"].insert({"turn_id": "t1", "sender_id": "ana", "created": 1.0, "question": "q", "answer": "a", "conversation_id": "c"})
    db.close()
    records = Records(tmp_path / "old.db")
    assert [t["turn_id"] for t in records.turns.turns_for("ana")] == ["t1"]
