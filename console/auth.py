"""Console accounts: scrypt-hashed passwords, roles (admin, trainer, learner). Only admin and trainer may use
the console; admin alone sees real learner identities."""
from __future__ import annotations

import base64
import hashlib
import hmac
import os
import time

from store import write_transaction

ROLES = ("admin", "trainer", "learner")
CONSOLE_ROLES = ("admin", "trainer")


def hash_password(password: str) -> str:
    salt = os.urandom(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=2**14, r=8, p=1)
    return "scrypt$" + base64.b64encode(salt).decode() + "$" + base64.b64encode(digest).decode()


def verify_password(password: str, stored: str) -> bool:
    try:
        _, salt, digest = stored.split("$")
        expected = base64.b64decode(digest)
        actual = hashlib.scrypt(password.encode(), salt=base64.b64decode(salt), n=2**14, r=8, p=1)
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)


def add_user(db, username: str, password: str, role: str) -> None:
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    if len(password) < 10:
        raise ValueError("the password must have at least 10 characters")
    record = {"username": username, "password_hash": hash_password(password), "role": role, "created": time.time()}
    write_transaction(db, lambda: db["console_users"].upsert(record, pk="username"), what="console user")


def authenticate(db, username: str, password: str) -> str | None:
    """The user's role when the password is right, else None."""
    rows = list(db["console_users"].rows_where("username = ?", [username]))
    if rows and verify_password(password, rows[0]["password_hash"]):
        return rows[0]["role"]
    verify_password(password, hash_password("timing-equaliser"))  # same work for unknown users
    return None
