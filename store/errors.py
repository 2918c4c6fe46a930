"""Errors raised by the store beyond SQLite's own (which callers see as sqlite3.Error)."""


class StoreError(Exception):
    """Base class for the store's own refusals."""


class AnswerConflict(StoreError):
    """A quiz answer arrived for a question the quiz has already moved past; nothing was written."""
