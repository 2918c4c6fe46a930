"""Who the learner is. A conversation (Rasa's sender id) is not always a person: in Slack every thread is its
own conversation, so channels put the person's id in the message metadata (`learner`) and quizzes, mastery
and profiles follow the person across threads."""
from __future__ import annotations

from rasa_sdk import Tracker


def learner_id(tracker: Tracker) -> str:
    for event in reversed(tracker.events or []):
        if event.get("event") == "user":
            learner = (event.get("metadata") or {}).get("learner")
            if isinstance(learner, str) and learner.strip():
                return learner.strip()[:200]
            break
    return tracker.sender_id
