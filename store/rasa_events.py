"""Rasa's dialogue events (the tracker store's `events` table), read and pruned for the console, forgetting a
learner and retention, wherever Rasa keeps them: a SQLite file in the embedded layout, PostgreSQL when several
processes share the conversations. Plain SQL through SQLAlchemy, which Rasa's store itself uses.

Rasa stores every turn, whoever answered it: the learner's message with the intent and confidence the NLU gave
it, the actions that ran and what the bot said. The console reads the user turns from here (`dialogue`,
`recent_turns`, `conversations`), so turns the dialogue engine answered by itself (greetings, help, refusals,
fallbacks) are seen as well as those the tutor recorded.
"""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from sqlalchemy import bindparam, create_engine, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

log = logging.getLogger(__name__)


@dataclass
class UserTurn:
    """One message of a learner as Rasa recorded it, with what followed it until the next message."""

    conversation_id: str
    learner: str
    channel: str
    created: float
    text: str
    intent: str
    confidence: float | None
    routed_from: str = ""  # the intent the NLU first gave it, when the question router sent it to the tutor
    actions: list[str] = field(default_factory=list)  # the actions that ran (action_listen left out)
    replies: list[str] = field(default_factory=list)  # what the bot said
    turn_ids: list[str] = field(default_factory=list)  # the tutor turns its answers carry (the `turns` table)

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _user_turns(rows: Iterable[tuple]) -> list[UserTurn]:
    """UserTurns from (sender_id, type_name, timestamp, data) rows ordered by conversation and id."""
    turns: list[UserTurn] = []
    current: dict[str, UserTurn] = {}
    for sender, kind, timestamp, data in rows:
        try:
            event = json.loads(data) if isinstance(data, str) else dict(data or {})
        except ValueError:
            continue
        if kind == "user":
            parse = event.get("parse_data") or {}
            intent = parse.get("intent") or {}
            learner = (event.get("metadata") or {}).get("learner")
            confidence = intent.get("confidence")
            turn = UserTurn(sender, learner if isinstance(learner, str) and learner.strip() else sender,
                            event.get("input_channel") or "", float(timestamp or 0.0), event.get("text") or "",
                            intent.get("name") or "", float(confidence) if confidence is not None else None,
                            (parse.get("question_routing") or {}).get("from") or "")
            current[sender] = turn
            turns.append(turn)
            continue
        turn = current.get(sender)
        if turn is None:
            continue  # what Rasa did before the first message (session start)
        if kind == "action" and event.get("name") and event.get("name") != "action_listen":
            turn.actions.append(event["name"])
        elif kind == "bot":
            if event.get("text"):
                turn.replies.append(event["text"])
            custom = (event.get("data") or {}).get("custom") or {}
            if isinstance(custom, dict) and custom.get("type") == "answer" and custom.get("turn_id"):
                turn.turn_ids.append(str(custom["turn_id"]))
    return turns


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

    def dialogue(self, conversation_id: str) -> list[UserTurn]:
        """Every user turn of one conversation, in order; [] when the store is unreachable."""
        return self._read_turns(
            "select sender_id, type_name, timestamp, data from events where sender_id = :s "
            "and type_name in ('user', 'action', 'bot') order by id", {"s": conversation_id})

    def recent_turns(self, limit: int = 2000) -> list[UserTurn]:
        """The last `limit` user turns of all conversations (with what followed each), latest first."""
        turns = self._read_turns(
            "select sender_id, type_name, timestamp, data from events where type_name in ('user', 'action', 'bot') "
            "and id >= (select coalesce(min(id), 0) from (select id from events where type_name = 'user' "
            "order by id desc limit :n) as recent) order by sender_id, id", {"n": int(limit)})
        return sorted(turns, key=lambda t: t.created, reverse=True)[:limit]

    def conversations(self, q: str = "") -> list[dict[str, Any]]:
        """One row per conversation with user messages (one of them containing `q`, when given): conversation_id,
        learner, channel, turns (messages), started, last. [] when the store is unreachable."""
        try:
            with self.engine.connect() as conn:
                if not self._has_events(conn):
                    return []
                rows = conn.execute(text("select sender_id, count(*), min(timestamp), max(timestamp), max(id) from events "
                                         "where type_name = 'user' group by sender_id")).fetchall()
                if q.strip():
                    saying = self._senders_saying(conn, q.strip().lower())
                    rows = [r for r in rows if r[0] in saying]
                latest: dict[str, Any] = {}
                if rows:
                    statement = text("select sender_id, data from events where id in :ids").bindparams(
                        bindparam("ids", expanding=True))
                    latest = dict(conn.execute(statement, {"ids": [r[4] for r in rows]}).fetchall())
        except SQLAlchemyError as exc:
            log.warning("tracker store unreachable for the console: %s", exc.__class__.__name__)
            return []
        found = []
        for sender, count, started, last, _ in rows:
            turn = next(iter(_user_turns([(sender, "user", last, latest.get(sender) or "{}")])), None)
            found.append({"conversation_id": sender, "learner": turn.learner if turn else sender,
                          "channel": turn.channel if turn else "", "turns": int(count), "started": float(started or 0),
                          "last": float(last or 0)})
        return found

    @staticmethod
    def _senders_saying(conn, needle: str) -> set[str]:
        """Conversations with a user message whose text contains `needle` (lower case)."""
        escaped = json.dumps(needle)[1:-1]  # as it is written inside the stored JSON
        pattern = "%" + escaped.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        rows = conn.execute(text("select sender_id, data from events where type_name = 'user' and lower(data) like :p "
                                 "escape '\\'"), {"p": pattern})
        found = set()
        for sender, data in rows:
            try:
                if needle in str(json.loads(data).get("text") or "").lower():
                    found.add(sender)
            except (ValueError, AttributeError):
                continue
        return found

    def _read_turns(self, sql: str, params: dict[str, Any]) -> list[UserTurn]:
        try:
            with self.engine.connect() as conn:
                if not self._has_events(conn):
                    return []
                return _user_turns(conn.execute(text(sql), params).fetchall())
        except SQLAlchemyError as exc:
            log.warning("tracker store unreachable for the console: %s", exc.__class__.__name__)
            return []

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
