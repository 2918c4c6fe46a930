"""Errors of the learning-records capability."""
from __future__ import annotations


class XapiError(Exception):
    """Base class for learning-record errors."""


class InvalidStatement(XapiError):
    """A statement that xAPI 1.0.3 does not allow; `problems` lists each as 'path: what'."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        super().__init__("; ".join(self.problems))
