"""Learner profiles (role, goals, group) and course enrolments/completions."""
from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from .migrations import open_database
from .retry import write


class ProfileStore:
    """Profiles and enrolments; each write is one transaction (store.retry.write), so concurrent changes to one
    learner's profile merge instead of overwriting each other."""

    def __init__(self, path: Path) -> None:
        self.db = open_database(path)

    def profile(self, learner: str) -> dict[str, Any] | None:
        rows = list(self.db["profiles"].rows_where("learner = ?", [learner]))
        return rows[0] if rows else None

    def save_profile(self, learner: str, **fields: Any) -> dict[str, Any]:
        now = time.time()

        def apply() -> dict[str, Any]:
            current = self.profile(learner) or {"learner": learner, "role": "", "goals": "", "group_name": "", "created": now}
            updated = {**current, **{k: v for k, v in fields.items() if v is not None}, "updated": now}
            self.db["profiles"].upsert(updated, pk="learner")
            return updated

        return write(self.db, apply, what="save profile")

    def set_course_status(self, learner: str, course_id: str, status: str) -> None:
        def apply() -> None:
            role = (self.profile(learner) or {}).get("role", "")
            self.db["enrolments"].upsert(
                {"learner": learner, "course_id": course_id, "status": status, "role": role, "updated": time.time()},
                pk=("learner", "course_id"),
            )

        write(self.db, apply, what="set course status")

    def courses(self, learner: str, status: str = "completed") -> list[str]:
        return [r["course_id"] for r in self.db["enrolments"].rows_where("learner = ? and status = ?", [learner, status], order_by="updated")]

    def all_enrolments(self) -> list[dict[str, Any]]:
        return list(self.db["enrolments"].rows_where(order_by="updated"))

    def asked_courses(self, learner: str) -> dict[str, int]:
        """How often each course was cited in answers to this learner's questions."""
        import json

        counts: dict[str, int] = {}
        for row in self.db["turns"].rows_where("sender_id = ? and abstained = 0", [learner], select="sources"):
            for source in json.loads(row["sources"] or "[]")[:1]:
                counts[source.get("course_id", "")] = counts.get(source.get("course_id", ""), 0) + 1
        counts.pop("", None)
        return counts
