"""Make a tracker-store outage a failed turn instead of a silently forgotten one.

Rasa wraps every tracker store in a `FailSafeTrackerStore` that, when the database is unreachable, answers
from an empty in-memory tracker and saves the turn there: the learner gets a reply that ignores the
conversation so far (a quiz in progress is forgotten) and the turn never reaches the database. In a
deployment with several processes that is a lost event. The channels here install the wrapper's error
callback so that the error is raised instead; the channel then tells the learner to try again, and the turn
is either stored once or not at all.
"""
from __future__ import annotations

import logging
from typing import Any

log = logging.getLogger(__name__)


class TrackerStoreUnavailable(Exception):
    """The conversation store could not be read or written; the turn was not processed."""


def _raise(error: Exception) -> None:
    log.error("conversation store unavailable: %s", error.__class__.__name__)
    raise TrackerStoreUnavailable(str(error)) from error


def refuse_fallback_store(app: Any) -> None:
    """Install the raising error callback on the agent's fail-safe tracker store (idempotent, cheap)."""
    from rasa.core.tracker_store import FailSafeTrackerStore

    agent = getattr(getattr(app, "ctx", None), "agent", None)
    processor = getattr(agent, "processor", None)
    for store in {id(s): s for s in (getattr(agent, "tracker_store", None), getattr(processor, "tracker_store", None))}.values():
        if isinstance(store, FailSafeTrackerStore) and getattr(store, "_on_tracker_store_error", None) is not _raise:
            store._on_tracker_store_error = _raise
