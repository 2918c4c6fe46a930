"""What the learner is told when the tutor's records cannot be written (disk full, database unavailable).

The tutor keeps answering from the course index, which is read-only; only the record of the turn, a quiz
answer, feedback or a profile change is lost, and the learner is told which one.
"""
from __future__ import annotations

import logging
import sqlite3

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from store import pseudonym

log = logging.getLogger(__name__)

STORE_ERRORS: tuple[type[BaseException], ...] = (sqlite3.Error, OSError)


def why(exc: BaseException) -> str:
    text = str(exc).lower()
    if "full" in text or "no space" in text:
        return "the disk is full"
    if "locked" in text or "busy" in text:
        return "the records are busy"
    return "the records can't be written right now"


def report_unsaved(dispatcher: CollectingDispatcher, tracker: Tracker, what: str, exc: BaseException) -> None:
    """Log the failure (without the learner's identity) and tell the learner what was not saved."""
    log.error("could not save %s for %s: %s", what, pseudonym(tracker.sender_id), exc)
    dispatcher.utter_message(text=f"I couldn't save {what} because {why(exc)}. A trainer can see this in the logs; "
                                  "please try again later.")


def unsaved_note(what: str, exc: BaseException) -> str:
    return f"(I couldn't save {what} because {why(exc)}, but here is the answer.)"
