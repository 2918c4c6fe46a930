"""Redaction and aliases used by the console's views and exports."""
import pytest

from console import alias, redact

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("text, hidden, shown", [
    ("mail me at ana.o'neil@corp.co.uk please", "ana.o'neil@corp.co.uk"[4:], "[email]"),
    ("call +44 20 7946 0958 today", "7946", "[phone]"),
    ("or (555) 123-4567", "123-4567", "[phone]"),
    ("card 4111 1111 1111 1111 expires", "4111", "[card]"),
    ("IBAN GB82 WEST 1234 5698 7654 32", "WEST", "[iban]"),
])
def test_pii_is_masked(text, hidden, shown):
    masked = redact(text)
    assert hidden not in masked and shown in masked


def test_ordinary_numbers_survive():
    assert redact("respond within 30 days, or 72 hours for breaches") == "respond within 30 days, or 72 hours for breaches"


def test_aliases_are_stable_and_keyed():
    assert alias("ana", "k1") == alias("ana", "k1") != alias("ben", "k1")
    assert alias("ana", "k1") != alias("ana", "k2") and alias("ana", "k1").startswith("Learner-")


def test_retention_deletes_only_old_transcripts(tmp_path):
    import sqlite3
    import time

    from console import apply_retention
    from store import TurnStore

    turns = TurnStore(tmp_path / "tutor.db")
    old = turns.record("ana", "old question", "old answer")
    new = turns.record("ana", "new question", "new answer")
    turns.db["turns"].update(old, {"created": time.time() - 400 * 86400})
    tracker = tmp_path / "tracker.db"
    with sqlite3.connect(tracker) as db:
        db.execute("create table events (id integer primary key, sender_id text, timestamp real)")
        db.executemany("insert into events (sender_id, timestamp) values (?, ?)", [("ana", time.time() - 400 * 86400), ("ana", time.time())])
    deleted = apply_retention(365, tmp_path / "tutor.db", tracker)
    assert deleted["turns"] == 1 and deleted["tracker events"] == 1
    assert [t["turn_id"] for t in turns.turns_for("ana")] == [new]
    hits = turns.db.execute("select count(*) from turns_fts where turns_fts match 'old'").fetchone()[0]
    assert hits == 0  # the search index forgets too
