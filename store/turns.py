"""The tutor's own record of every answered turn: what was asked, what was answered, from which sources, how
fast, and the learner's feedback on it.

Rasa's tracker store keeps the raw dialogue events; this store keeps what trainers and analytics need.
"""
from __future__ import annotations

import hashlib
import json
import logging
import time
import uuid
from pathlib import Path
from typing import Any, Iterable

import sqlite_utils

from .migrations import open_database
from .retry import write

log = logging.getLogger(__name__)

FEEDBACK_VALUES = ("up", "down", "human")


def pseudonym(learner: str) -> str:
    """A stable short alias for logs, so raw ids (emails, Slack ids) never reach them."""
    return hashlib.sha256(learner.encode("utf-8", "replace")).hexdigest()[:10]


class TurnStore:
    """Turns of every conversation; safe to share between threads of one process."""

    def __init__(self, db: sqlite_utils.Database | Path | str) -> None:
        self.db = open_database(db)

    def record(
        self,
        learner: str,
        question: str,
        answer: str,
        *,
        channel: str = "",
        mode: str = "",
        abstained: bool = False,
        confidence: float = 0.0,
        sources: Iterable[dict[str, Any]] = (),
        notes: Iterable[str] = (),
        latency_ms: float = 0.0,
        conversation_id: str = "",
    ) -> str:
        turn_id = uuid.uuid4().hex
        row = {
            "turn_id": turn_id, "learner": learner, "channel": channel, "created": time.time(), "question": question,
            "answer": answer, "mode": mode, "abstained": int(abstained), "confidence": confidence,
            "sources": json.dumps(list(sources)), "notes": json.dumps(list(notes)), "latency_ms": latency_ms,
            "feedback": "", "conversation_id": conversation_id or learner,
        }
        write(self.db, lambda: self.db["turns"].insert(row), what="record turn")
        log.info("turn %s recorded for %s (%s)", turn_id, pseudonym(learner), mode)
        return turn_id

    def set_feedback(self, turn_id: str, feedback: str) -> bool:
        """Store 👍/👎 ('up'/'down') or 'human' on a turn; False when the turn is unknown. Anyone who sees an
        answer may rate it (in a Slack channel thread, colleagues too); turn ids are random and unguessable."""
        if feedback not in FEEDBACK_VALUES:
            raise ValueError(f"feedback must be one of {', '.join(FEEDBACK_VALUES)}")

        def apply() -> bool:
            if self.db.execute("select 1 from turns where turn_id = ?", [turn_id]).fetchone() is None:
                return False
            self.db["turns"].update(turn_id, {"feedback": feedback})
            return True

        return write(self.db, apply, what="set feedback")

    def turn(self, turn_id: str) -> dict[str, Any] | None:
        rows = list(self.db["turns"].rows_where("turn_id = ?", [turn_id]))
        return rows[0] if rows else None

    def turns_for(self, learner: str) -> list[dict[str, Any]]:
        return list(self.db["turns"].rows_where("learner = ?", [learner], order_by="created"))

    def cited_courses(self, learner: str) -> dict[str, int]:
        """How often each course was the first source of an answer to this learner's questions."""
        counts: dict[str, int] = {}
        for row in self.db["turns"].rows_where("learner = ? and abstained = 0", [learner], select="sources"):
            for source in json.loads(row["sources"] or "[]")[:1]:
                course = source.get("course_id", "")
                if course:
                    counts[course] = counts.get(course, 0) + 1
        return counts

    def count(self) -> int:
        return int(self.db.execute("select count(*) from turns").fetchone()[0])
