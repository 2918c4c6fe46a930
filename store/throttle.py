"""Sign-in throttling: failed tries per key (an account name, a source address), growing delays between tries,
a temporary lock, and how many tries were refused.

A try is counted as failed *before* the password is checked and forgiven when it turns out right, so requests
that arrive at the same moment (threads, processes) can never check more passwords than the policy allows.
The clock is the caller's, so a drill can play hours of guessing in seconds.
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping

import sqlite_utils

from .migrations import open_database
from .retry import write

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ThrottlePolicy:
    """How one kind of key is throttled: `free` failed tries without delay, then a delay that doubles from
    `first_delay_s` up to `max_delay_s` after each further failure, a lock of `lock_s` from `lock_after` failures
    on (each failure after it locks again), and a clean slate once the last failure is `forget_after_s` old."""

    free: int = 3
    lock_after: int = 10
    lock_s: float = 900.0
    first_delay_s: float = 1.0
    max_delay_s: float = 60.0
    forget_after_s: float = 86400.0

    def wait(self, failures: int, last_failure: float, locked_until: float, now: float) -> float:
        """Seconds until the next try may be checked (0: now)."""
        if now - last_failure >= self.forget_after_s:
            return 0.0
        if locked_until > now:
            return locked_until - now
        if failures < self.free:
            return 0.0
        delay = min(self.first_delay_s * 2 ** (failures - self.free), self.max_delay_s)
        return max(0.0, last_failure + delay - now)


@dataclass(frozen=True)
class Verdict:
    """What the throttle said about one try: `wait` > 0 means refused (try again in that many seconds);
    `locked` names the keys this try locked."""

    wait: float
    refused_by: str = ""
    locked: tuple[str, ...] = ()

    @property
    def allowed(self) -> bool:
        return self.wait <= 0


class LoginThrottle:
    """Throttle records in the tutor's database; safe to share between threads and processes."""

    def __init__(self, db: sqlite_utils.Database | Path | str, clock: Callable[[], float] = time.time) -> None:
        self.db = open_database(db)
        self.clock = clock

    def _row(self, key: str) -> dict[str, Any]:
        rows = list(self.db["login_throttle"].rows_where("key = ?", [key]))
        return rows[0] if rows else {"key": key, "failures": 0, "last_failure": 0.0, "locked_until": 0.0, "refused": 0}

    def attempt(self, keys: Mapping[str, ThrottlePolicy]) -> Verdict:
        """Ask to check a password for these keys (e.g. {"account:ana": …, "address:10.0.0.7": …}). Refused: each
        refusing key's refused count goes up and nothing is checked. Allowed: the try counts as failed until
        `succeeded` forgives it, and a key that reaches its lock is locked now."""
        now = self.clock()

        def apply() -> Verdict:
            rows = {key: self._row(key) for key in keys}
            for key, policy in keys.items():
                row = rows[key]
                if now - (row["last_failure"] or 0.0) >= policy.forget_after_s:
                    row.update(failures=0, locked_until=0.0)
            waits = {key: policy.wait(rows[key]["failures"], rows[key]["last_failure"] or 0.0,
                                      rows[key]["locked_until"] or 0.0, now) for key, policy in keys.items()}
            longest = max(waits, key=waits.get)
            if waits[longest] > 0:
                for key, wait in waits.items():
                    if wait > 0:
                        self.db["login_throttle"].upsert({**rows[key], "refused": rows[key]["refused"] + 1}, pk="key")
                return Verdict(waits[longest], refused_by=longest)
            locked, first = [], []
            for key, policy in keys.items():
                row = rows[key]
                row["failures"] += 1
                row["last_failure"] = now
                if row["failures"] >= policy.lock_after:
                    row["locked_until"] = now + policy.lock_s
                    locked.append(key)
                    if row["failures"] == policy.lock_after:
                        first.append(key.split(":", 1)[0])
                self.db["login_throttle"].upsert(row, pk="key")
            if first:  # (each later failure locks again: logged once, recorded in the audit trail each time)
                log.warning("sign-in locked for an %s: too many failed tries", " and an ".join(first))
            return Verdict(0.0, locked=tuple(locked))

        return write(self.db, apply, what="sign-in throttle")

    def succeeded(self, account_key: str, other_keys: Mapping[str, ThrottlePolicy] = {}) -> None:
        """The password was right: the account starts afresh, and the try is taken off the other keys' counts
        (an address keeps its earlier failures: signing in to one's own account must not clear a guesser's)."""
        def apply() -> None:
            self.db.execute("delete from login_throttle where key = ?", [account_key])
            for key, policy in other_keys.items():
                row = self._row(key)
                if row["failures"] <= 0:
                    continue
                row["failures"] -= 1
                if row["failures"] < policy.lock_after:
                    row["locked_until"] = 0.0
                self.db["login_throttle"].upsert(row, pk="key")

        write(self.db, apply, what="sign-in throttle")

    def unlock(self, key: str) -> bool:
        """Clear a key's failures and lock (an admin's unlock); False when there was nothing to clear."""
        return bool(write(self.db, lambda: self.db.execute("delete from login_throttle where key = ?", [key]).rowcount,
                          what="sign-in unlock"))

    def state(self, key: str) -> dict[str, Any]:
        """A key's failures, last failure, lock end and refused tries (zeros when it has none)."""
        return self._row(key)

    def troubled(self) -> list[dict[str, Any]]:
        """Keys with failures or refused tries, locked ones first, with `locked` (seconds left, 0 when not locked)."""
        now = self.clock()
        rows = [dict(r) for r in self.db["login_throttle"].rows_where("failures > 0 or refused > 0")]
        for row in rows:
            row["locked"] = max(0.0, (row["locked_until"] or 0.0) - now)
        return sorted(rows, key=lambda r: (-r["locked"], -(r["last_failure"] or 0.0)))

    def prune(self, older_than_s: float = 7 * 86400) -> int:
        """Delete records untouched for `older_than_s` (names typed once and never again)."""
        cutoff = self.clock() - older_than_s
        return write(self.db, lambda: self.db.execute(
            "delete from login_throttle where last_failure < ? and locked_until < ?", [cutoff, self.clock()]).rowcount,
            what="sign-in throttle prune")
