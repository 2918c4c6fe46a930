"""Trainer-console accounts: user name, role and a password hash (hashing is the console's)."""
from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import sqlite_utils

from .migrations import open_database
from .retry import write


class Accounts:
    def __init__(self, db: sqlite_utils.Database | Path | str) -> None:
        self.db = open_database(db)

    def save(self, username: str, password_hash: str, role: str) -> None:
        record = {"username": username, "password_hash": password_hash, "role": role, "created": time.time()}
        write(self.db, lambda: self.db["console_users"].upsert(record, pk="username"), what="console user")

    def get(self, username: str) -> dict[str, Any] | None:
        rows = list(self.db["console_users"].rows_where("username = ?", [username]))
        return rows[0] if rows else None

    def all(self) -> list[dict[str, Any]]:
        """Every account's name, role and creation time (never the hash), by name."""
        cursor = self.db.execute("select username, role, created from console_users order by username")
        return [dict(zip(("username", "role", "created"), r)) for r in cursor]
