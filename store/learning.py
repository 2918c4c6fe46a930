"""Questions, quiz sessions, attempts, mastery and review cards, in the tutor's SQLite database."""
from __future__ import annotations

import json
import logging
import time
import uuid
from pathlib import Path
from typing import Any, Iterable

from .migrations import open_database
from .retry import write

log = logging.getLogger(__name__)

_JSON_FIELDS = {"options", "question_ids", "hints"}


def _decode(row: dict[str, Any] | None) -> dict[str, Any] | None:
    if row is None:
        return None
    return {k: (json.loads(v) if k in _JSON_FIELDS and isinstance(v, str) else v) for k, v in row.items()}


def _encode(row: dict[str, Any]) -> dict[str, Any]:
    return {k: (json.dumps(v) if k in _JSON_FIELDS else v) for k, v in row.items()}


class LearningStore:
    """Persistence for the assessment capability; opened by path, never at import.

    Each write is one transaction (store.retry.write), so read-then-write methods such as `save_mastery`
    count every attempt even when several processes answer quizzes at once.
    """

    def __init__(self, path: Path) -> None:
        self.db = open_database(path)

    # Questions
    def upsert_questions(self, rows: Iterable[dict[str, Any]]) -> int:
        rows = [_encode({**r, "created": r.get("created") or time.time()}) for r in rows]
        if rows:
            write(self.db, lambda: self.db["questions"].upsert_all(rows, pk="question_id"), what="upsert questions")
        return len(rows)

    def remove_generated_except(self, keep: set[str]) -> int:
        """Drop generated questions not in `keep`, except those an open quiz still refers to."""

        def apply() -> int:
            kept = set(keep)
            for row in self.db["quiz_sessions"].rows_where("status in ('active', 'paused')"):
                kept |= set(json.loads(row["question_ids"]))
            generated = self.db["questions"].rows_where("origin = 'generated'")
            stale = [r["question_id"] for r in generated if r["question_id"] not in kept]
            for qid in stale:
                self.db["questions"].delete(qid)
            return len(stale)

        return write(self.db, apply, what="remove generated questions")

    def questions(self, where: str = "1", params: list | None = None) -> list[dict[str, Any]]:
        return [_decode(r) for r in self.db["questions"].rows_where(where, params or [], order_by="question_id")]

    def question(self, question_id: str) -> dict[str, Any] | None:
        rows = self.questions("question_id = ?", [question_id])
        return rows[0] if rows else None

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

    def update_session(self, session_id: str, **fields: Any) -> None:
        row = _encode({**fields, "updated": time.time()})
        write(self.db, lambda: self.db["quiz_sessions"].update(session_id, row), what="update quiz session")

    # Attempts and mastery
    def record_attempt(self, **row: Any) -> str:
        attempt_id = uuid.uuid4().hex
        record = {"attempt_id": attempt_id, "created": time.time(), **row}
        write(self.db, lambda: self.db["attempts"].insert(record), what="record attempt")
        return attempt_id

    def attempts(self, learner: str) -> list[dict[str, Any]]:
        return list(self.db["attempts"].rows_where("learner = ?", [learner], order_by="created"))

    def mastery(self, learner: str) -> dict[str, dict[str, Any]]:
        return {r["skill"]: r for r in self.db["mastery"].rows_where("learner = ?", [learner], order_by="skill")}

    def save_mastery(self, learner: str, skill: str, p_mastery: float, correct: bool) -> None:
        def apply() -> None:
            current = self.mastery(learner).get(skill, {"attempts": 0, "correct": 0})
            self.db["mastery"].upsert(
                {"learner": learner, "skill": skill, "p_mastery": p_mastery, "attempts": current["attempts"] + 1,
                 "correct": current["correct"] + int(correct), "updated": time.time()},
                pk=("learner", "skill"),
            )

        write(self.db, apply, what="save mastery")

    # Review cards
    def card(self, learner: str, question_id: str) -> dict[str, Any] | None:
        rows = list(self.db["review_cards"].rows_where("learner = ? and question_id = ?", [learner, question_id]))
        return rows[0] if rows else None

    def save_card(self, learner: str, question_id: str, card: dict[str, Any], due: float) -> None:
        def apply() -> None:
            current = self.card(learner, question_id)
            self.db["review_cards"].upsert(
                {"learner": learner, "question_id": question_id, "card": json.dumps(card), "due": due,
                 "reviews": (current["reviews"] if current else 0) + 1},
                pk=("learner", "question_id"),
            )

        write(self.db, apply, what="save review card")

    def due_cards(self, learner: str, now: float) -> list[dict[str, Any]]:
        return list(self.db["review_cards"].rows_where("learner = ? and due <= ?", [learner, now], order_by="due"))
