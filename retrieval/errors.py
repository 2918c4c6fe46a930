"""Errors raised by the retrieval capability; the CLI and the channels turn them into plain messages."""


class RetrievalError(Exception):
    """Base class for every retrieval failure."""


class UnreadableDocument(RetrievalError):
    """A file could not be read as the type its name claims (corrupt, encrypted, binary, empty)."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


class IndexNotFound(RetrievalError):
    """No index has been built yet at the configured location."""


class GeneratorUnavailable(RetrievalError):
    """The configured generator could not be loaded or did not answer in time."""


class ConfigError(RetrievalError):
    """The retrieval settings are inconsistent (e.g. an endpoint kind with no URL)."""
