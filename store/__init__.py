"""The tutor's own SQLite records: turns, questions, quiz sessions, attempts, mastery, review cards."""
from .learning import LearningStore
from .migrations import migrate, open_database
from .turns import TurnStore, pseudonym

__all__ = ["LearningStore", "TurnStore", "migrate", "open_database", "pseudonym"]
