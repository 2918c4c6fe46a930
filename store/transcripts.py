"""Transcripts for trainers: conversations with full-text search and filters, one conversation with its turns,
notes and the learner's quiz attempts, annotations, review marks, export rows and the unanswered questions.

Rows carry real learner ids; the console decides what a viewer may see (aliases, redaction).

Text search: English words through the porter index (turns_fts), Chinese terms through the trigram index
(migration 8), since unicode61 keeps a whole run of Han characters as one token and would never find 钓鱼 in
如何举报钓鱼邮件. Trigrams need three characters; one- and two-character Chinese terms (钓鱼, 密码) are matched by
LIKE. A Chinese term matches in either script: 釣魚 finds 钓鱼 and the other way round.
"""
from __future__ import annotations

import functools
import json
import re
import time
import unicodedata
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlite_utils

from .groups import in_groups
from .migrations import TRIGRAM_INDEX, open_database
from .retry import write

ANNOTATION_KINDS = ("flag", "note")
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


@dataclass
class TranscriptFilter:
    """Which turns to show: text search (full-text index), learner, course cited, channel, dates, signals."""

    q: str = ""
    learner: str = ""
    course: str = ""
    channel: str = ""
    since: str = ""  # YYYY-MM-DD, local time
    until: str = ""
    abstained: bool = False
    low_confidence: bool = False
    thumbs_down: bool = False
    human: bool = False
    conversation_ids: tuple[str, ...] = ()  # only these conversations, when given
    groups: tuple[str, ...] | None = None  # only learners in these groups (store.Groups), when given: a trainer's scope

    def where(self, low_confidence: float, trigram: bool = True) -> tuple[str, list[Any]]:
        """SQL over `turns` for this filter; `trigram`: whether the database has the trigram index."""
        clauses, params = ["1"], []
        if self.groups is not None:
            scoped, values = in_groups("turns.learner", self.groups)
            clauses.append(scoped)
            params.extend(values)
        if self.conversation_ids:
            clauses.append(f"turns.conversation_id in ({', '.join('?' for _ in self.conversation_ids)})")
            params.extend(self.conversation_ids)
        if self.q:
            found, values = search_clauses(self.q, trigram)
            clauses += found
            params += values
        for column, value in (("learner", self.learner), ("channel", self.channel)):
            if value:
                clauses.append(f"turns.{column} = ?")
                params.append(value)
        if self.course:
            clauses.append("turns.sources like ?")
            params.append(f'%"course_id": {json.dumps(self.course)}%')
        for value, op in ((self.since, ">="), (self.until, "<")):
            stamp = _day_start(value)
            if stamp is not None:
                clauses.append(f"turns.created {op} ?")
                params.append(stamp + (86400 if op == "<" else 0))
        if self.abstained:
            clauses.append("turns.abstained = 1")
        if self.low_confidence:
            clauses.append("turns.abstained = 0 and turns.confidence < ?")
            params.append(low_confidence)
        if self.thumbs_down:
            clauses.append("turns.feedback = 'down'")
        if self.human:
            clauses.append("turns.feedback = 'human'")
        return " and ".join(clauses), params

    def overlaps(self, started: float, last: float) -> bool:
        """Whether a conversation held from `started` to `last` has a moment within the filter's dates."""
        since, until = _day_start(self.since), _day_start(self.until)
        return (since is None or last >= since) and (until is None or started < until + 86400)


def search_clauses(q: str, trigram: bool = True) -> tuple[list[str], list[Any]]:
    """Clauses (all must hold) for a search box's text: every word must occur in the question or the answer.
    A word without Chinese is looked up in the porter index, as always, and also as a substring of Chinese
    text, where no space separates it (VPN连不上 is one unicode61 token); a Chinese word (or a mixed one) is a
    substring search in either script."""
    clauses: list[str] = []
    params: list[Any] = []
    for word in q.replace('"', " ").split():
        if _HAN.search(word):
            found, values = _substring(word, trigram)
            clauses.append(found)
            params += values
            continue
        inside, values = _substring(word, trigram, scripts=False)
        clauses.append(f"(turns.rowid in (select rowid from turns_fts where turns_fts match ?) or ({inside} and {_HAS_HAN}))")
        params += [f'"{word}"', *values]
    return clauses, params


# Whether a turn holds Chinese (GLOB compares code points: the CJK blocks).
_HAS_HAN = "(turns.question glob '*[\u3400-\u9fff]*' or turns.answer glob '*[\u3400-\u9fff]*')"


def _substring(word: str, trigram: bool, scripts: bool = True) -> tuple[str, list[Any]]:
    """`word` anywhere in the question or answer: by the trigram index from three characters, by LIKE below."""
    either, params = [], []
    for variant in _scripts(unicodedata.normalize("NFKC", word)) if scripts else [word]:
        if trigram and len(variant) >= 3:
            either.append(f"turns.rowid in (select rowid from {TRIGRAM_INDEX} where {TRIGRAM_INDEX} match ?)")
            params.append(f'"{variant}"')
        else:
            pattern = "%" + variant.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            either.append("(turns.question like ? escape '\\' or turns.answer like ? escape '\\')")
            params += [pattern, pattern]
    return "(" + " or ".join(either) + ")", params


def _scripts(word: str) -> list[str]:
    """The word as typed, in Simplified and in Traditional characters (OpenCC, when installed)."""
    converters = _converters()
    return list(dict.fromkeys([word, *(c.convert(word) for c in converters)]))


@functools.lru_cache(maxsize=1)
def _converters() -> tuple:
    try:
        import opencc
    except ImportError:
        return ()
    return opencc.OpenCC("t2s"), opencc.OpenCC("s2t")


def _day_start(value: str) -> float | None:
    if not value:
        return None
    try:
        return time.mktime(time.strptime(value, "%Y-%m-%d"))
    except ValueError:
        return None


class Transcripts:
    def __init__(self, db: sqlite_utils.Database | Path | str) -> None:
        self.db = open_database(db)
        self.trigram = bool(self.db.execute("select 1 from sqlite_master where name = ?", [TRIGRAM_INDEX]).fetchone())

    def learners(self) -> list[str]:
        return [r[0] for r in self.db.execute("select distinct learner from turns")]

    def conversation_ids(self) -> list[str]:
        return [r[0] for r in self.db.execute("select distinct conversation_id from turns") if r[0]]

    def conversations(self, f: TranscriptFilter, low_confidence: float = 0.5, limit: int = 200) -> list[dict[str, Any]]:
        """One row per conversation with a matching turn, latest first, with its counts of signals."""
        where, params = f.where(low_confidence, self.trigram)
        rows = self.db.execute(
            f"""select conversation_id, learner, channel, count(*), min(created), max(created), sum(abstained),
                       sum(feedback = 'down'), sum(feedback = 'human')
                from turns where {where} group by conversation_id order by max(created) desc limit ?""",
            [*params, limit]).fetchall()
        reviewed = {r[0] for r in self.db.execute("select conversation_id from conversation_reviews")}
        keys = ["conversation_id", "learner", "channel", "turns", "started", "last", "abstained", "thumbs_down", "human"]
        return [{**dict(zip(keys, row)), "reviewed": row[0] in reviewed} for row in rows]

    def conversation(self, conversation_id: str, learner: str | None = None) -> dict[str, Any] | None:
        """Every turn of a conversation with its sources and notes, the learner's quiz attempts, the review mark.
        None when the tutor recorded no turn in it, unless its `learner` is known (from Rasa's events: a
        conversation the dialogue engine answered alone)."""
        cursor = self.db.execute(
            "select turn_id, learner, channel, created, question, answer, mode, abstained, confidence, sources, notes, "
            "latency_ms, feedback from turns where conversation_id = ? order by created", [conversation_id])
        columns = [c[0] for c in cursor.description]
        turns = [dict(zip(columns, row)) for row in cursor.fetchall()]
        if not turns and learner is None:
            return None
        learner = turns[0]["learner"] if turns else learner
        for turn in turns:
            turn["sources"] = json.loads(turn["sources"] or "[]")
            turn["annotations"] = [dict(zip(("kind", "text", "author", "created"), r)) for r in self.db.execute(
                "select kind, text, author, created from annotations where turn_id = ? order by created", [turn["turn_id"]])]
            del turn["learner"]
        attempts = [dict(zip(("question", "answer", "correct", "skipped", "hinted", "created"), r)) for r in self.db.execute(
            "select q.prompt, a.answer, a.correct, a.skipped, a.hinted, a.created from attempts a "
            "left join questions q using (question_id) where a.learner = ? order by a.created", [learner])]
        review = self.db.execute("select reviewer, reviewed_at from conversation_reviews where conversation_id = ?",
                                 [conversation_id]).fetchone()
        return {"conversation_id": conversation_id, "learner": learner, "turns": turns, "attempts": attempts,
                "reviewed": {"by": review[0], "at": review[1]} if review else None}

    def reviewed(self, conversation_ids) -> set[str]:
        """Which of these conversations are marked reviewed."""
        ids = sorted(set(conversation_ids))
        if not ids:
            return set()
        marks = ", ".join("?" for _ in ids)
        return {r[0] for r in self.db.execute(
            f"select conversation_id from conversation_reviews where conversation_id in ({marks})", ids)}

    def annotate(self, turn_id: str, kind: str, text: str, author: str) -> bool:
        """Flag or note a turn; False for an unknown turn or kind."""
        def work() -> bool:
            if kind not in ANNOTATION_KINDS or not self.db.execute("select 1 from turns where turn_id = ?", [turn_id]).fetchone():
                return False
            self.db["annotations"].insert({"annotation_id": uuid.uuid4().hex, "turn_id": turn_id, "kind": kind,
                                           "text": text[:2000], "author": author, "created": time.time()})
            return True

        return write(self.db, work, what="console annotation")

    def mark_reviewed(self, conversation_id: str, reviewer: str) -> None:
        write(self.db, lambda: self.db["conversation_reviews"].upsert(
            {"conversation_id": conversation_id, "reviewer": reviewer, "reviewed_at": time.time()}, pk="conversation_id"),
            what="console review mark")

    def export_rows(self, f: TranscriptFilter, low_confidence: float = 0.5) -> list[dict[str, Any]]:
        """Matching turns, oldest first, with their sources decoded."""
        where, params = f.where(low_confidence, self.trigram)
        cursor = self.db.execute(
            f"select turn_id, conversation_id, learner, channel, created, question, answer, mode, abstained, confidence, "
            f"feedback, sources from turns where {where} order by created", params)
        columns = [c[0] for c in cursor.description]
        rows = [dict(zip(columns, row)) for row in cursor.fetchall()]
        for row in rows:
            row["sources"] = json.loads(row["sources"] or "[]")
        return rows

    def gap_questions(self, limit: int = 2000, groups: tuple[str, ...] | None = None) -> list[dict[str, Any]]:
        """Questions the courses did not answer, or whose answer got a 👎, latest first (of learners in `groups`,
        when given)."""
        scoped, values = in_groups("learner", groups) if groups is not None else ("1", [])
        cursor = self.db.execute(
            "select turn_id, question, abstained, feedback, created from turns where (abstained = 1 or feedback = 'down') "
            f"and {scoped} order by created desc limit ?", [*values, limit])
        return [dict(zip(("turn_id", "question", "abstained", "feedback", "created"), r)) for r in cursor]
