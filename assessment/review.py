"""Spaced review with FSRS (the `fsrs` package): every attempt updates the learner's card for that question."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from fsrs import Card, Rating, Scheduler


def rating_for(correct: bool, hinted: bool, skipped: bool) -> Rating:
    """Again for wrong or skipped, Hard when a hint was needed, Good otherwise."""
    if skipped or not correct:
        return Rating.Again
    return Rating.Hard if hinted else Rating.Good


class ReviewScheduler:
    def __init__(self, desired_retention: float = 0.9) -> None:
        # No fuzzing: the same history always gives the same due date (testable, explainable).
        # No learning steps: a workplace quiz is reviewed on later days, not minutes later.
        self._scheduler = Scheduler(
            desired_retention=desired_retention, learning_steps=(), relearning_steps=(), enable_fuzzing=False
        )

    def review(self, card: dict[str, Any] | None, rating: Rating, when: datetime | None = None) -> tuple[dict[str, Any], float]:
        """The card after this review and its next due time (Unix seconds)."""
        when = when or datetime.now(timezone.utc)
        current = Card.from_dict(card) if card else Card(due=when)
        updated, _ = self._scheduler.review_card(current, rating, review_datetime=when)
        return updated.to_dict(), updated.due.timestamp()
