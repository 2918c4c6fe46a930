"""Transcripts as a viewer may see them: learners under stable aliases unless the viewer is an admin, PII masked
in every question and answer, conversations behind opaque keys in URLs. A conversation shows every user turn:
the tutor's recorded turns merged with Rasa's events (console/dialogue.py)."""
from __future__ import annotations

import hashlib
import hmac
import time
from dataclasses import replace
from typing import Any, Callable, Mapping

from store import TranscriptFilter

from .dialogue import merge_turns
from .privacy import alias, redact
from .scope import EVERYONE, Scope


def conversation_key(conversation_id: str, secret: str) -> str:
    """An opaque handle for URLs, so raw conversation ids (which may name people) never appear in them."""
    return "c-" + hmac.new(secret.encode(), conversation_id.encode(), hashlib.sha256).hexdigest()[:16]


def filter_from(params: Mapping[str, str]) -> TranscriptFilter:
    """The filter a query string asks for (the conversations page's form)."""
    flag = lambda k: params.get(k) in ("1", "on", "true")  # noqa: E731
    return TranscriptFilter(params.get("q", "").strip(), params.get("learner", "").strip(), params.get("course", "").strip(),
                            params.get("channel", "").strip(), params.get("since", ""), params.get("until", ""),
                            flag("abstained"), flag("low_confidence"), flag("thumbs_down"), flag("human"))


# Filters about answers (sources, abstentions, confidence, feedback): a conversation without tutor turns never
# matches them.
ANSWER_FILTERS = ("course", "abstained", "low_confidence", "thumbs_down", "human")


class Presenter:
    def __init__(self, transcripts, secret: str, low_confidence: float, events: Callable[[], Any] = lambda: None) -> None:
        self.transcripts = transcripts  # store.Transcripts
        self.secret = secret
        self.low_confidence = low_confidence
        self.events = events  # -> store.TrackerEvents, or None while Rasa's store cannot be reached

    def shown_learner(self, learner: str, real_identity: bool) -> str:
        return learner if real_identity else alias(learner, self.secret)

    def _dialogue_conversations(self, q: str = "") -> list[dict[str, Any]]:
        events = self.events()
        return events.conversations(q) if events is not None else []

    def find_conversation(self, key: str) -> str | None:
        ids = set(self.transcripts.conversation_ids()) | {c["conversation_id"] for c in self._dialogue_conversations()}
        return next((c for c in ids if conversation_key(c, self.secret) == key), None)

    def _real_filter(self, f: TranscriptFilter, real_identity: bool, scope: Scope = EVERYONE) -> TranscriptFilter:
        """The filter over real ids, limited to the viewer's team scope."""
        if not scope.everyone:
            f.groups = scope.groups
        if f.learner and not real_identity:  # trainers filter by alias; translate it back
            known = set(self.transcripts.learners()) | {c["learner"] for c in self._dialogue_conversations()}
            matches = [s for s in known if alias(s, self.secret) == f.learner and scope.allows(s)]
            f.learner = matches[0] if matches else "\x00"
        return f

    def real_learner(self, params: Mapping[str, str], real_identity: bool, scope: Scope = EVERYONE) -> str | None:
        """The real id behind the query string's learner filter (for the audit trail's pseudonym), if any."""
        f = self._real_filter(filter_from(params), real_identity, scope)
        return f.learner if f.learner and f.learner != "\x00" else None

    def conversations(self, params: Mapping[str, str], real_identity: bool, scope: Scope = EVERYONE) -> dict[str, Any]:
        """The conversations matching the query string's filter, latest first: those with tutor turns, and those
        the dialogue engine answered alone (they match no filter about answers); only learners in `scope`."""
        f = filter_from(params)
        shown = replace(f)
        f = self._real_filter(f, real_identity, scope)
        rows = self.transcripts.conversations(f, self.low_confidence)
        dialogue = [d for d in (self._dialogue_conversations(f.q) if f.q else self._dialogue_conversations())
                    if scope.allows(d["learner"])]
        if not any(getattr(f, name) for name in ANSWER_FILTERS):
            found = {r["conversation_id"] for r in rows}
            matching = [d for d in dialogue if d["conversation_id"] not in found and (not f.learner or d["learner"] == f.learner)
                        and (not f.channel or d["channel"] == f.channel) and f.overlaps(d["started"], d["last"])]
            recorded = set(self.transcripts.conversation_ids())
            # Conversations with tutor turns whose matching text is in a message the dialogue engine answered.
            said = tuple(sorted(d["conversation_id"] for d in matching if d["conversation_id"] in recorded))
            if said:
                rows += self.transcripts.conversations(replace(f, q="", conversation_ids=said), self.low_confidence)
            engine_only = [{**d, "abstained": 0, "thumbs_down": 0, "human": 0}
                           for d in matching if d["conversation_id"] not in recorded]
            reviewed = self.transcripts.reviewed(d["conversation_id"] for d in engine_only)
            rows += [{**d, "reviewed": d["conversation_id"] in reviewed} for d in engine_only]
        counts = {d["conversation_id"]: d["turns"] for d in (self._dialogue_conversations() if f.q else dialogue)}
        items = []
        for row in sorted(rows, key=lambda r: r["last"] or 0.0, reverse=True):
            row["turns"] = max(row["turns"], counts.get(row["conversation_id"], 0))  # every message, answered or not
            learner = row.pop("learner")
            key = conversation_key(row.pop("conversation_id"), self.secret)
            items.append({**row, "key": key, "learner": self.shown_learner(learner, real_identity),
                          "learner_alias": alias(learner, self.secret)})
        return {"filters": shown, "conversations": items}

    def conversation(self, key: str, real_identity: bool, scope: Scope = EVERYONE) -> dict[str, Any] | None:
        return self.find(key, real_identity, scope)[0]

    def find(self, key: str, real_identity: bool, scope: Scope = EVERYONE) -> tuple[dict[str, Any] | None, str | None]:
        """(the conversation as the viewer may see it, its learner's real id); (None, None) when there is no such
        conversation or its learner is outside the viewer's scope (the same answer: nothing to learn by guessing)."""
        cid = self.find_conversation(key)
        if not cid:
            return None, None
        events = self.events()
        dialogue = events.dialogue(cid) if events is not None else []
        found = self.transcripts.conversation(cid, dialogue[0].learner if dialogue else None)
        if not found or not scope.allows(found["learner"]):
            return None, None
        found["turns"] = merge_turns(found["turns"], dialogue)
        for turn in found["turns"]:
            turn["question"], turn["answer"] = redact(turn["question"]), redact(turn["answer"])
        learner = found.pop("learner")
        del found["conversation_id"]
        return {**found, "key": key, "learner": self.shown_learner(learner, real_identity),
                "learner_alias": alias(learner, self.secret)}, learner

    def export_rows(self, params: Mapping[str, str], real_identity: bool, scope: Scope = EVERYONE) -> list[dict[str, Any]]:
        f = self._real_filter(filter_from(params), real_identity, scope)
        return [{"turn_id": r["turn_id"], "conversation_id": r["conversation_id"] if real_identity else alias(r["conversation_id"], self.secret),
                 "learner": self.shown_learner(r["learner"], real_identity), "channel": r["channel"],
                 "time": time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(r["created"])), "question": redact(r["question"]),
                 "answer": redact(r["answer"]), "mode": r["mode"], "abstained": bool(r["abstained"]),
                 "confidence": r["confidence"], "feedback": r["feedback"],
                 "sources": "; ".join(f"{s['title']} › {s['section']}" for s in r["sources"])}
                for r in self.transcripts.export_rows(f, self.low_confidence)]
