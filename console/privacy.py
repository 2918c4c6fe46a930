"""Privacy in the console: stable aliases instead of learner ids, PII redaction in views and exports,
retention, and forgetting one learner everywhere."""
from __future__ import annotations

import hashlib
import hmac
import logging
import re
import sqlite3
import time
from pathlib import Path

from store import open_database, write_transaction

from .tracker_events import TrackerEvents, tracker_events

log = logging.getLogger(__name__)

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_PHONE = re.compile(r"(?<!\w)(?:\+?\d[\d ().-]{7,}\d)(?!\w)")
_CARD = re.compile(r"\b(?:\d[ -]?){13,19}\b")
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){3,7}\b")

LEARNER_TABLES = {  # table -> column naming the learner
    "turns": "sender_id", "attempts": "learner", "mastery": "learner", "review_cards": "learner",
    "quiz_sessions": "learner", "profiles": "learner", "enrolments": "learner",
}


def alias(learner: str, secret: str) -> str:
    """A stable pseudonym: the same learner always gets the same alias, which reveals nothing."""
    digest = hmac.new(secret.encode(), learner.encode("utf-8", "replace"), hashlib.sha256).hexdigest()
    return f"Learner-{digest[:6].upper()}"


def redact(text: str | None) -> str:
    """Mask e-mail addresses, phone numbers, card numbers and IBANs."""
    if not text:
        return ""
    text = _EMAIL.sub("[email]", text)
    text = _IBAN.sub("[iban]", text)
    text = _CARD.sub(lambda m: "[card]" if len(re.sub(r"\D", "", m.group())) >= 13 else m.group(), text)
    return _PHONE.sub("[phone]", text)


def conversations_of(db: sqlite3.Connection, learner: str) -> set[str]:
    rows = db.execute("select distinct conversation_id from turns where sender_id = ?", [learner]).fetchall()
    return {r[0] for r in rows if r[0]} | {learner}


def forget(learner: str, tutor_db: Path, tracker: "TrackerEvents | Path | str | None") -> dict[str, int]:
    """Delete everything about one learner: the tutor's tables, console notes on their turns, and Rasa's
    tracker events of their conversations (SQLite or PostgreSQL). Returns rows deleted per table."""
    deleted: dict[str, int] = {}
    db = open_database(tutor_db)

    def delete_tutor_records() -> set[str]:
        deleted.clear()  # the transaction may be retried whole
        conversations = conversations_of(db, learner)
        turn_ids = [r[0] for r in db.execute("select turn_id from turns where sender_id = ?", [learner])]
        for start in range(0, len(turn_ids), 500):
            chunk = turn_ids[start:start + 500]
            cur = db.execute(f"delete from annotations where turn_id in ({','.join('?' * len(chunk))})", chunk)
            deleted["annotations"] = deleted.get("annotations", 0) + cur.rowcount
        for table, column in LEARNER_TABLES.items():
            deleted[table] = db.execute(f"delete from {table} where {column} = ?", [learner]).rowcount
        marks = ",".join("?" * len(conversations))
        deleted["conversation_reviews"] = db.execute(f"delete from conversation_reviews where conversation_id in ({marks})", list(conversations)).rowcount
        return conversations

    try:
        conversations = write_transaction(db, delete_tutor_records, what="forget a learner")
    finally:
        db.close()
    events = tracker_events(tracker)
    if events is not None:
        deleted["tracker events"] = events.delete_conversations(conversations)
    log.info("forgot a learner: %s", {k: v for k, v in deleted.items() if v})
    return deleted


def apply_retention(days: int, tutor_db: Path, tracker: "TrackerEvents | Path | str | None") -> dict[str, int]:
    """Delete transcripts older than `days` days (turns, their notes, and Rasa's events)."""
    cutoff = time.time() - days * 86400
    deleted = {}
    db = open_database(tutor_db)

    def delete_old_turns() -> None:
        deleted["annotations"] = db.execute("delete from annotations where turn_id in (select turn_id from turns where created < ?)", [cutoff]).rowcount
        deleted["turns"] = db.execute("delete from turns where created < ?", [cutoff]).rowcount

    try:
        write_transaction(db, delete_old_turns, what="retention")
    finally:
        db.close()
    events = tracker_events(tracker)
    if events is not None:
        deleted["tracker events"] = events.delete_before(cutoff)
    return deleted
