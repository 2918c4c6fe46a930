"""The audit trail: who did what in the console or on the command line, when and from where — every view of a
conversation, search, export, flag, review, question decision, sign-in, lock, unlock, `forget` and retention run.

Append-only: there is no method to change an entry, and triggers (migrations 12 and 13) refuse UPDATE and any
DELETE but one: the retention run's, of entries older than console.audit_retention_days (`delete_before`). Learners appear only as `pseudonym(learner)`, computed here when the row is written, so forgetting a
learner never has to rewrite the trail.
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import sqlite_utils

from .migrations import AUDIT_RETENTION_TABLE, AUDIT_TABLE, open_database
from .retry import write
from .turns import pseudonym

COLUMNS = ("entry_id", "at", "actor", "role", "action", "target", "learner_pseudonym", "detail", "address", "outcome")


@dataclass
class AuditQuery:
    """Which entries to list: by actor, action, learner (raw id, matched by pseudonym), dates (Unix seconds)."""

    actor: str = ""
    action: str = ""
    learner: str = ""
    since: float | None = None
    until: float | None = None

    def where(self) -> tuple[str, list[Any]]:
        clauses, params = ["1"], []
        for column, value in (("actor", self.actor), ("action", self.action)):
            if value:
                clauses.append(f"{column} = ?")
                params.append(value)
        if self.learner:
            clauses.append("learner_pseudonym = ?")
            params.append(pseudonym(self.learner))
        if self.since is not None:
            clauses.append("at >= ?")
            params.append(self.since)
        if self.until is not None:
            clauses.append("at < ?")
            params.append(self.until)
        return " and ".join(clauses), params


class AuditTrail:
    def __init__(self, db: sqlite_utils.Database | Path | str, clock: Callable[[], float] = time.time) -> None:
        self.db = open_database(db)
        self.clock = clock

    def record(self, actor: str, action: str, *, role: str = "", target: str = "", learner: str | None = None,
               detail: dict[str, Any] | None = None, address: str = "", outcome: str = "ok") -> int:
        """Append one entry; its id. `learner` is a raw learner id and is stored as its pseudonym; `detail` must
        hold nothing that names a learner (callers pass redacted text and pseudonyms)."""
        row = {"at": self.clock(), "actor": actor, "role": role, "action": action, "target": target,
               "learner_pseudonym": pseudonym(learner) if learner else "",
               "detail": json.dumps(detail, ensure_ascii=False, sort_keys=True) if detail else "", "address": address,
               "outcome": outcome}
        return write(self.db, lambda: self.db[AUDIT_TABLE].insert(row).last_pk, what="audit entry")

    def entries(self, query: AuditQuery | None = None, limit: int = 200, offset: int = 0) -> list[dict[str, Any]]:
        """Matching entries, newest first."""
        where, params = (query or AuditQuery()).where()
        cursor = self.db.execute(f"select {', '.join(COLUMNS)} from {AUDIT_TABLE} where {where} "
                                 "order by entry_id desc limit ? offset ?", [*params, limit, offset])
        return [dict(zip(COLUMNS, row)) for row in cursor]

    def count(self, query: AuditQuery | None = None) -> int:
        where, params = (query or AuditQuery()).where()
        return int(self.db.execute(f"select count(*) from {AUDIT_TABLE} where {where}", params).fetchone()[0])

    def actions(self) -> list[str]:
        """The actions recorded so far, for the audit page's filter."""
        return [r[0] for r in self.db.execute(f"select distinct action from {AUDIT_TABLE} order by action")]

    def delete_before(self, cutoff: float) -> int:
        """Retention: delete the entries written before `cutoff` (Unix seconds); how many. The only deletion the
        trail allows: the cutoff is written where the append-only trigger reads it and removed again in the same
        transaction, so no newer entry can go, and no other statement ever finds deleting allowed."""

        def apply() -> int:
            self.db.execute(f"insert or replace into {AUDIT_RETENTION_TABLE} (id, cutoff) values (1, ?)", [cutoff])
            deleted = self.db.execute(f"delete from {AUDIT_TABLE} where at < ?", [cutoff]).rowcount
            self.db.execute(f"delete from {AUDIT_RETENTION_TABLE}")
            return deleted

        return write(self.db, apply, what="audit retention")
