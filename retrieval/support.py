"""Does the retrieved text support a generated answer?

The default check is lexical: the share of the answer's content words (and every number in it) found in the
sources. It is behind a protocol so that an NLI or cross-encoder model can be configured in its place.
"""
from __future__ import annotations

import re
from typing import Protocol

from .search import tokenize

_NUMBER = re.compile(r"\d+(?:[.,]\d+)?")
_REFUSALS = ("i don't know", "i do not know", "not mentioned", "cannot answer", "no information", "not covered")


class SupportChecker(Protocol):
    def supported(self, answer: str, sources: list[str]) -> tuple[bool, float]: ...


def _stem(word: str) -> str:
    for suffix in ("ing", "ed", "es", "s"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


class LexicalSupport:
    """Supported when enough of the answer's words, and all of its numbers, occur in the sources."""

    def __init__(self, threshold: float) -> None:
        self.threshold = threshold

    def supported(self, answer: str, sources: list[str]) -> tuple[bool, float]:
        text = " ".join(sources)
        lowered = answer.lower()
        if not answer.strip() or any(r in lowered for r in _REFUSALS):
            return False, 0.0
        words = {_stem(w) for w in tokenize(answer) if len(w) > 2}
        if not words:
            return False, 0.0
        source_words = {_stem(w) for w in tokenize(text)}
        coverage = len(words & source_words) / len(words)
        numbers_ok = all(n in text for n in _NUMBER.findall(answer))
        return coverage >= self.threshold and numbers_ok, coverage
