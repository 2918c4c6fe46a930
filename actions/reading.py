"""What the actions read from Rasa's tracker: who is learning, which conversation and channel, what they said
and how the NLU understood it.

A conversation (Rasa's sender id) is not always a person: in Slack every thread is its own conversation, so
channels put the person's id in the message metadata (`learner`), and quizzes, mastery and profiles follow the
person across threads.
"""
from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker

MAX_LEARNER_CHARS = 200


def learner_id(tracker: Tracker) -> str:
    for event in reversed(tracker.events or []):
        if event.get("event") == "user":
            learner = (event.get("metadata") or {}).get("learner")
            if isinstance(learner, str) and learner.strip():
                return learner.strip()[:MAX_LEARNER_CHARS]
            break
    return tracker.sender_id


def text_of(tracker: Tracker) -> str:
    return tracker.latest_message.get("text") or ""


def intent_of(tracker: Tracker) -> tuple[str, float]:
    """(intent name, confidence) of the latest message."""
    intent = tracker.latest_message.get("intent") or {}
    return intent.get("name") or "", float(intent.get("confidence") or 0.0)


def entities_of(tracker: Tracker) -> dict[str, Any]:
    return {e.get("entity"): e.get("value") for e in tracker.latest_message.get("entities") or []}


def channel_of(tracker: Tracker) -> str:
    return tracker.get_latest_input_channel() or ""
