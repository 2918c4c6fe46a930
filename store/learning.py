"""Questions, quiz sessions, attempts, mastery and review cards, in the tutor's SQLite database."""
from __future__ import annotations

import json
import logging
import time
import uuid
from pathlib import Path
from typing import Any, Callable, Iterable

import sqlite_utils

from .errors import AnswerConflict
from .migrations import open_database
from .retry import write

log = logging.getLogger(__name__)

_JSON_FIELDS = {"options", "question_ids", "hints", "quality_parts"}
QUESTION_STATUSES = ("draft", "approved", "retired")
# What a trainer's edit changes, and so what a re-sync must not overwrite once a question is edited.
EDITABLE = ("kind", "prompt", "answer", "options", "explanation")
# Set only by trainers (store.QuestionReviews), never by a sync.
_REVIEW_FIELDS = ("edited", "edited_by", "edited_at", "reviewed_by", "reviewed_at", "source_missing")


def _decode(row: dict[str, Any] | None) -> dict[str, Any] | None:
    if row is None:
        return None
    return {k: (json.loads(v) if k in _JSON_FIELDS and isinstance(v, str) else v) for k, v in row.items()}


def _encode(row: dict[str, Any]) -> dict[str, Any]:
    return {k: (json.dumps(v) if k in _JSON_FIELDS else v) for k, v in row.items()}


class LearningStore:
    """Persistence for the assessment capability; opened by path, never at import.

    Each write is one transaction (store.retry.write). `record_answer` keeps everything one quiz answer changes
    (attempt, mastery, review card, position) in one, with the mastery read inside it, so every attempt counts
    even when several processes answer quizzes of one learner at once.
    """

    def __init__(self, db: sqlite_utils.Database | Path | str) -> None:
        self.db = open_database(db)

    # Questions
    def _decided(self) -> dict[str, bool]:
        """Questions a trainer approved, retired or edited: question id -> whether edited."""
        rows = self.db.execute("select question_id, edited from questions where reviewed_by != '' or edited = 1")
        return {qid: bool(edited) for qid, edited in rows.fetchall()}

    def upsert_questions(self, rows: Iterable[dict[str, Any]]) -> int:
        """Add or refresh questions (what a sync of the bank does), in one transaction, never undoing a trainer's
        work: a question a trainer approved or retired keeps its status, one they edited keeps its wording too
        (EDITABLE); the rest of the row (course, skill, source, quality) is refreshed. Other questions take the
        status their row brings, by default approved, or draft for a generated one."""
        now = time.time()
        rows = [{k: v for k, v in r.items() if k not in _REVIEW_FIELDS} for r in rows]

        def apply() -> None:
            decided = self._decided()
            groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
            for row in rows:
                row = _encode({**row, "source_missing": 0})
                qid = row["question_id"]
                if qid in decided:
                    drop = {"status", "created", *(EDITABLE if decided[qid] else ())}
                    self.db["questions"].update(qid, {k: v for k, v in row.items() if k not in drop and k != "question_id"})
                    continue
                row.setdefault("status", "draft" if row.get("origin") == "generated" else "approved")
                row["created"] = row.get("created") or now
                groups.setdefault(tuple(sorted(row)), []).append(row)
            for same_columns in groups.values():  # sqlite-utils fills a column missing from a row with NULL
                self.db["questions"].upsert_all(same_columns, pk="question_id")

        if rows:
            write(self.db, apply, what="upsert questions")
        return len(rows)

    def remove_generated_except(self, keep: set[str]) -> int:
        """Drop generated questions not in `keep` (their passage is gone), except those an open quiz still refers
        to and those a trainer approved, retired or edited: these stay, marked `source_missing` for review (a
        retired one so that it never comes back as new should its passage return). Returns how many were dropped."""

        def apply() -> int:
            kept = set(keep)
            for row in self.db["quiz_sessions"].rows_where("status in ('active', 'paused')"):
                kept |= set(json.loads(row["question_ids"]))
            decided = self._decided()
            generated = [r[0] for r in self.db.execute("select question_id from questions where origin = 'generated'").fetchall()]
            stale = [qid for qid in generated if qid not in kept and qid not in decided]
            for qid in stale:
                self.db["questions"].delete(qid)
            orphans = [qid for qid in generated if qid not in keep and qid in decided]
            for qid in orphans:
                self.db["questions"].update(qid, {"source_missing": 1})
            if orphans:
                log.info("%d reviewed generated questions lost their passage; kept for review", len(orphans))
            return len(stale)

        return write(self.db, apply, what="remove generated questions")

    def questions(self, course_id: str | None = None, status: str | None = None, skill: str | None = None) -> list[dict[str, Any]]:
        """Every question in the bank, or those of one course, status and/or skill."""
        clauses = [(column, value) for column, value in (("course_id", course_id), ("status", status), ("skill", skill))
                   if value is not None]
        where = " and ".join(f"{column} = ?" for column, _ in clauses) or "1"
        rows = self.db["questions"].rows_where(where, [v for _, v in clauses], order_by="question_id")
        return [_decode(r) for r in rows]

    def has_questions(self, course_id: str) -> bool:
        """Whether a quiz on this course could be asked (it has approved questions)."""
        return self.db.execute("select 1 from questions where course_id = ? and status = 'approved' limit 1",
                               [course_id]).fetchone() is not None

    def question(self, question_id: str) -> dict[str, Any] | None:
        rows = list(self.db["questions"].rows_where("question_id = ?", [question_id]))
        return _decode(rows[0]) if rows else None

    # Quiz sessions
    def create_session(self, learner: str, topic: str, question_ids: list[str]) -> dict[str, Any]:
        now = time.time()
        session = {
            "session_id": uuid.uuid4().hex, "learner": learner, "topic": topic, "question_ids": question_ids,
            "position": 0, "status": "active", "hints": [], "correct": 0, "answered": 0, "created": now, "updated": now,
        }

        def apply() -> None:
            # In one transaction, so a learner never ends up with two open quizzes.
            for row in self.db["quiz_sessions"].rows_where("learner = ? and status in ('active', 'paused')", [learner]):
                self.db["quiz_sessions"].update(row["session_id"], {"status": "abandoned", "updated": now})
            self.db["quiz_sessions"].insert(_encode(session))

        write(self.db, apply, what="create quiz session")
        return session

    def open_session(self, learner: str) -> dict[str, Any] | None:
        rows = list(self.db["quiz_sessions"].rows_where(
            "learner = ? and status in ('active', 'paused')", [learner], order_by="updated desc", limit=1))
        return _decode(rows[0]) if rows else None

    def session(self, session_id: str) -> dict[str, Any] | None:
        rows = list(self.db["quiz_sessions"].rows_where("session_id = ?", [session_id]))
        return _decode(rows[0]) if rows else None

    def update_session(self, session_id: str, **fields: Any) -> None:
        row = _encode({**fields, "updated": time.time()})
        write(self.db, lambda: self.db["quiz_sessions"].update(session_id, row), what="update quiz session")

    def record_answer(
        self,
        session_id: str,
        position: int,
        attempt: dict[str, Any],
        next_mastery: Callable[[float | None], float],
        next_card: Callable[[dict[str, Any] | None], tuple[dict[str, Any], float]],
    ) -> dict[str, Any]:
        """Everything one quiz answer changes, in one transaction: the attempt, the skill's mastery (read inside
        the transaction and passed to `next_mastery`), the question's review card (`next_card` returns the new
        card and its due time) and the quiz position. Returns the session as it now stands.

        AnswerConflict when the quiz is no longer at `position` (another conversation of the same learner
        answered first, or the quiz ended): nothing is written then.
        """
        learner, question_id, skill = attempt["learner"], attempt["question_id"], attempt["skill"]
        correct = int(bool(attempt["correct"]))

        def apply() -> dict[str, Any]:
            session = self.session(session_id)
            if session is None or session["status"] not in ("active", "paused") or session["position"] != position:
                raise AnswerConflict(f"quiz {session_id[:8]} is no longer at question {position + 1}")
            now = time.time()
            self.db["attempts"].insert({"attempt_id": uuid.uuid4().hex, "created": now, "session_id": session_id, **attempt})
            current = self.db.execute("select p_mastery, attempts, correct from mastery where learner = ? and skill = ?",
                                      [learner, skill]).fetchone()
            self.db["mastery"].upsert(
                {"learner": learner, "skill": skill, "p_mastery": next_mastery(current[0] if current else None),
                 "attempts": (current[1] if current else 0) + 1, "correct": (current[2] if current else 0) + correct,
                 "updated": now}, pk=("learner", "skill"))
            card = self.card(learner, question_id)
            new_card, due = next_card(json.loads(card["card"]) if card else None)
            self.db["review_cards"].upsert(
                {"learner": learner, "question_id": question_id, "card": json.dumps(new_card), "due": due,
                 "reviews": (card["reviews"] if card else 0) + 1}, pk=("learner", "question_id"))
            session.update(position=position + 1, answered=session["answered"] + 1, correct=session["correct"] + correct,
                           updated=now)
            if session["position"] >= len(session["question_ids"]):
                session["status"] = "finished"
            self.db["quiz_sessions"].update(session_id, _encode({k: session[k] for k in
                                                                ("position", "answered", "correct", "status", "updated")}))
            return session

        return write(self.db, apply, what="record quiz answer")

    # Attempts and mastery
    def attempts(self, learner: str) -> list[dict[str, Any]]:
        return list(self.db["attempts"].rows_where("learner = ?", [learner], order_by="created, rowid"))

    def attempt_sequences(self) -> dict[str, list[tuple[str, int]]]:
        """Every learner's attempts as (skill, correct), oldest first: what a learner model is fitted on."""
        out: dict[str, list[tuple[str, int]]] = {}
        for learner, skill, correct in self.db.execute(
                "select learner, skill, correct from attempts order by learner, created, rowid").fetchall():
            out.setdefault(learner, []).append((skill, int(correct)))
        return out

    def latest_attempt(self, learner: str) -> dict[str, Any] | None:
        """The learner's most recent attempt (answer or skip), or None: the question they were just shown the
        answer to, which they may want to flag."""
        rows = list(self.db["attempts"].rows_where("learner = ?", [learner], order_by="created desc, rowid desc", limit=1))
        return rows[0] if rows else None

    # Flags on questions
    def flag_question(self, learner: str, question_id: str, reason: str) -> bool:
        """Record that `learner` flagged a question, with their reason (already cleaned by the caller). One flag per
        learner and question: a repeat counts as fresh (`updated`) and replaces the reason when it gives one, else
        keeps the earlier one. True when this is the learner's first flag on the question."""

        def apply() -> bool:
            now = time.time()
            key = [learner, question_id]
            found = self.db.execute("select reason from question_flags where learner = ? and question_id = ?", key).fetchone()
            if found is None:
                self.db["question_flags"].insert({"learner": learner, "question_id": question_id, "reason": reason,
                                                  "created": now, "updated": now})
                return True
            self.db["question_flags"].update(tuple(key), {"reason": reason or found[0], "updated": now})
            return False

        return write(self.db, apply, what="flag question")

    def mastery(self, learner: str) -> dict[str, dict[str, Any]]:
        return {r["skill"]: r for r in self.db["mastery"].rows_where("learner = ?", [learner], order_by="skill")}

    # Review cards
    def card(self, learner: str, question_id: str) -> dict[str, Any] | None:
        rows = list(self.db["review_cards"].rows_where("learner = ? and question_id = ?", [learner, question_id]))
        return rows[0] if rows else None

    def due_cards(self, learner: str, now: float) -> list[dict[str, Any]]:
        return list(self.db["review_cards"].rows_where("learner = ? and due <= ?", [learner, now], order_by="due"))
