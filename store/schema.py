"""How each table of the tutor's database relates to a learner, so that forgetting a learner reaches every table
by construction.

Every table the migrations create is named in exactly one of these groups; a test fails when a new table is
not. `Records.forget` deletes from LEARNER_KEYED and LINKED; nothing else may hold a learner's id. A table
that must outlive a learner (an audit trail, say) goes in RETAINED and holds only pseudonymous ids (see
`pseudonym`) from the moment a row is written, so forgetting never needs to rewrite it.
"""
from __future__ import annotations

# Rows that belong to one learner: table -> the column holding the learner's id.
LEARNER_KEYED: dict[str, str] = {
    "turns": "learner",
    "attempts": "learner",
    "mastery": "learner",
    "review_cards": "learner",
    "quiz_sessions": "learner",
    "profiles": "learner",
    "enrolments": "learner",
    "question_flags": "learner",
    "learner_groups": "learner",  # the groups an admin put the learner in (team-scoped console access)
    "lrs_outbox": "learner",  # xAPI statements about the learner, waiting for the LRS or already delivered
}

# Rows about a learner's records, deleted with them: table -> (its column, the learner-keyed table and column
# it points at).
LINKED: dict[str, tuple[str, str, str]] = {
    "annotations": ("turn_id", "turns", "turn_id"),
    "conversation_reviews": ("conversation_id", "turns", "conversation_id"),
}

# Tables that outlive a learner and hold only pseudonymous ids: table -> the pseudonymous column.
RETAINED: dict[str, str] = {"audit_log": "learner_pseudonym"}

# Tables with nothing about any learner.
# (console_sessions, login_throttle and console_user_groups are about console users, never learners;
# sqlite_sequence is SQLite's own counter for the audit trail's ids; audit_retention holds, only while the
# retention run deletes, the time before which audit entries may go.)
SHARED: frozenset[str] = frozenset({"questions", "console_users", "_migrations", "console_sessions", "login_throttle",
                                   "console_user_groups", "sqlite_sequence", "audit_retention"})

# Search indexes kept in step with a learner-keyed table by triggers (deleting the rows deletes their entries).
DERIVED_PREFIXES: dict[str, str] = {"turns_fts": "turns"}


def classify(table: str) -> str | None:
    """Which group a table belongs to, or None when nobody has said."""
    if table in LEARNER_KEYED:
        return "learner"
    if table in LINKED:
        return "linked"
    if table in RETAINED:
        return "retained"
    if table in SHARED:
        return "shared"
    if any(table == prefix or table.startswith(prefix + "_") for prefix in DERIVED_PREFIXES):
        return "derived"
    return None
