"""The raw numbers behind the console's analytics page: usage by day, answer and abstain rates, quiz attempts
per item, mastery values and enrolment counts. The console turns them into statistics and charts."""
from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any, Sequence

import sqlite_utils

from .groups import in_groups
from .migrations import open_database


def _scope(column: str, groups: Sequence[str] | None) -> tuple[str, list[str]]:
    """SQL limiting rows to learners of `groups` (everything for None: an admin's view)."""
    return in_groups(column, groups) if groups is not None else ("1", [])


class Analytics:
    def __init__(self, db: sqlite_utils.Database | Path | str) -> None:
        self.db = open_database(db)

    # Each method takes `groups`: only learners in these groups count (store.Groups; a trainer's team scope).

    def usage_by_day(self, days: int = 30, groups: Sequence[str] | None = None) -> list[tuple[str, int, int]]:
        """(day, answered, abstained) for the last `days` days that had turns."""
        since = time.time() - days * 86400
        scoped, values = _scope("learner", groups)
        rows = self.db.execute("select date(created, 'unixepoch') as day, sum(abstained = 0), sum(abstained) from turns "
                               f"where created >= ? and {scoped} group by day order by day", [since, *values]).fetchall()
        return [(r[0], int(r[1] or 0), int(r[2] or 0)) for r in rows]

    def rates(self, groups: Sequence[str] | None = None) -> dict[str, float]:
        scoped, values = _scope("learner", groups)
        total, abstained, down, up = self.db.execute(
            "select count(*), coalesce(sum(abstained), 0), coalesce(sum(feedback = 'down'), 0), "
            f"coalesce(sum(feedback = 'up'), 0) from turns where {scoped}", values).fetchone()
        return {"turns": total, "answer rate": (total - abstained) / total if total else 0.0,
                "abstain rate": abstained / total if total else 0.0, "thumbs up": up, "thumbs down": down}

    def item_attempts(self, groups: Sequence[str] | None = None) -> list[dict[str, Any]]:
        """Every answered (not skipped) quiz attempt with its question: learner, question id, correct, the answer
        given, prompt, options, right answer and kind."""
        scoped, values = _scope("a.learner", groups)
        cursor = self.db.execute(
            "select a.learner, a.question_id, a.correct, a.answer, q.prompt, q.options, q.answer, q.kind "
            f"from attempts a join questions q using (question_id) where a.skipped = 0 and {scoped}", values)
        keys = ("learner", "question_id", "correct", "response", "prompt", "options", "answer", "kind")
        return [{**dict(zip(keys, row)), "options": json.loads(row[5] or "[]")} for row in cursor]

    def mastery_values(self, groups: Sequence[str] | None = None) -> list[tuple[str, float]]:
        """(skill, p_mastery) for every learner and skill."""
        scoped, values = _scope("learner", groups)
        return [(r[0], float(r[1])) for r in self.db.execute(f"select skill, p_mastery from mastery where {scoped}", values)]

    def enrolment_counts(self, groups: Sequence[str] | None = None) -> dict[str, int]:
        """How many enrolments are in each status (enrolled, completed)."""
        counts = {"enrolled": 0, "completed": 0}
        scoped, values = _scope("learner", groups)
        for status, count in self.db.execute(f"select status, count(*) from enrolments where {scoped} group by status", values):
            counts[status] = int(count)
        return counts
