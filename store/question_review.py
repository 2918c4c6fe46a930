"""The trainers' side of the question bank: approve, retire, edit and write questions, and the attempts the item
statistics are computed from. Reading the bank itself is store.LearningStore.questions."""
from __future__ import annotations

import json
import logging
import time
from pathlib import Path
from typing import Any

import sqlite_utils

from .learning import EDITABLE, QUESTION_STATUSES, _decode, _encode
from .migrations import open_database
from .retry import write

log = logging.getLogger(__name__)


class QuestionReviews:
    """Each change is one transaction and records who made it and when; a later sync of the bank keeps it
    (store.LearningStore.upsert_questions)."""

    def __init__(self, db: sqlite_utils.Database | Path | str) -> None:
        self.db = open_database(db)

    def _question(self, question_id: str) -> dict[str, Any] | None:
        rows = list(self.db["questions"].rows_where("question_id = ?", [question_id]))
        return _decode(rows[0]) if rows else None

    def set_status(self, question_id: str, status: str, who: str) -> dict[str, Any] | None:
        """Approve, retire or send back to draft; the question as it now stands, or None when there is none.

        Retiring also takes the question out of quizzes in progress, except where a learner is being asked it
        right now (their answer to it still counts)."""
        if status not in QUESTION_STATUSES:
            raise ValueError(f"status must be one of {', '.join(QUESTION_STATUSES)}")

        def apply() -> dict[str, Any] | None:
            if self._question(question_id) is None:
                return None
            self.db["questions"].update(question_id, {"status": status, "reviewed_by": who, "reviewed_at": time.time()})
            if status == "retired":
                self._drop_from_open_quizzes(question_id)
            return self._question(question_id)

        found = write(self.db, apply, what=f"set question status to {status}")
        if found is not None:
            log.info("question %s %s by %s", question_id, status, who)
        return found

    def _drop_from_open_quizzes(self, question_id: str) -> None:
        for row in list(self.db["quiz_sessions"].rows_where("status in ('active', 'paused')")):
            ids, position = json.loads(row["question_ids"]), row["position"]
            upcoming = ids[position + 1:]
            if question_id in upcoming:
                ids = ids[:position + 1] + [i for i in upcoming if i != question_id]
                self.db["quiz_sessions"].update(row["session_id"], {"question_ids": json.dumps(ids), "updated": time.time()})

    def edit(self, question_id: str, fields: dict[str, Any], who: str) -> dict[str, Any] | None:
        """Change a question's wording (EDITABLE fields only; checked by the caller); the question as it now
        stands, or None when there is none. Marked edited, so no sync ever puts the old wording back."""
        change = _encode({k: v for k, v in fields.items() if k in EDITABLE})

        def apply() -> dict[str, Any] | None:
            if self._question(question_id) is None:
                return None
            self.db["questions"].update(question_id, {**change, "edited": 1, "edited_by": who, "edited_at": time.time()})
            return self._question(question_id)

        found = write(self.db, apply, what="edit question")
        if found is not None:
            log.info("question %s edited by %s (%s)", question_id, who, ", ".join(sorted(change)))
        return found

    def add(self, row: dict[str, Any], who: str) -> dict[str, Any]:
        """Add a question a trainer wrote (origin `trainer`, approved: they wrote it to be asked)."""
        now = time.time()
        record = _encode({**row, "origin": "trainer", "status": "approved", "created": now, "reviewed_by": who,
                          "reviewed_at": now, "edited_by": who, "edited_at": now})
        write(self.db, lambda: self.db["questions"].insert(record, pk="question_id"), what="add question")
        log.info("question %s written by %s (course %s, skill %s)", row["question_id"], who, row.get("course_id"), row.get("skill"))
        return self._question(row["question_id"])

    def responses(self) -> list[tuple[str, str, int, int]]:
        """Every quiz attempt as (learner, question id, correct, skipped), oldest first: what item statistics
        are computed from (assessment.item_statistics)."""
        rows = self.db.execute("select learner, question_id, correct, skipped from attempts order by created, rowid")
        return [(r[0], r[1], int(r[2]), int(r[3] or 0)) for r in rows.fetchall()]

    def flags(self) -> dict[str, list[dict[str, Any]]]:
        """Learners' flags per question id, newest first: each its reason, when it was last made, and whether it is
        `open` (made after the question's last edit or trainer decision; earlier ones were about what a trainer
        has since dealt with). Never who flagged: trainers judge the question, not the learner."""
        rows = self.db.execute(
            "select f.question_id, f.reason, f.updated, "
            "f.updated > max(coalesce(q.edited_at, 0), coalesce(q.reviewed_at, 0)) "
            "from question_flags f left join questions q on q.question_id = f.question_id "
            "order by f.updated desc, f.rowid desc")
        found: dict[str, list[dict[str, Any]]] = {}
        for question_id, reason, updated, is_open in rows.fetchall():
            found.setdefault(question_id, []).append({"reason": reason or "", "updated": updated, "open": bool(is_open)})
        return found

    def courses(self) -> list[dict[str, Any]]:
        """The bank's courses, each with its title, skills and how many questions are in each status."""
        found: dict[str, dict[str, Any]] = {}
        for course_id, title, skill, status, count in self.db.execute(
                "select course_id, course_title, skill, status, count(*) from questions "
                "group by course_id, course_title, skill, status order by course_id, skill"):
            course = found.setdefault(course_id, {"course_id": course_id, "title": title, "skills": [],
                                                  "counts": dict.fromkeys(QUESTION_STATUSES, 0)})
            if skill not in course["skills"]:
                course["skills"].append(skill)
            course["counts"][status] = course["counts"].get(status, 0) + count
        return list(found.values())
