"""Learning records for the company's LRS: xAPI 1.0.3 statements for what happens in the tutor (asked, answered,
attempted, passed, failed, completed, registered, progressed, experienced, rated), checked against the xAPI rules,
and delivered from the store's outbox in batches with retries, fixed ids and a dead-letter list."""
from .client import Answer, LrsClient
from .errors import InvalidStatement, XapiError
from .sender import SendReport, Sender, SenderThread, backoff
from .settings import ACTOR_MODES, LrsSettings
from .statements import StatementBuilder
from .validation import problems, validate_statement
from .verbs import VERBS, verb_name

__all__ = [
    "ACTOR_MODES", "Answer", "InvalidStatement", "LrsClient", "LrsSettings", "SendReport", "Sender", "SenderThread",
    "StatementBuilder", "VERBS", "XapiError", "backoff", "problems", "validate_statement", "verb_name",
]
