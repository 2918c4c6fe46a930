"""Rasa's dialogue events (the tracker store's `events` table), read and pruned for the console, forgetting a
learner and retention, wherever Rasa keeps them: a SQLite file in the embedded layout, PostgreSQL when several
processes share the conversations. Plain SQL through SQLAlchemy, which Rasa's store itself uses.
"""
from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Iterable

from sqlalchemy import bindparam, create_engine, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

log = logging.getLogger(__name__)


class TrackerEvents:
    """The `events` table behind one SQLAlchemy URL (sqlite:///… or postgresql://…)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine: Engine = create_engine(url, pool_pre_ping=True)

    def _has_events(self, conn) -> bool:
        from sqlalchemy import inspect

        return inspect(conn).has_table("events")

    def count_action(self, action_name: str) -> int:
        """How often the bot ran an action (e.g. recommendations shown); 0 when the store is unreachable."""
        try:
            with self.engine.connect() as conn:
                if not self._has_events(conn):
                    return 0
                return int(conn.execute(text("select count(*) from events where action_name = :a"), {"a": action_name}).scalar() or 0)
        except SQLAlchemyError as exc:
            log.warning("tracker store unreachable for analytics: %s", exc.__class__.__name__)
            return 0

    def conversations_of(self, learner: str) -> set[str]:
        """Conversations in which `learner` spoke: channels put the person in each message's metadata
        (`learner`), so a Slack thread used only for a quiz is found too."""
        pattern = '%"learner": ' + json.dumps(learner).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        found: set[str] = set()
        with self.engine.connect() as conn:
            if not self._has_events(conn):
                return found
            rows = conn.execute(text("select distinct sender_id, data from events where type_name = 'user' "
                                     "and data like :p escape '\\'"), {"p": pattern})
            for sender_id, data in rows:
                try:
                    if (json.loads(data).get("metadata") or {}).get("learner") == learner:
                        found.add(sender_id)
                except (ValueError, AttributeError):
                    continue
        return found

    def delete_conversations(self, conversation_ids: Iterable[str]) -> int:
        ids = sorted(set(conversation_ids))
        if not ids:
            return 0
        with self.engine.begin() as conn:
            if not self._has_events(conn):
                return 0
            statement = text("delete from events where sender_id in :ids").bindparams(bindparam("ids", expanding=True))
            return conn.execute(statement, {"ids": ids}).rowcount

    def delete_before(self, timestamp: float) -> int:
        with self.engine.begin() as conn:
            if not self._has_events(conn):
                return 0
            return conn.execute(text("delete from events where timestamp < :t"), {"t": timestamp}).rowcount


def tracker_events(location: "TrackerEvents | Path | str | None") -> TrackerEvents | None:
    """A TrackerEvents from a URL or an SQLite file path; None when there is nothing to reach."""
    if location is None or isinstance(location, TrackerEvents):
        return location
    if isinstance(location, Path) or "://" not in str(location):
        path = Path(location)
        return TrackerEvents(f"sqlite:///{path.resolve()}") if path.exists() else None
    return TrackerEvents(str(location))
