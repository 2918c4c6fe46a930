"""Store writes that stay correct while other processes write the same SQLite file.

The action server's workers, the Slack app and the trainer console each hold their own connections to the
tutor's one database file. WAL lets readers carry on while one process writes, and the busy timeout set in
`open_database` makes a second writer wait for the lock instead of failing. That wait does not cover
everything, as `eval/load/store_writers.py` measured:

* a transaction that reads before it writes holds a snapshot; asking for the write lock while another
  process holds it then fails at once with "database is locked" (SQLITE_BUSY, or SQLITE_BUSY_SNAPSHOT when
  the other process committed meanwhile) instead of waiting in the busy handler. `TurnStore.record` does
  this although it only inserts: the full-text index on turns has FTS5 read its config table first, inside
  the same deferred transaction;
* a read-modify-write done as separate statements (read the mastery row, then write attempts + 1) loses
  updates when two processes interleave, with no error at all;
* processes opening a fresh file at the same moment each ran the migrations ("table turns already exists"),
  or failed inside them with "database is locked" (sqlite-utils checks that a table exists before creating
  it), and now and then one was refused the switch to WAL, which needs the file to itself for a moment.

So every store write runs through `write()`: one `BEGIN IMMEDIATE` transaction, which takes the write lock
first (through the busy handler), so the reads inside it see the latest commit and nothing can slip in
between read and write; and the whole transaction is retried a few times, with backoff and jitter, on the
rare lock errors that still escape the busy handler.
"""
from __future__ import annotations

import logging
import random
import sqlite3
import threading
import time
import weakref
from typing import Callable, TypeVar

import sqlite_utils

log = logging.getLogger(__name__)

T = TypeVar("T")

ATTEMPTS = 5
BASE_DELAY_S = 0.02
MAX_DELAY_S = 0.5

_locks: "weakref.WeakKeyDictionary[sqlite_utils.Database, threading.RLock]" = weakref.WeakKeyDictionary()
_locks_guard = threading.Lock()


def is_transient(exc: BaseException) -> bool:
    """SQLite's lock contention errors: another connection holds the lock, so the same work can succeed later."""
    if not isinstance(exc, sqlite3.OperationalError):
        return False
    message = str(exc).lower()
    return "locked" in message or "busy" in message


def retry(
    work: Callable[[], T],
    *,
    what: str = "write",
    attempts: int = ATTEMPTS,
    base_delay_s: float = BASE_DELAY_S,
    max_delay_s: float = MAX_DELAY_S,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """Call `work` until it succeeds, at most `attempts` times while it fails with a lock error.

    The delay doubles each time up to `max_delay_s`, with jitter so that processes which collided do not
    collide again in step. After the last attempt the original error is raised unchanged. `work` must be
    safe to run again: for writes that holds because a failed transaction was rolled back as a whole.
    """
    attempt = 1
    while True:
        try:
            return work()
        except sqlite3.OperationalError as exc:
            if not is_transient(exc) or attempt >= attempts:
                raise
            delay = min(max_delay_s, base_delay_s * 2 ** (attempt - 1)) * random.uniform(0.5, 1.5)
            log.warning("%s: %s (attempt %d of %d), retrying in %.0f ms", what, exc, attempt, attempts, delay * 1000)
            sleep(delay)
            attempt += 1


def _lock_for(db: sqlite_utils.Database) -> threading.RLock:
    # One connection is shared by a process's threads; they must not interleave BEGIN ... COMMIT on it.
    with _locks_guard:
        lock = _locks.get(db)
        if lock is None:
            lock = _locks[db] = threading.RLock()
        return lock


def _immediate(db: sqlite_utils.Database, work: Callable[[], T]) -> T:
    db.conn.execute("BEGIN IMMEDIATE")
    try:
        result = work()
        db.conn.execute("COMMIT")
    except BaseException:
        if db.conn.in_transaction:
            try:
                db.conn.execute("ROLLBACK")
            except sqlite3.Error as rollback_error:  # the caller needs the original error, not this one
                log.warning("rollback after a failed write failed too: %s", rollback_error)
        raise
    return result


def write(db: sqlite_utils.Database, work: Callable[[], T], *, what: str = "write") -> T:
    """Run `work` (reads and writes on `db`) as one BEGIN IMMEDIATE transaction, retried whole on lock errors.

    sqlite-utils' own write methods nest inside it as savepoints. Called while a transaction is already open
    on `db`, `work` simply joins it: the outer transaction owns commit, rollback and retry.
    """
    with _lock_for(db):
        if db.conn.in_transaction:
            return work()
        return retry(lambda: _immediate(db, work), what=what)
