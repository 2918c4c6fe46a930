"""Groups for team-scoped console access: which learners are in which group (an admin's mapping or import, never
what a learner says in chat), and which groups a trainer looks after (an admin's mapping; the identity
provider's groups claim is added at sign-in by the console). Deleting a learner (`Records.forget`) deletes their
memberships (learner_groups is learner-keyed)."""
from __future__ import annotations

import time
from pathlib import Path
from typing import Any, Iterable, Sequence

import sqlite_utils

from .migrations import open_database
from .retry import write


def in_groups(column: str, groups: Sequence[str]) -> tuple[str, list[str]]:
    """SQL that holds when the learner in `column` belongs to one of `groups` (never, for no groups)."""
    if not groups:
        return "0", []
    marks = ", ".join("?" for _ in groups)
    return f"{column} in (select learner from learner_groups where group_name in ({marks}))", list(groups)


class Groups:
    def __init__(self, db: sqlite_utils.Database | Path | str) -> None:
        self.db = open_database(db)

    def import_memberships(self, rows: Iterable[tuple[str, str]], *, source: str = "import", replace: bool = False) -> int:
        """Add (learner, group) memberships in one transaction; with `replace`, the learners named lose the
        groups not listed for them. How many rows were given."""
        pairs = [(str(learner).strip(), str(group).strip()) for learner, group in rows]
        now = time.time()

        def apply() -> int:
            if replace:
                for learner in {p[0] for p in pairs}:
                    self.db.execute("delete from learner_groups where learner = ?", [learner])
            self.db["learner_groups"].upsert_all(
                [{"learner": learner, "group_name": group, "source": source, "updated": now} for learner, group in pairs],
                pk=("learner", "group_name"))
            return len(pairs)

        return write(self.db, apply, what="group import") if pairs else 0

    def remove_learner(self, learner: str, group: str) -> bool:
        return bool(write(self.db, lambda: self.db.execute(
            "delete from learner_groups where learner = ? and group_name = ?", [learner, group]).rowcount, what="group change"))

    def groups_of(self, learner: str) -> list[str]:
        return [r[0] for r in self.db.execute("select group_name from learner_groups where learner = ? order by group_name", [learner])]

    def learners_in(self, groups: Sequence[str]) -> set[str]:
        where, params = in_groups("learner", groups)
        return {r[0] for r in self.db.execute(f"select distinct learner from learner_groups where {where}", params)}

    def sizes(self) -> dict[str, int]:
        """Every group with its number of learners."""
        return {r[0]: int(r[1]) for r in self.db.execute(
            "select group_name, count(*) from learner_groups group by group_name order by group_name")}

    def set_trainer_groups(self, username: str, groups: Iterable[str]) -> list[str]:
        """Replace the groups a console user looks after; the groups now set."""
        chosen = sorted({g.strip() for g in groups if g and g.strip()})
        now = time.time()

        def apply() -> None:
            self.db.execute("delete from console_user_groups where username = ?", [username])
            if chosen:
                self.db["console_user_groups"].insert_all(
                    [{"username": username, "group_name": g, "updated": now} for g in chosen], pk=("username", "group_name"))

        write(self.db, apply, what="trainer groups")
        return chosen

    def trainer_groups(self, username: str) -> list[str]:
        return [r[0] for r in self.db.execute(
            "select group_name from console_user_groups where username = ? order by group_name", [username])]

    def trainers(self) -> dict[str, list[str]]:
        """Every console user with groups assigned by an admin."""
        found: dict[str, list[str]] = {}
        for username, group in self.db.execute("select username, group_name from console_user_groups order by username, group_name"):
            found.setdefault(username, []).append(group)
        return found

    def memberships(self, limit: int = 1000) -> list[dict[str, Any]]:
        cursor = self.db.execute("select learner, group_name, source, updated from learner_groups order by group_name, learner limit ?", [limit])
        return [dict(zip(("learner", "group_name", "source", "updated"), r)) for r in cursor]
