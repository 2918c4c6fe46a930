"""What the console shows, as plain Python over the tutor's database: conversations with search and
filters, one conversation with its turns, annotations and quiz attempts, and export rows."""
from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass
from typing import Any

from store import write_transaction

from .privacy import alias, redact


@dataclass
class Filters:
    q: str = ""
    learner: str = ""
    course: str = ""
    channel: str = ""
    since: str = ""  # YYYY-MM-DD
    until: str = ""
    abstained: bool = False
    low_confidence: bool = False
    thumbs_down: bool = False
    human: bool = False

    @classmethod
    def from_params(cls, params) -> "Filters":
        flag = lambda k: params.get(k) in ("1", "on", "true")  # noqa: E731
        return cls(params.get("q", "").strip(), params.get("learner", "").strip(), params.get("course", "").strip(),
                   params.get("channel", "").strip(), params.get("since", ""), params.get("until", ""),
                   flag("abstained"), flag("low_confidence"), flag("thumbs_down"), flag("human"))


def _where(f: Filters, low_confidence: float) -> tuple[str, list[Any]]:
    clauses, params = ["1"], []
    if f.q:
        clauses.append("turns.rowid in (select rowid from turns_fts where turns_fts match ?)")
        params.append(" ".join(f'"{w}"' for w in f.q.replace('"', " ").split()))
    if f.learner:
        clauses.append("turns.sender_id = ?")
        params.append(f.learner)
    if f.course:
        clauses.append("turns.sources like ?")
        params.append(f'%"course_id": "{f.course}"%')
    if f.channel:
        clauses.append("turns.channel = ?")
        params.append(f.channel)
    for value, op in ((f.since, ">="), (f.until, "<")):
        if value:
            try:
                stamp = time.mktime(time.strptime(value, "%Y-%m-%d")) + (86400 if op == "<" else 0)
            except ValueError:
                continue
            clauses.append(f"turns.created {op} ?")
            params.append(stamp)
    if f.abstained:
        clauses.append("turns.abstained = 1")
    if f.low_confidence:
        clauses.append("turns.abstained = 0 and turns.confidence < ?")
        params.append(low_confidence)
    if f.thumbs_down:
        clauses.append("turns.feedback = 'down'")
    if f.human:
        clauses.append("turns.feedback = 'human'")
    return " and ".join(clauses), params


def conversations(db, f: Filters, secret: str, real_identity: bool, low_confidence: float = 0.5, limit: int = 200) -> list[dict[str, Any]]:
    where, params = _where(f, low_confidence)
    rows = db.execute(
        f"""select conversation_id, sender_id, channel, count(*) as turns, min(created) as started, max(created) as last,
                   sum(abstained) as abstained, sum(feedback = 'down') as thumbs_down, sum(feedback = 'human') as human
            from turns where {where} group by conversation_id order by last desc limit ?""", [*params, limit]).fetchall()
    reviewed = {r[0] for r in db.execute("select conversation_id from conversation_reviews")}
    keys = ["conversation_id", "learner", "channel", "turns", "started", "last", "abstained", "thumbs_down", "human"]
    out = []
    for row in rows:
        item = dict(zip(keys, row))
        item["learner_alias"] = alias(item["learner"], secret)
        item["learner"] = item["learner"] if real_identity else item["learner_alias"]
        item["reviewed"] = item["conversation_id"] in reviewed
        out.append(item)
    return out


def conversation(db, conversation_id: str, secret: str, real_identity: bool) -> dict[str, Any] | None:
    cursor = db.execute(
        "select turn_id, sender_id, channel, created, question, answer, mode, abstained, confidence, sources, notes, latency_ms, feedback "
        "from turns where conversation_id = ? order by created", [conversation_id])
    columns = [c[0] for c in cursor.description]
    turns = [dict(zip(columns, row)) for row in cursor.fetchall()]
    if not turns:
        return None
    learner = turns[0]["sender_id"]
    for turn in turns:
        turn["question"], turn["answer"] = redact(turn["question"]), redact(turn["answer"])
        turn["sources"] = json.loads(turn["sources"] or "[]")
        turn["annotations"] = [dict(zip(("kind", "text", "author", "created"), r)) for r in db.execute(
            "select kind, text, author, created from annotations where turn_id = ? order by created", [turn["turn_id"]])]
        del turn["sender_id"]
    attempts = [dict(zip(("question", "answer", "correct", "skipped", "hinted", "created"), r)) for r in db.execute(
        "select q.prompt, a.answer, a.correct, a.skipped, a.hinted, a.created from attempts a left join questions q using (question_id) "
        "where a.learner = ? order by a.created", [learner])]
    review = db.execute("select reviewer, reviewed_at from conversation_reviews where conversation_id = ?", [conversation_id]).fetchone()
    return {"conversation_id": conversation_id, "learner": learner if real_identity else alias(learner, secret),
            "learner_alias": alias(learner, secret), "turns": turns, "attempts": attempts,
            "reviewed": {"by": review[0], "at": review[1]} if review else None}


def annotate(db, turn_id: str, kind: str, text: str, author: str) -> bool:
    """Flag or note a turn; one transaction, safe beside the action server's writers."""
    def work() -> bool:
        if kind not in ("flag", "note") or not db.execute("select 1 from turns where turn_id = ?", [turn_id]).fetchone():
            return False
        db["annotations"].insert({"annotation_id": uuid.uuid4().hex, "turn_id": turn_id, "kind": kind, "text": text[:2000],
                                  "author": author, "created": time.time()})
        return True

    return write_transaction(db, work, what="console annotation")


def mark_reviewed(db, conversation_id: str, reviewer: str) -> None:
    write_transaction(db, lambda: db["conversation_reviews"].upsert(
        {"conversation_id": conversation_id, "reviewer": reviewer, "reviewed_at": time.time()}, pk="conversation_id"),
        what="console review mark")


def export_rows(db, f: Filters, secret: str, real_identity: bool, low_confidence: float = 0.5) -> list[dict[str, Any]]:
    where, params = _where(f, low_confidence)
    rows = db.execute(f"select turn_id, conversation_id, sender_id, channel, created, question, answer, mode, abstained, confidence, "
                      f"feedback, sources from turns where {where} order by created", params).fetchall()
    out = []
    for r in rows:
        sources = json.loads(r[11] or "[]")
        out.append({"turn_id": r[0], "conversation_id": r[1] if real_identity else alias(r[1], secret),
                    "learner": r[2] if real_identity else alias(r[2], secret), "channel": r[3],
                    "time": time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(r[4])), "question": redact(r[5]), "answer": redact(r[6]),
                    "mode": r[7], "abstained": bool(r[8]), "confidence": r[9], "feedback": r[10],
                    "sources": "; ".join(f"{s['title']} › {s['section']}" for s in sources)})
    return out
