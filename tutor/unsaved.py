"""When the tutor's records cannot be written (disk full, database unavailable) the learner still gets the
answer, from the read-only course index; only the record of the turn, a quiz answer, feedback or a profile
change is lost, and the learner is told which one."""
from __future__ import annotations

import logging
import sqlite3

from store import pseudonym

from .wording import Words

log = logging.getLogger(__name__)

STORE_ERRORS: tuple[type[BaseException], ...] = (sqlite3.Error, OSError)


def _why(w: Words, exc: BaseException) -> str:
    text = str(exc).lower()
    if "full" in text or "no space" in text:
        return w("unsaved.disk_full")
    if "locked" in text or "busy" in text:
        return w("unsaved.busy")
    return w("unsaved.unavailable")


def unsaved(w: Words, learner: str, what: str, exc: BaseException, with_answer: bool = False) -> str:
    """Log the failure (without the learner's identity) and say what was not saved. `what` is already worded."""
    log.error("could not save %s for %s: %s", what, pseudonym(learner), exc)
    return w("unsaved.with_answer" if with_answer else "unsaved.alone", what=what, why=_why(w, exc))
