"""Learner profiles (role, goals, group, the language they write in) and course enrolments/completions."""
from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import sqlite_utils

from .migrations import open_database
from .retry import write

COURSE_STATUSES = ("enrolled", "completed")


class ProfileStore:
    """Profiles and enrolments; each write is one transaction (store.retry.write), so concurrent changes to one
    learner's profile merge instead of overwriting each other."""

    def __init__(self, db: sqlite_utils.Database | Path | str) -> None:
        self.db = open_database(db)

    def profile(self, learner: str) -> dict[str, Any] | None:
        rows = list(self.db["profiles"].rows_where("learner = ?", [learner]))
        return rows[0] if rows else None

    def save_profile(self, learner: str, **fields: Any) -> dict[str, Any]:
        """Merge `fields` (role, goals, group_name, language; None leaves a field as it is) into the learner's profile."""
        now = time.time()

        def apply() -> dict[str, Any]:
            current = self.profile(learner) or {"learner": learner, "role": "", "goals": "", "group_name": "", "language": "",
                                                "created": now}
            updated = {**current, **{k: v for k, v in fields.items() if v is not None}, "updated": now}
            self.db["profiles"].upsert(updated, pk="learner")
            return updated

        return write(self.db, apply, what="save profile")

    def language(self, learner: str) -> str:
        """The language the learner writes in ("en", "zh"), or "" while none is known."""
        row = self.db.execute("select language from profiles where learner = ?", [learner]).fetchone()
        return (row[0] or "") if row else ""

    def set_language(self, learner: str, language: str) -> None:
        """Remember the learner's language; a learner without a profile gets one holding only it."""
        self.save_profile(learner, language=language)

    def set_course_status(self, learner: str, course_id: str, status: str) -> None:
        if status not in COURSE_STATUSES:
            raise ValueError(f"status must be one of {', '.join(COURSE_STATUSES)}")

        def apply() -> None:
            role = (self.profile(learner) or {}).get("role", "")
            self.db["enrolments"].upsert(
                {"learner": learner, "course_id": course_id, "status": status, "role": role, "updated": time.time()},
                pk=("learner", "course_id"),
            )

        write(self.db, apply, what="set course status")

    def courses(self, learner: str, status: str | None = "completed") -> list[str]:
        """The learner's courses with `status` (None: any), oldest first."""
        where, params = ("learner = ?", [learner]) if status is None else ("learner = ? and status = ?", [learner, status])
        return [r["course_id"] for r in self.db["enrolments"].rows_where(where, params, order_by="updated")]

    def all_enrolments(self) -> list[dict[str, Any]]:
        return list(self.db["enrolments"].rows_where(order_by="updated"))
