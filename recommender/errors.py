"""Errors raised by the recommender."""


class RecommenderError(Exception):
    """Base class for recommendation and path-planning failures."""


class UnknownTarget(RecommenderError):
    """A requested course or skill is not in the catalogue; the text lists what is."""
