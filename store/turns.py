"""The tutor's own record of every turn: what was asked, what was answered, from which sources, how fast.

Rasa's tracker store keeps the raw dialogue events; this store keeps what trainers and analytics need, in
SQLite through sqlite-utils, with numbered migrations.
"""
from __future__ import annotations

import hashlib
import json
import logging
import time
import uuid
from pathlib import Path
from typing import Any, Iterable

from .migrations import open_database
from .retry import write

log = logging.getLogger(__name__)


def pseudonym(sender_id: str) -> str:
    """A stable short alias for logs, so raw sender ids (emails, Slack ids) never reach them."""
    return hashlib.sha256(sender_id.encode("utf-8", "replace")).hexdigest()[:10]


class TurnStore:
    """Turns of every conversation, opened by path; safe to share between threads of one process."""

    def __init__(self, path: Path) -> None:
        self.db = open_database(path)

    def record(
        self,
        sender_id: str,
        question: str,
        answer: str,
        *,
        channel: str = "",
        mode: str = "",
        abstained: bool = False,
        confidence: float = 0.0,
        sources: Iterable[dict[str, Any]] = (),
        notes: Iterable[str] = (),
        latency_ms: float = 0.0,
        conversation_id: str = "",
    ) -> str:
        turn_id = uuid.uuid4().hex
        row = {
            "turn_id": turn_id,
            "sender_id": sender_id,
            "channel": channel,
            "created": time.time(),
            "question": question,
            "answer": answer,
            "mode": mode,
            "abstained": int(abstained),
            "confidence": confidence,
            "sources": json.dumps(list(sources)),
            "notes": json.dumps(list(notes)),
            "latency_ms": latency_ms,
            "feedback": "",
            "conversation_id": conversation_id or sender_id,
        }
        write(self.db, lambda: self.db["turns"].insert(row), what="record turn")
        log.info("turn %s recorded for %s (%s)", turn_id, pseudonym(sender_id), mode)
        return turn_id

    def set_feedback(self, turn_id: str, feedback: str) -> bool:
        """Store 👍/👎 ('up'/'down') or 'human' on a turn; False when the turn is unknown."""

        def apply() -> bool:
            if not self.db.execute("select 1 from turns where turn_id = ?", [turn_id]).fetchone():
                return False
            self.db["turns"].update(turn_id, {"feedback": feedback})
            return True

        return write(self.db, apply, what="set feedback")

    def turns_for(self, sender_id: str) -> list[dict[str, Any]]:
        return list(self.db["turns"].rows_where("sender_id = ?", [sender_id], order_by="created"))

    def count(self) -> int:
        return int(self.db.execute("select count(*) from turns").fetchone()[0])
