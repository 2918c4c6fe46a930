"""The tutor's own SQLite records: turns, questions (and trainers' review of them), quiz sessions, attempts,
mastery, review cards, profiles, console notes and accounts; and Rasa's dialogue events where privacy operations
must reach them. All the SQL of the project lives here."""
from .accounts import Accounts
from .audit import AuditQuery, AuditTrail
from .errors import AnswerConflict, StoreError
from .groups import Groups
from .learning import QUESTION_STATUSES, LearningStore
from .migrations import migrate, open_database
from .outbox import Outbox, OutboxRow, OutboxStatus
from .profiles import ProfileStore
from .question_review import QuestionReviews
from .records import Records
from .reports import Reports
from .retry import write as write_transaction
from .sessions import ConsoleSessions
from .schema import LEARNER_KEYED, LINKED, RETAINED, SHARED, classify
from .throttle import LoginThrottle, ThrottlePolicy
from .transcripts import TranscriptFilter, Transcripts
from .turns import FEEDBACK_VALUES, TurnStore, pseudonym

# Rasa's events go through SQLAlchemy, imported only when they are reached.
_LAZY = {"TrackerEvents", "tracker_events"}


def __getattr__(name: str):
    if name in _LAZY:
        from . import rasa_events

        return getattr(rasa_events, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "Accounts", "AuditQuery", "AuditTrail", "ConsoleSessions", "Groups", "LoginThrottle", "ThrottlePolicy",
    "AnswerConflict", "FEEDBACK_VALUES", "LEARNER_KEYED", "LINKED", "LearningStore", "ProfileStore", "QUESTION_STATUSES",
    "QuestionReviews", "RETAINED", "Records", "Reports", "SHARED", "StoreError", "TrackerEvents", "TranscriptFilter", "Transcripts", "TurnStore", "classify", "migrate",
    "open_database", "pseudonym", "tracker_events", "write_transaction",
    "Outbox", "OutboxRow", "OutboxStatus",
]
