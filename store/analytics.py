"""The raw numbers behind the console's analytics page: usage by day, answer and abstain rates, quiz attempts
per item, mastery values and enrolment counts. The console turns them into statistics and charts."""
from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import sqlite_utils

from .migrations import open_database


class Analytics:
    def __init__(self, db: sqlite_utils.Database | Path | str) -> None:
        self.db = open_database(db)

    def usage_by_day(self, days: int = 30) -> list[tuple[str, int, int]]:
        """(day, answered, abstained) for the last `days` days that had turns."""
        since = time.time() - days * 86400
        rows = self.db.execute("select date(created, 'unixepoch') as day, sum(abstained = 0), sum(abstained) from turns "
                               "where created >= ? group by day order by day", [since]).fetchall()
        return [(r[0], int(r[1] or 0), int(r[2] or 0)) for r in rows]

    def rates(self) -> dict[str, float]:
        total, abstained, down, up = self.db.execute(
            "select count(*), coalesce(sum(abstained), 0), coalesce(sum(feedback = 'down'), 0), "
            "coalesce(sum(feedback = 'up'), 0) from turns").fetchone()
        return {"turns": total, "answer rate": (total - abstained) / total if total else 0.0,
                "abstain rate": abstained / total if total else 0.0, "thumbs up": up, "thumbs down": down}

    def item_attempts(self) -> list[dict[str, Any]]:
        """Every answered (not skipped) quiz attempt with its question: learner, question id, correct, the answer
        given, prompt, options, right answer and kind."""
        cursor = self.db.execute(
            "select a.learner, a.question_id, a.correct, a.answer, q.prompt, q.options, q.answer, q.kind "
            "from attempts a join questions q using (question_id) where a.skipped = 0")
        keys = ("learner", "question_id", "correct", "response", "prompt", "options", "answer", "kind")
        return [{**dict(zip(keys, row)), "options": json.loads(row[5] or "[]")} for row in cursor]

    def mastery_values(self) -> list[tuple[str, float]]:
        """(skill, p_mastery) for every learner and skill."""
        return [(r[0], float(r[1])) for r in self.db.execute("select skill, p_mastery from mastery")]

    def enrolment_counts(self) -> dict[str, int]:
        """How many enrolments are in each status (enrolled, completed)."""
        counts = {"enrolled": 0, "completed": 0}
        for status, count in self.db.execute("select status, count(*) from enrolments group by status"):
            counts[status] = int(count)
        return counts
