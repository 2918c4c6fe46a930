"""The trainer console: transcripts, review, content gaps, analytics, the question bank; privacy in every view."""
from .app import create_app
from .auth import add_user, authenticate
from .privacy import alias, redact

__all__ = ["add_user", "alias", "authenticate", "create_app", "redact"]
