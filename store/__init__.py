"""The tutor's own SQLite records: turns, questions, quiz sessions, attempts, mastery, review cards, profiles."""
from .learning import LearningStore
from .migrations import migrate, open_database
from .profiles import ProfileStore
from .retry import write as write_transaction
from .turns import TurnStore, pseudonym

__all__ = ["LearningStore", "ProfileStore", "TurnStore", "migrate", "open_database", "pseudonym", "write_transaction"]
