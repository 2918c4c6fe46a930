"""Errors raised by the recommender."""
from __future__ import annotations


class RecommenderError(Exception):
    """Base class for recommendation and path-planning failures."""


class UnknownTarget(RecommenderError):
    """A requested course or skill is not in the catalogue (`target` is empty when none was named); `titles`
    lists what the learner may take instead."""

    def __init__(self, target: str, titles: list[str]) -> None:
        super().__init__(f"no course matches {target!r}" if target else "no target named")
        self.target = target
        self.titles = titles
