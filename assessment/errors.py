"""Errors raised by the assessment capability. They say what happened by `code` (with `values`); the shells
turn that into words for the learner."""
from __future__ import annotations

from typing import Any


class AssessmentError(Exception):
    """Base class for quiz, grading and scheduling failures."""

    def __init__(self, code: str = "", **values: Any) -> None:
        super().__init__(f"{code}: {values}" if values else code)
        self.code = code
        self.values = values


class InvalidAnswer(AssessmentError):
    """The learner's reply cannot be graded; `code` says why: "empty", "symbols", "too_long" (length, limit),
    "out_of_range" (count), "not_an_option" (count).

    A quiz never ends because of one: the question is asked again.
    """


class NoQuestions(AssessmentError):
    """No question to ask: "no_bank" (nothing ingested yet), "no_topic" (topic, titles: what there is) or
    "nothing_due" (no review due)."""


class NoActiveQuiz(AssessmentError):
    """The learner has no quiz in progress."""


class QuizMoved(AssessmentError):
    """The answer was for a question the quiz has already moved past (another conversation of the same learner
    answered first); nothing was recorded."""


class NothingToFlag(AssessmentError):
    """A learner flagged a question but none is waiting for their answer and none was answered lately:
    "nothing_to_flag"."""
