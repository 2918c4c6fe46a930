"""The tutor's own SQLite records (turns now; attempts, profiles and feedback as they arrive)."""
from .turns import TurnStore, migrate, pseudonym

__all__ = ["TurnStore", "migrate", "pseudonym"]
