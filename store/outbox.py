"""The outbox of learning records: xAPI statements waiting for the company's LRS, written in the same transaction
as the event they describe, so a statement exists exactly when its event does, and survives restarts.

A row is 'pending' until the LRS holds it, then 'delivered' (its body dropped: the LRS keeps the statement; the row
keeps its id and learner, so `forget` can say what stayed in the LRS), or 'dead' when the statement is invalid or
the LRS refuses its content (the dead-letter list, kept whole for an admin to read and send again). Senders claim
pending rows for a while (`claimed_until`), so two senders (`tutor serve`, `tutor lrs send`) never post the same
row at once; a sender that dies leaves its claim to expire.
"""
from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable

import sqlite_utils

from .migrations import open_database
from .retry import write

TABLE = "lrs_outbox"
STATUSES = ("pending", "delivered", "dead")
_ROW = "seq, statement_id, learner, verb, statement, created, attempts, last_error"


@dataclass
class OutboxRow:
    seq: int
    statement_id: str
    learner: str
    verb: str
    statement: dict[str, Any]
    created: float
    attempts: int
    last_error: str = ""


@dataclass
class OutboxStatus:
    pending: int
    delivered: int
    dead: int
    oldest_pending: float | None  # when the oldest pending statement was made (Unix seconds)
    last_error: str  # the latest failure among pending rows ('' when none)
    next_attempt: float | None  # when the next retry of a failed statement is due


def _row(values: tuple) -> OutboxRow:
    seq, statement_id, learner, verb, body, created, attempts, last_error = values
    return OutboxRow(seq, statement_id, learner, verb, json.loads(body) if body else {}, created, attempts, last_error or "")


def _verb_name(statement: dict) -> str:
    verb_id = str((statement.get("verb") or {}).get("id", ""))
    return verb_id.rstrip("/").rsplit("/", 1)[-1]


class Outbox:
    """Safe to share between the threads of one process; every write is one transaction (store.retry.write),
    joining the caller's when one is open (that is how a statement shares its event's transaction)."""

    def __init__(self, db: sqlite_utils.Database | Path | str) -> None:
        self.db = open_database(db)

    # Writing statements
    def add(self, learner: str, statements: Iterable[dict[str, Any]], *, now: float | None = None) -> int:
        """Queue statements about `learner` (each with its final `id`). Call it inside the event's transaction."""
        now = time.time() if now is None else now
        rows = [(s["id"], learner, _verb_name(s), json.dumps(s, ensure_ascii=False, separators=(",", ":")), now)
                for s in statements]
        if rows:
            write(self.db, lambda: self.db.conn.executemany(
                f"insert into {TABLE} (statement_id, learner, verb, statement, created) values (?, ?, ?, ?, ?)", rows),
                what="queue learning records")
        return len(rows)

    def add_dead(self, learner: str, verb: str, error: str, statement: dict | None = None, *, now: float | None = None) -> None:
        """Record a statement that could not even be made, so that an admin sees it on the dead-letter list."""
        now = time.time() if now is None else now
        body = json.dumps(statement or {}, ensure_ascii=False)
        write(self.db, lambda: self.db.execute(
            f"insert into {TABLE} (statement_id, learner, verb, statement, created, status, last_error) "
            "values (?, ?, ?, ?, ?, 'dead', ?)", [str(uuid.uuid4()), learner, verb, body, now, error[:2000]]),
            what="record a failed learning record")

    # Sending
    def claim(self, limit: int, lease_s: float, *, now: float | None = None) -> list[OutboxRow]:
        """Up to `limit` pending statements that are due and not claimed by another sender, oldest first, claimed
        for `lease_s` seconds."""
        now = time.time() if now is None else now

        def apply() -> list[OutboxRow]:
            rows = [_row(r) for r in self.db.execute(
                f"select {_ROW} from {TABLE} where status = 'pending' and next_attempt <= ? and claimed_until <= ? "
                "order by seq limit ?", [now, now, limit]).fetchall()]
            self.db.conn.executemany(f"update {TABLE} set claimed_until = ? where seq = ?", [(now + lease_s, r.seq) for r in rows])
            return rows

        return write(self.db, apply, what="claim learning records")

    def mark_delivered(self, rows: Iterable[OutboxRow], *, now: float | None = None) -> None:
        """The LRS holds these: keep only their id, learner and verb."""
        now = time.time() if now is None else now
        seqs = [(now, r.seq) for r in rows]
        write(self.db, lambda: self.db.conn.executemany(
            f"update {TABLE} set status = 'delivered', delivered = ?, statement = '', claimed_until = 0, last_error = '' "
            "where seq = ? and status = 'pending'", seqs), what="mark learning records delivered")

    def mark_dead(self, failures: dict[int, str]) -> None:
        """Move rows (by seq) to the dead-letter list with why: invalid, or refused by the LRS."""
        write(self.db, lambda: self.db.conn.executemany(
            f"update {TABLE} set status = 'dead', claimed_until = 0, last_error = ? where seq = ? and status = 'pending'",
            [(error[:2000], seq) for seq, error in failures.items()]), what="dead-letter learning records")

    def retry_later(self, rows: Iterable[OutboxRow], error: str, delay: Callable[[int], float], *,
                    now: float | None = None) -> None:
        """A failed try: each row's attempts go up by one and it is due again after `delay(attempts)` seconds."""
        now = time.time() if now is None else now
        updates = [(r.attempts + 1, now + delay(r.attempts + 1), error[:2000], r.seq) for r in rows]
        write(self.db, lambda: self.db.conn.executemany(
            f"update {TABLE} set attempts = ?, next_attempt = ?, last_error = ?, claimed_until = 0 "
            "where seq = ? and status = 'pending'", updates), what="retry learning records later")

    def release(self, rows: Iterable[OutboxRow]) -> None:
        """Give claimed rows back untried (the round stopped before their turn)."""
        seqs = [(r.seq,) for r in rows]
        write(self.db, lambda: self.db.conn.executemany(f"update {TABLE} set claimed_until = 0 where seq = ?", seqs),
              what="release learning records")

    def due_now(self) -> int:
        """Every pending statement due at once (the LRS is back, or an operator sends by hand): their backoff is over."""
        return write(self.db, lambda: self.db.execute(
            f"update {TABLE} set next_attempt = 0 where status = 'pending' and next_attempt > 0").rowcount,
            what="make learning records due")

    def requeue(self, statement_ids: Iterable[str] | None = None) -> int:
        """Dead letters back to pending (after the cause was fixed): these, or all of them."""
        reset = "status = 'pending', attempts = 0, next_attempt = 0, claimed_until = 0, last_error = ''"
        if statement_ids is None:
            return write(self.db, lambda: self.db.execute(f"update {TABLE} set {reset} where status = 'dead'").rowcount,
                         what="requeue dead letters")
        ids = [(i,) for i in statement_ids]

        def apply() -> int:
            before = self.db.conn.total_changes
            self.db.conn.executemany(f"update {TABLE} set {reset} where statement_id = ? and status = 'dead'", ids)
            return self.db.conn.total_changes - before

        return write(self.db, apply, what="requeue dead letters")

    # Reading
    def status(self) -> OutboxStatus:
        counts = dict(self.db.execute(f"select status, count(*) from {TABLE} group by status").fetchall())
        oldest, next_attempt = self.db.execute(
            f"select min(created), min(case when attempts > 0 then next_attempt end) from {TABLE} where status = 'pending'").fetchone()
        error = self.db.execute(f"select last_error from {TABLE} where status = 'pending' and last_error != '' "
                                "order by next_attempt desc limit 1").fetchone()
        return OutboxStatus(counts.get("pending", 0), counts.get("delivered", 0), counts.get("dead", 0), oldest,
                            error[0] if error else "", next_attempt)

    def dead_letters(self, limit: int = 200) -> list[OutboxRow]:
        """The dead-letter list, newest first."""
        return [_row(r) for r in self.db.execute(
            f"select {_ROW} from {TABLE} where status = 'dead' order by seq desc limit ?", [limit]).fetchall()]

    def pending(self, limit: int = 1000) -> list[OutboxRow]:
        return [_row(r) for r in self.db.execute(
            f"select {_ROW} from {TABLE} where status = 'pending' order by seq limit ?", [limit]).fetchall()]

    def statement_ids(self, status: str | None = None) -> list[str]:
        """Ids of every statement in the outbox (of one status), oldest first."""
        where, params = ("where status = ?", [status]) if status else ("", [])
        return [r[0] for r in self.db.execute(f"select statement_id from {TABLE} {where} order by seq", params).fetchall()]

    def delivery_lags(self) -> list[float]:
        """Seconds from making each delivered statement to the LRS taking it (delivered − created), oldest first."""
        return [r[0] for r in self.db.execute(
            f"select delivered - created from {TABLE} where status = 'delivered' order by seq").fetchall()]

    def delivered_count(self, learner: str) -> int:
        """Statements about `learner` that the LRS already holds (they stay there when the learner is forgotten)."""
        return int(self.db.execute(f"select count(*) from {TABLE} where learner = ? and status = 'delivered'",
                                   [learner]).fetchone()[0])
