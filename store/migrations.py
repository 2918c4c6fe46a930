"""Numbered schema migrations for the tutor's SQLite database, applied in order, each once."""
from __future__ import annotations

import sqlite3
import time
from typing import Callable

import sqlite_utils

from .retry import retry, write


def _1_turns(db: sqlite_utils.Database) -> None:
    db["turns"].create(
        {
            "turn_id": str, "sender_id": str, "channel": str, "created": float, "question": str, "answer": str,
            "mode": str, "abstained": int, "confidence": float, "sources": str, "notes": str, "latency_ms": float,
            "feedback": str,
        },
        pk="turn_id", not_null={"sender_id", "created"}, defaults={"feedback": ""},
    )
    db["turns"].create_index(["sender_id", "created"])
    db["turns"].create_index(["created"])


def _2_learning(db: sqlite_utils.Database) -> None:
    db["questions"].create(
        {
            "question_id": str, "course_id": str, "course_title": str, "skill": str, "kind": str, "prompt": str,
            "answer": str, "options": str, "explanation": str, "section": str, "url": str, "source_chunk": str,
            "difficulty": float, "origin": str, "created": float,
        },
        pk="question_id",
    )
    db["questions"].create_index(["course_id"])
    db["questions"].create_index(["skill"])
    db["quiz_sessions"].create(
        {
            "session_id": str, "learner": str, "topic": str, "question_ids": str, "position": int, "status": str,
            "hints": str, "correct": int, "answered": int, "created": float, "updated": float,
        },
        pk="session_id",
    )
    db["quiz_sessions"].create_index(["learner", "status"])
    db["attempts"].create(
        {
            "attempt_id": str, "learner": str, "question_id": str, "session_id": str, "skill": str, "answer": str,
            "correct": int, "skipped": int, "hinted": int, "score": float, "created": float, "latency_ms": float,
        },
        pk="attempt_id",
    )
    db["attempts"].create_index(["learner", "created"])
    db["attempts"].create_index(["question_id"])
    db["mastery"].create(
        {"learner": str, "skill": str, "p_mastery": float, "attempts": int, "correct": int, "updated": float},
        pk=("learner", "skill"),
    )
    db["review_cards"].create(
        {"learner": str, "question_id": str, "card": str, "due": float, "reviews": int}, pk=("learner", "question_id")
    )
    db["review_cards"].create_index(["learner", "due"])


def _3_profiles(db: sqlite_utils.Database) -> None:
    db["profiles"].create(
        {"learner": str, "role": str, "goals": str, "group_name": str, "created": float, "updated": float}, pk="learner"
    )
    db["enrolments"].create(
        {"learner": str, "course_id": str, "status": str, "role": str, "updated": float}, pk=("learner", "course_id")
    )
    db["enrolments"].create_index(["course_id"])


def _4_turn_conversations(db: sqlite_utils.Database) -> None:
    # A learner (sender_id) may hold several conversations (one per Slack thread, say).
    db["turns"].add_column("conversation_id", str)
    db["turns"].create_index(["conversation_id"])


def _5_console(db: sqlite_utils.Database) -> None:
    db["console_users"].create({"username": str, "password_hash": str, "role": str, "created": float}, pk="username")
    db["annotations"].create(
        {"annotation_id": str, "turn_id": str, "kind": str, "text": str, "author": str, "created": float}, pk="annotation_id"
    )
    db["annotations"].create_index(["turn_id"])
    db["conversation_reviews"].create({"conversation_id": str, "reviewer": str, "reviewed_at": float}, pk="conversation_id")
    db["turns"].enable_fts(["question", "answer"], create_triggers=True, tokenize="porter")


def _6_turns_learner(db: sqlite_utils.Database) -> None:
    # The column holds the learner (a person), not Rasa's sender id (a conversation): name it so.
    db.execute("alter table turns rename column sender_id to learner")
    db.execute("drop index if exists idx_turns_sender_id_created")
    db["turns"].create_index(["learner", "created"])


def _7_profile_language(db: sqlite_utils.Database) -> None:
    # The language the learner writes in ("en", "zh"; "" until a message shows it), so replies follow them
    # across conversations and channels.
    db["profiles"].add_column("language", str, not_null_default="")


TRIGRAM_INDEX = "turns_fts_trigram"


def _8_turns_search_chinese(db: sqlite_utils.Database) -> None:
    # The porter/unicode61 index keeps a run of Han characters as one token, so 钓鱼 is not found in 如何举报钓鱼邮件.
    # A trigram index finds any run of three characters or more anywhere in the text (store.transcripts searches
    # one- and two-character Chinese terms by LIKE); it is built here for the turns already recorded and kept in
    # step by triggers, as turns_fts is. SQLite before 3.34 has no trigram tokenizer: search then uses LIKE alone.
    try:
        db.execute(f"create virtual table {TRIGRAM_INDEX} using fts5(question, answer, content='turns', tokenize='trigram')")
    except sqlite3.OperationalError:
        return
    remove = f"insert into {TRIGRAM_INDEX}({TRIGRAM_INDEX}, rowid, question, answer) values ('delete', old.rowid, old.question, old.answer);"
    add = f"insert into {TRIGRAM_INDEX}(rowid, question, answer) values (new.rowid, new.question, new.answer);"
    # One statement each: executescript would commit the migration's transaction half-way.
    db.execute(f"create trigger turns_trigram_ai after insert on turns begin {add} end")
    db.execute(f"create trigger turns_trigram_ad after delete on turns begin {remove} end")
    db.execute(f"create trigger turns_trigram_au after update of question, answer on turns begin {remove} {add} end")
    db.execute(f"insert into {TRIGRAM_INDEX}({TRIGRAM_INDEX}) values ('rebuild')")


def _9_question_review(db: sqlite_utils.Database) -> None:
    # Trainers review the bank: a status (draft, approved, retired: only approved questions are asked), the quality
    # score of a generated question and its parts, who edited or decided and when (a re-sync keeps their work),
    # and whether a generated question's passage is gone. Generated questions already in the bank become drafts;
    # the next sync scores them and approves those above assessment.auto_approve_score.
    questions = db["questions"]
    questions.add_column("status", str, not_null_default="approved")
    questions.add_column("quality", float)
    questions.add_column("quality_parts", str)
    questions.add_column("edited", int, not_null_default=0)
    questions.add_column("edited_by", str, not_null_default="")
    questions.add_column("edited_at", float)
    questions.add_column("reviewed_by", str, not_null_default="")
    questions.add_column("reviewed_at", float)
    questions.add_column("source_missing", int, not_null_default=0)
    db.execute("update questions set status = 'draft' where origin = 'generated'")
    questions.create_index(["status"])


def _10_question_flags(db: sqlite_utils.Database) -> None:
    # A learner's flag on a quiz question ("this question is wrong"), with their reason: one row per learner and
    # question, a repeat updates it (`updated`), so the count is of learners. Deleted when the learner is forgotten.
    db["question_flags"].create(
        {"learner": str, "question_id": str, "reason": str, "created": float, "updated": float},
        pk=("learner", "question_id"), not_null={"created", "updated"}, defaults={"reason": ""},
    )
    db["question_flags"].create_index(["question_id"])


def _11_learning_record_outbox(db: sqlite_utils.Database) -> None:
    # xAPI statements waiting for the company's LRS (store/outbox.py), written in the transaction of their event.
    # `seq` keeps the order they were made in; the statement id (a UUID) is fixed when the row is written, so a
    # statement sent again is the same statement. Learner-keyed: `tutor forget` deletes a learner's rows.
    db["lrs_outbox"].create(
        {"seq": int, "statement_id": str, "learner": str, "verb": str, "statement": str, "created": float,
         "status": str, "attempts": int, "next_attempt": float, "claimed_until": float, "last_error": str,
         "delivered": float},
        pk="seq", not_null={"statement_id", "learner", "statement", "created", "status"},
        defaults={"status": "pending", "attempts": 0, "next_attempt": 0.0, "claimed_until": 0.0, "last_error": "",
                  "verb": ""},
    )
    db["lrs_outbox"].create_index(["statement_id"], unique=True)
    db["lrs_outbox"].create_index(["status", "next_attempt"])
    db["lrs_outbox"].create_index(["learner"])


AUDIT_TABLE = "audit_log"


def _12_console_security(db: sqlite_utils.Database) -> None:
    # The console's security records. Sessions live server-side (the cookie holds a random token; the row holds
    # its hash), so they expire when idle and can be ended for a user everywhere. Failed sign-ins are counted per
    # account name and per source address (store.throttle). Trainers see the learners of their groups only:
    # learner -> group comes from an admin's import, trainer -> group from an admin or the identity provider.
    # The audit trail is append-only: triggers refuse to change or delete a row, and it names learners by
    # pseudonym only (store.pseudonym), so forgetting a learner never needs to touch it.
    db["console_sessions"].create(
        {"session_id": str, "username": str, "role": str, "groups": str, "method": str, "csrf": str, "address": str,
         "created": float, "last_seen": float},
        pk="session_id", not_null={"username", "created", "last_seen"},
    )
    db["console_sessions"].create_index(["username"])
    db["login_throttle"].create(
        {"key": str, "failures": int, "last_failure": float, "locked_until": float, "refused": int},
        pk="key", defaults={"failures": 0, "refused": 0, "locked_until": 0.0},
    )
    db["learner_groups"].create({"learner": str, "group_name": str, "source": str, "updated": float},
                                pk=("learner", "group_name"))
    db["learner_groups"].create_index(["group_name"])
    db["console_user_groups"].create({"username": str, "group_name": str, "updated": float}, pk=("username", "group_name"))
    db.execute(f"create table {AUDIT_TABLE} (entry_id integer primary key autoincrement, at real not null, actor text not null, "
               "role text not null default '', action text not null, target text not null default '', "
               "learner_pseudonym text not null default '', detail text not null default '', address text not null default '', "
               "outcome text not null default 'ok')")
    db.execute(f"create index idx_{AUDIT_TABLE}_at on {AUDIT_TABLE}(at)")
    for change in ("update", "delete"):
        db.execute(f"create trigger {AUDIT_TABLE}_no_{change} before {change} on {AUDIT_TABLE} "
                   "begin select raise(abort, 'the audit trail is append-only'); end")


AUDIT_RETENTION_TABLE = "audit_retention"


def _13_console_logout_and_audit_retention(db: sqlite_utils.Database) -> None:
    # A single sign-on session remembers the identity provider's subject (sub) and session id (sid), so that the
    # provider's back-channel logout can end it, and the ID token, sent back as id_token_hint when the user signs
    # out at the provider too; all server-side. The audit trail gets a retention period: DELETE is allowed only
    # for rows older than the cutoff that the retention run writes into audit_retention and removes again in
    # the same transaction (store.AuditTrail.delete_before); with no cutoff there, every DELETE is refused.
    for column in ("idp_sub", "idp_sid", "id_token"):
        db["console_sessions"].add_column(column, str, not_null_default="")
    db["console_sessions"].create_index(["idp_sub"])
    db["console_sessions"].create_index(["idp_sid"])
    db.execute(f"create table {AUDIT_RETENTION_TABLE} (id integer primary key check (id = 1), cutoff real not null)")
    db.execute(f"drop trigger {AUDIT_TABLE}_no_delete")
    db.execute(f"create trigger {AUDIT_TABLE}_no_delete before delete on {AUDIT_TABLE} "
               f"when old.at >= coalesce((select cutoff from {AUDIT_RETENTION_TABLE}), 0) "
               "begin select raise(abort, 'the audit trail is append-only'); end")


MIGRATIONS: list[Callable[[sqlite_utils.Database], None]] = [
    _1_turns, _2_learning, _3_profiles, _4_turn_conversations, _5_console, _6_turns_learner, _7_profile_language,
    _8_turns_search_chinese, _9_question_review, _10_question_flags, _11_learning_record_outbox,
    _12_console_security, _13_console_logout_and_audit_retention,
]


def migrate(db: sqlite_utils.Database) -> int:
    """Apply pending migrations in order; return the schema version.

    Several processes may open a fresh file at the same moment (the action server's workers on a first
    deploy), so the pending steps run in one BEGIN IMMEDIATE transaction that re-reads what is applied once
    it holds the write lock: one process migrates, the others wait and then find nothing left to do, and a
    step that fails leaves no half-made schema behind.
    """

    def apply() -> None:
        db.execute("create table if not exists _migrations (version integer primary key, applied real)")
        done = {row[0] for row in db.execute("select version from _migrations").fetchall()}
        for version, step in enumerate(MIGRATIONS, 1):
            if version not in done:
                step(db)
                db.execute("insert into _migrations values (?, ?)", [version, time.time()])

    write(db, apply, what="migrate")
    return len(MIGRATIONS)


def open_database(path) -> sqlite_utils.Database:
    """Open (creating if needed) and migrate; an already open database is returned as it is.

    WAL lets readers carry on while one process writes; the busy timeout makes a writer wait for the lock
    rather than fail. The writes themselves go through `store.retry.write`, which covers what the timeout
    does not (see there).
    """
    import sqlite3
    from pathlib import Path

    if isinstance(path, sqlite_utils.Database):
        return path
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # Shared by a server's worker threads; sqlite3 serialises access to one connection, store.retry its transactions.
    db = sqlite_utils.Database(sqlite3.connect(path, check_same_thread=False, timeout=5.0), use_counts_table=False)
    # Turning a fresh file to WAL needs it to itself for a moment: retried, in case another process opens it too.
    retry(lambda: db.execute("pragma journal_mode=wal"), what="journal_mode=wal")
    db.execute("pragma busy_timeout=5000")
    migrate(db)
    return db
