"""The tutor's own records in one SQLite file, behind one connection: turns, the learning records, profiles,
transcripts for trainers, analytics, console accounts and trainers' review of the question bank; and the two operations that cut across them,
forgetting a learner and applying the retention period."""
from __future__ import annotations

import logging
from pathlib import Path

import sqlite_utils

from .accounts import Accounts
from .analytics import Analytics
from .learning import LearningStore
from .migrations import open_database
from .outbox import Outbox
from .profiles import ProfileStore
from .question_review import QuestionReviews
from .retry import write
from .schema import LEARNER_KEYED, LINKED
from .transcripts import Transcripts
from .turns import TurnStore, pseudonym

log = logging.getLogger(__name__)


class Records:
    """Opened by path (never at import); safe to share between the threads of one process."""

    def __init__(self, db: sqlite_utils.Database | Path | str) -> None:
        self.db = open_database(db)
        self.turns = TurnStore(self.db)
        self.learning = LearningStore(self.db)
        self.profiles = ProfileStore(self.db)
        self.transcripts = Transcripts(self.db)
        self.analytics = Analytics(self.db)
        self.accounts = Accounts(self.db)
        self.question_reviews = QuestionReviews(self.db)
        self.outbox = Outbox(self.db)  # learning records (xAPI statements) for the company's LRS

    def conversations_of(self, learner: str) -> set[str]:
        """The conversation ids of the learner's recorded turns (the learner's own id included)."""
        rows = self.db.execute("select distinct conversation_id from turns where learner = ?", [learner]).fetchall()
        return {r[0] for r in rows if r[0]} | {learner}

    def forget(self, learner: str) -> tuple[dict[str, int], set[str]]:
        """Delete every row about `learner` in one transaction: each table of schema.LEARNER_KEYED by its learner
        column, and each LINKED table by what it points at. Returns (rows deleted per table, the learner's
        conversation ids, for deleting Rasa's events of them too)."""
        deleted: dict[str, int] = {}

        def apply() -> set[str]:
            deleted.clear()  # the transaction may be retried whole
            conversations = self.conversations_of(learner)
            for table, (column, parent, parent_column) in LINKED.items():
                deleted[table] = self.db.execute(
                    f"delete from {table} where {column} in "
                    f"(select {parent_column} from {parent} where {LEARNER_KEYED[parent]} = ?)", [learner]).rowcount
            for table, column in LEARNER_KEYED.items():
                deleted[table] = self.db.execute(f"delete from {table} where {column} = ?", [learner]).rowcount
            return conversations

        conversations = write(self.db, apply, what="forget a learner")
        log.info("forgot learner %s: %s", pseudonym(learner), {k: v for k, v in deleted.items() if v})
        return deleted, conversations

    def forget_reviews(self, conversation_ids: set[str]) -> int:
        """Delete the review marks of these conversations (those the tutor recorded no turn in are found only
        through Rasa's events, so `forget` cannot reach them by itself)."""
        ids = sorted(conversation_ids)
        if not ids:
            return 0
        marks = ", ".join("?" for _ in ids)
        return write(self.db, lambda: self.db.execute(f"delete from conversation_reviews where conversation_id in ({marks})",
                                                      ids).rowcount, what="forget review marks")

    def delete_turns_before(self, cutoff: float) -> dict[str, int]:
        """Retention: transcripts (turns and the notes on them) older than `cutoff` (Unix seconds)."""
        deleted: dict[str, int] = {}

        def apply() -> None:
            deleted["annotations"] = self.db.execute(
                "delete from annotations where turn_id in (select turn_id from turns where created < ?)", [cutoff]).rowcount
            deleted["turns"] = self.db.execute("delete from turns where created < ?", [cutoff]).rowcount

        write(self.db, apply, what="retention")
        return deleted

    def close(self) -> None:
        self.db.close()
