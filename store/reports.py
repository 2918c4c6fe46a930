"""The raw rows behind the reports: a learner's week (for their weekly summary in chat) and a team's records (for
the console's team reports). Rows are per learner; aggregating them, and leaving out groups too small to show,
is the console's (console/report_data.py) and the tutor's (tutor/reports.py) work, not SQL's."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Sequence

import sqlite_utils

from .groups import in_groups
from .migrations import open_database


def _scope(column: str, groups: Sequence[str] | None) -> tuple[str, list[str]]:
    """SQL limiting rows to learners of `groups` (everything for None: an admin's view)."""
    return in_groups(column, groups) if groups is not None else ("1", [])


def _rows(cursor, keys: tuple[str, ...]) -> list[dict[str, Any]]:
    return [dict(zip(keys, row)) for row in cursor]


class Reports:
    def __init__(self, db: sqlite_utils.Database | Path | str) -> None:
        self.db = open_database(db)

    # One learner's week (the weekly summary in chat)

    def questions_since(self, learner: str, since: float) -> list[dict[str, Any]]:
        """The learner's turns since `since`: whether answered, and the courses cited (first source first)."""
        cursor = self.db.execute("select abstained, sources from turns where learner = ? and created >= ? order by created",
                                 [learner, since])
        return [{"abstained": bool(a), "courses": [(s.get("course_id", ""), s.get("title") or s.get("course_title") or "")
                                                    for s in json.loads(sources or "[]")]} for a, sources in cursor]

    def attempts_of(self, learner: str) -> list[dict[str, Any]]:
        """Every quiz attempt of the learner, oldest first: skill, correct, skipped, when."""
        cursor = self.db.execute("select skill, correct, skipped, created from attempts where learner = ? order by created, rowid",
                                 [learner])
        return _rows(cursor, ("skill", "correct", "skipped", "created"))

    def cards_due(self, learner: str, until: float) -> list[float]:
        """When each of the learner's review cards falls due, for those due by `until` (overdue ones included)."""
        return [r[0] for r in self.db.execute("select due from review_cards where learner = ? and due <= ? order by due",
                                              [learner, until])]

    # A team's records (the console's reports); `groups` None: every learner

    def members(self, groups: Sequence[str] | None) -> list[tuple[str, str]]:
        """(learner, group) for every membership of the learners in scope, in one of `groups` when given."""
        if groups is not None and not groups:
            return []
        where, values = ("group_name in (" + ", ".join("?" for _ in groups) + ")", list(groups)) if groups is not None else ("1", [])
        return [(r[0], r[1]) for r in self.db.execute(f"select learner, group_name from learner_groups where {where}", values)]

    def active_learners(self, groups: Sequence[str] | None) -> dict[str, float]:
        """Every learner in scope with any record, and their first activity (a question, an attempt, a profile)."""
        found: dict[str, float] = {}
        for table, column in (("turns", "created"), ("attempts", "created"), ("profiles", "created"), ("enrolments", "updated")):
            scoped, values = _scope("learner", groups)
            for learner, first in self.db.execute(f"select learner, min({column}) from {table} where {scoped} group by learner", values):
                first = float(first or 0.0)
                found[learner] = min(found.get(learner, first), first) if first else found.get(learner, 0.0)
        return found

    def completions(self, groups: Sequence[str] | None) -> list[dict[str, Any]]:
        """Completed courses: learner, course id, when."""
        scoped, values = _scope("learner", groups)
        cursor = self.db.execute(f"select learner, course_id, updated from enrolments where status = 'completed' and {scoped}", values)
        return _rows(cursor, ("learner", "course_id", "at"))

    def profiles(self, groups: Sequence[str] | None) -> list[dict[str, Any]]:
        scoped, values = _scope("learner", groups)
        cursor = self.db.execute(f"select learner, role, group_name, created from profiles where {scoped}", values)
        return _rows(cursor, ("learner", "role", "group_name", "created"))

    def attempts(self, groups: Sequence[str] | None) -> list[dict[str, Any]]:
        """Every quiz attempt in scope, oldest first, with its question's course."""
        scoped, values = _scope("a.learner", groups)
        cursor = self.db.execute(
            "select a.learner, a.skill, coalesce(q.course_id, ''), coalesce(q.course_title, ''), a.correct, a.skipped, a.created "
            f"from attempts a left join questions q using (question_id) where {scoped} order by a.created, a.rowid", values)
        return _rows(cursor, ("learner", "skill", "course_id", "course_title", "correct", "skipped", "at"))

    def question_outcomes(self, groups: Sequence[str] | None) -> list[dict[str, Any]]:
        """Every question asked in scope: learner, when, whether the courses answered it, its feedback. No text."""
        scoped, values = _scope("learner", groups)
        cursor = self.db.execute(f"select learner, created, abstained, feedback from turns where {scoped}", values)
        return _rows(cursor, ("learner", "at", "abstained", "feedback"))
