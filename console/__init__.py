"""The trainer console: transcripts, review, content gaps, analytics, privacy."""
from .app import PROTECTED_PATHS, create_app
from .auth import add_user, authenticate
from .privacy import alias, apply_retention, forget, redact

__all__ = ["PROTECTED_PATHS", "add_user", "alias", "apply_retention", "authenticate", "create_app", "forget", "redact"]
