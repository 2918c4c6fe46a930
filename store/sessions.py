"""Console sign-in sessions, kept server-side: the browser's cookie holds a random token, the table holds only its
SHA-256 (a copy of the database gives nobody a live session). A session ends when idle too long, when too old,
at sign-out, for all of a user's sessions at once (an admin's "sign out everywhere"), or when the identity
provider says so (back-channel logout: by its session id `sid`, or every session of its subject `sub`)."""
from __future__ import annotations

import hashlib
import json
import secrets
import time
from pathlib import Path
from typing import Any, Callable

import sqlite_utils

from .migrations import open_database
from .retry import write

# last_seen is written at most this often per session: a page view is not worth a write each time.
TOUCH_EVERY_S = 15.0


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


class ConsoleSessions:
    def __init__(self, db: sqlite_utils.Database | Path | str, clock: Callable[[], float] = time.time) -> None:
        self.db = open_database(db)
        self.clock = clock

    def create(self, username: str, role: str, *, groups: list[str] | tuple[str, ...] = (), method: str = "password",
               address: str = "", idp_sub: str = "", idp_sid: str = "", id_token: str = "") -> tuple[str, dict[str, Any]]:
        """A new session (a new token every sign-in); returns (the cookie's token, the session). A single sign-on
        session keeps the provider's subject and session id (for its back-channel logout) and the ID token (for
        signing out at the provider)."""
        token = secrets.token_urlsafe(32)
        now = self.clock()
        row = {"session_id": _hash(token), "username": username, "role": role, "groups": json.dumps(sorted(set(groups))),
               "method": method, "csrf": secrets.token_urlsafe(24), "address": address, "created": now, "last_seen": now,
               "idp_sub": idp_sub, "idp_sid": idp_sid, "id_token": id_token}
        write(self.db, lambda: self.db["console_sessions"].insert(row), what="console session")
        return token, self._decode(row)

    @staticmethod
    def _decode(row: dict[str, Any]) -> dict[str, Any]:
        return {**row, "groups": json.loads(row["groups"] or "[]")}

    def find(self, token: str, idle_s: float, absolute_s: float) -> tuple[dict[str, Any] | None, bool]:
        """(the live session for `token`, whether it just expired). An expired session is deleted; a live one
        has its last_seen moved on."""
        if not token:
            return None, False
        session_id = _hash(token)
        rows = list(self.db["console_sessions"].rows_where("session_id = ?", [session_id]))
        if not rows:
            return None, False
        row, now = rows[0], self.clock()
        if now - row["last_seen"] > idle_s or now - row["created"] > absolute_s:
            self.end(token)
            return None, True
        if now - row["last_seen"] >= TOUCH_EVERY_S:
            write(self.db, lambda: self.db.execute("update console_sessions set last_seen = ? where session_id = ?",
                                                   [now, session_id]), what="console session")
            row["last_seen"] = now
        return self._decode(row), False

    def end(self, token: str) -> bool:
        session_id = _hash(token)
        return bool(write(self.db, lambda: self.db.execute("delete from console_sessions where session_id = ?",
                                                           [session_id]).rowcount, what="console sign-out"))

    def end_all(self, username: str) -> int:
        """End every session of `username` (sign out everywhere); how many there were."""
        return write(self.db, lambda: self.db.execute("delete from console_sessions where username = ?", [username]).rowcount,
                     what="console sign-out everywhere")

    def end_at_provider(self, *, sub: str = "", sid: str = "") -> list[str]:
        """Back-channel logout: end the single sign-on sessions the identity provider names — its session `sid`
        (of subject `sub` too, when given), else every session of `sub`. The user name of each session ended."""
        if sid:
            where, params = "idp_sid = ?" + (" and idp_sub = ?" if sub else ""), [sid] + ([sub] if sub else [])
        elif sub:
            where, params = "idp_sub = ?", [sub]
        else:
            return []
        return self._end_where(where, params, "back-channel logout")

    def end_single_sign_on(self, username: str, sub: str) -> list[str]:
        """End every single sign-on session of a user the identity provider no longer lets in: by its subject,
        or by user name for sessions signed in by single sign-on. The user name of each session ended."""
        return self._end_where("(idp_sub = ? and idp_sub != '') or (username = ? and method = 'sso')", [sub, username],
                               "single sign-on refused")

    def _end_where(self, where: str, params: list[Any], what: str) -> list[str]:
        def apply() -> list[str]:
            names = [r[0] for r in self.db.execute(f"select username from console_sessions where {where}", params)]
            self.db.execute(f"delete from console_sessions where {where}", params)
            return names

        return write(self.db, apply, what=what)

    def active(self, idle_s: float, absolute_s: float) -> dict[str, dict[str, Any]]:
        """Per user name: live sessions, role, sign-in method and when last seen (newest session)."""
        now = self.clock()
        found: dict[str, dict[str, Any]] = {}
        for row in self.db.execute(
                "select username, role, method, last_seen from console_sessions where last_seen >= ? and created >= ? "
                "order by last_seen", [now - idle_s, now - absolute_s]):
            entry = found.setdefault(row[0], {"sessions": 0})
            entry.update(sessions=entry["sessions"] + 1, role=row[1], method=row[2], last_seen=row[3])
        return found

    def purge(self, idle_s: float, absolute_s: float) -> int:
        """Delete expired sessions (those never used again are not reached by `find`)."""
        now = self.clock()
        return write(self.db, lambda: self.db.execute("delete from console_sessions where last_seen < ? or created < ?",
                                                      [now - idle_s, now - absolute_s]).rowcount, what="console sessions purge")
