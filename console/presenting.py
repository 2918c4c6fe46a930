"""Transcripts as a viewer may see them: learners under stable aliases unless the viewer is an admin, PII masked
in every question and answer, conversations behind opaque keys in URLs."""
from __future__ import annotations

import hashlib
import hmac
import time
from dataclasses import replace
from typing import Any, Mapping

from store import TranscriptFilter

from .privacy import alias, redact


def conversation_key(conversation_id: str, secret: str) -> str:
    """An opaque handle for URLs, so raw conversation ids (which may name people) never appear in them."""
    return "c-" + hmac.new(secret.encode(), conversation_id.encode(), hashlib.sha256).hexdigest()[:16]


def filter_from(params: Mapping[str, str]) -> TranscriptFilter:
    """The filter a query string asks for (the conversations page's form)."""
    flag = lambda k: params.get(k) in ("1", "on", "true")  # noqa: E731
    return TranscriptFilter(params.get("q", "").strip(), params.get("learner", "").strip(), params.get("course", "").strip(),
                            params.get("channel", "").strip(), params.get("since", ""), params.get("until", ""),
                            flag("abstained"), flag("low_confidence"), flag("thumbs_down"), flag("human"))


class Presenter:
    def __init__(self, transcripts, secret: str, low_confidence: float) -> None:
        self.transcripts = transcripts  # store.Transcripts
        self.secret = secret
        self.low_confidence = low_confidence

    def shown_learner(self, learner: str, real_identity: bool) -> str:
        return learner if real_identity else alias(learner, self.secret)

    def find_conversation(self, key: str) -> str | None:
        return next((c for c in self.transcripts.conversation_ids() if conversation_key(c, self.secret) == key), None)

    def _real_filter(self, f: TranscriptFilter, real_identity: bool) -> TranscriptFilter:
        if f.learner and not real_identity:  # trainers filter by alias; translate it back
            matches = [s for s in self.transcripts.learners() if alias(s, self.secret) == f.learner]
            f.learner = matches[0] if matches else "\x00"
        return f

    def conversations(self, params: Mapping[str, str], real_identity: bool) -> dict[str, Any]:
        f = filter_from(params)
        shown = replace(f)
        items = []
        for row in self.transcripts.conversations(self._real_filter(f, real_identity), self.low_confidence):
            learner = row.pop("learner")
            key = conversation_key(row.pop("conversation_id"), self.secret)
            items.append({**row, "key": key, "learner": self.shown_learner(learner, real_identity),
                          "learner_alias": alias(learner, self.secret)})
        return {"filters": shown, "conversations": items}

    def conversation(self, key: str, real_identity: bool) -> dict[str, Any] | None:
        cid = self.find_conversation(key)
        found = self.transcripts.conversation(cid) if cid else None
        if not found:
            return None
        for turn in found["turns"]:
            turn["question"], turn["answer"] = redact(turn["question"]), redact(turn["answer"])
        learner = found.pop("learner")
        del found["conversation_id"]
        return {**found, "key": key, "learner": self.shown_learner(learner, real_identity),
                "learner_alias": alias(learner, self.secret)}

    def export_rows(self, params: Mapping[str, str], real_identity: bool) -> list[dict[str, Any]]:
        f = self._real_filter(filter_from(params), real_identity)
        return [{"turn_id": r["turn_id"], "conversation_id": r["conversation_id"] if real_identity else alias(r["conversation_id"], self.secret),
                 "learner": self.shown_learner(r["learner"], real_identity), "channel": r["channel"],
                 "time": time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(r["created"])), "question": redact(r["question"]),
                 "answer": redact(r["answer"]), "mode": r["mode"], "abstained": bool(r["abstained"]),
                 "confidence": r["confidence"], "feedback": r["feedback"],
                 "sources": "; ".join(f"{s['title']} › {s['section']}" for s in r["sources"])}
                for r in self.transcripts.export_rows(f, self.low_confidence)]
