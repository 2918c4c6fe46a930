"""Learners flagging a quiz question in the conversation ("this question is wrong", "the answer is outdated"):
which question a flag is about, and the reason as it is kept for trainers.

A flag is about the question the learner was looking at: the one their open quiz waits on, or, asked about the
previous one or with no quiz open, the one they answered last, if that was lately (RECENT_SECONDS). Older
attempts are not guessed at: the learner is told there is nothing to flag. The flags feed the question bank's
item statistics (assessment.item_stats), where often-flagged questions are listed for review.
"""
from __future__ import annotations

import re
import time
import unicodedata
from dataclasses import dataclass
from typing import Any

from .errors import NothingToFlag

# Reasons are read by trainers next to the question; a paragraph says all a learner needs to.
MAX_REASON_CHARS = 500
# A finished quiz's last question can still be flagged for this long: "that question was wrong" an hour later
# is more likely about something else.
RECENT_SECONDS = 3600
_SPACES = re.compile(r"\s+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


@dataclass
class Flagged:
    """What a flag was recorded on: the question, whether it still waits for the learner's answer in a running
    quiz, and whether this was the learner's first flag on it (a repeat updates their reason)."""

    question: dict[str, Any]
    pending: bool
    first: bool


def clean_reason(text: str | None) -> str:
    """The learner's reason as kept: valid Unicode in compatibility form, without control or direction-changing
    characters (they could disguise the text on the trainers' page), on one line, at most MAX_REASON_CHARS
    characters (cut at a word where there is one, marked with …)."""
    text = (text or "")[: MAX_REASON_CHARS * 4].encode("utf-8", errors="replace").decode("utf-8", errors="replace")
    reason = _SPACES.sub(" ", _CONTROL.sub(" ", unicodedata.normalize("NFKC", text))).strip()
    if len(reason) <= MAX_REASON_CHARS:
        return reason
    cut = reason[: MAX_REASON_CHARS - 1]
    space = cut.rfind(" ")
    return (cut[:space] if space > MAX_REASON_CHARS // 2 else cut).rstrip() + "…"


def flag_target(store, learner: str, previous: bool = False, now: float | None = None) -> tuple[dict[str, Any], bool]:
    """(the question a flag is about, whether it waits for an answer in a running quiz) from the learner's open
    quiz (a paused one's question too) and recent attempts in `store` (a store.LearningStore); NothingToFlag when
    there is none."""
    if not previous:
        session = store.open_session(learner)
        if session is not None and session["position"] < len(session["question_ids"]):
            question = store.question(session["question_ids"][session["position"]])
            if question is not None:
                return question, session["status"] == "active"
    attempt = store.latest_attempt(learner)
    now = time.time() if now is None else now
    if attempt is not None and now - attempt["created"] <= RECENT_SECONDS:
        question = store.question(attempt["question_id"])
        if question is not None:
            return question, False
    raise NothingToFlag("nothing_to_flag")


def flag_question(store, learner: str, reason: str | None, previous: bool = False) -> Flagged:
    """Record the learner's flag, with their reason cleaned (clean_reason), on the question flag_target finds in
    `store` (a store.LearningStore). Needs nothing but the store: no model or course index, so a flag is kept even
    while those are unavailable. The quiz stays where it was: a pending question can still be answered."""
    question, pending = flag_target(store, learner, previous)
    first = store.flag_question(learner, question["question_id"], clean_reason(reason))
    return Flagged(question, pending, first)
