"""Console accounts: scrypt-hashed passwords, roles (admin, trainer, manager, learner). Admins and trainers use
the whole console (admin alone sees real learner identities); managers see only the team reports (aggregates of
their groups, console/reports.py), never a transcript; learners are refused."""
from __future__ import annotations

import base64
import hashlib
import hmac
import os

ROLES = ("admin", "trainer", "manager", "learner")
CONSOLE_ROLES = ("admin", "trainer")  # every console page
REPORT_ROLES = ("admin", "trainer", "manager")  # the team reports only


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


def add_user(accounts, username: str, password: str, role: str) -> None:
    """Create or update an account in `accounts` (store.Accounts)."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    if len(password) < 10:
        raise ValueError("the password must have at least 10 characters")
    accounts.save(username, hash_password(password), role)


def authenticate(accounts, username: str, password: str) -> str | None:
    """The user's role when the password is right, else None."""
    user = accounts.get(username)
    if user and verify_password(password, user["password_hash"]):
        return user["role"]
    verify_password(password, hash_password("timing-equaliser"))  # same work for unknown users
    return None
