"""Grading: exact for multiple choice; short free text by normalised match, near-spelling and semantic
similarity plus key-term overlap against the reference, with a threshold calibrated on SciQ
(`eval/quality/assessment_eval.py`)."""
from __future__ import annotations

import difflib
import re
import string
import unicodedata
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from .errors import InvalidAnswer

_LETTERS = "abcdefgh"
_OPTION = re.compile(r"^\s*(?:option|answer|choice|number|no\.?)?\s*\(?([1-8a-h])\)?[.):]?\s*$", re.IGNORECASE)
_NEGATION = re.compile(r"\b(not|isn't|isnt|no|never|neither|nor)\b")
_STOP = frozenset("a an the of to in on for and or is are it its it's i think maybe be by with that this was".split())
MAX_ANSWER_CHARS = 500


@dataclass
class Grade:
    correct: bool
    score: float
    reason: str


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).lower()
    text = "".join(" " if ch in string.punctuation or ch in "“”‘’" else ch for ch in text)
    text = re.sub(r"\b(a|an|the)\b", " ", text)
    return " ".join(text.split())


def content_words(text: str) -> list[str]:
    return [w for w in normalise(text).split() if w not in _STOP]


def check_answer_text(response: str) -> str:
    """Refuse replies that cannot be an answer (InvalidAnswer says which way, for the shells to word)."""
    text = (response or "").strip()
    if not text:
        raise InvalidAnswer("empty")
    if not any(ch.isalnum() for ch in text):
        raise InvalidAnswer("symbols")
    if len(text) > MAX_ANSWER_CHARS:
        raise InvalidAnswer("too_long", length=len(text), limit=MAX_ANSWER_CHARS)
    return text


def parse_choice(response: str, options: Sequence[str]) -> int:
    """Index of the chosen option from '2', 'b', 'B)', 'option 2' or the option's text."""
    text = check_answer_text(response)
    match = _OPTION.match(text)
    if match:
        token = match.group(1).lower()
        index = int(token) - 1 if token.isdigit() else _LETTERS.index(token)
        if 0 <= index < len(options):
            return index
        raise InvalidAnswer("out_of_range", count=len(options))
    wanted = normalise(text)
    for i, option in enumerate(options):
        if normalise(option) == wanted:
            return i
    raise InvalidAnswer("not_an_option", count=len(options))


class Grader:
    """Grades short free-text answers; `embedder` is any retrieval.Embedder."""

    def __init__(self, embedder, threshold: float = 0.75, similarity_weight: float = 0.6) -> None:
        self.embedder = embedder
        self.threshold = threshold
        self.similarity_weight = similarity_weight

    def grade_choice(self, response: str, options: Sequence[str], answer: str) -> Grade:
        chosen = parse_choice(response, options)
        correct = normalise(options[chosen]) == normalise(answer)
        return Grade(correct, 1.0 if correct else 0.0, f"chose option {chosen + 1}")

    def grade_text(self, response: str, reference: str, wrong: Sequence[str] = ()) -> Grade:
        text = check_answer_text(response)
        said, ref = normalise(text), normalise(reference)
        if not ref:
            return Grade(False, 0.0, "no reference answer")
        padded = f" {said} "
        names_wrong = [w for w in wrong if normalise(w) and f" {normalise(w)} " in padded and normalise(w) not in ref]
        if f" {ref} " in padded:
            before = said.split(ref, 1)[0]
            if _NEGATION.search(before.split()[-1] if before.split() else ""):
                return Grade(False, 0.0, "the reference is negated")
            if names_wrong:
                return Grade(False, 0.2, "also names a wrong option")
            return Grade(True, 1.0, "matches the reference")
        if self._near_spelling(said, ref) and not names_wrong:
            return Grade(True, 0.95, "matches the reference, allowing for spelling")
        score = self.score(text, reference)
        return Grade(score >= self.threshold and not names_wrong, score, "semantic match" if score >= self.threshold else "does not match")

    def score(self, response: str, reference: str) -> float:
        """Blend of embedding cosine and the share of the reference's content words present."""
        vectors = self.embedder.embed([response, reference])
        cosine = float(np.dot(vectors[0], vectors[1]))
        ref_words = set(content_words(reference))
        overlap = len(ref_words & set(content_words(response))) / len(ref_words) if ref_words else 0.0
        return self.similarity_weight * cosine + (1 - self.similarity_weight) * overlap

    @staticmethod
    def _near_spelling(said: str, ref: str) -> bool:
        if len(ref) < 5 or abs(len(said) - len(ref)) > max(2, len(ref) // 4):
            return False
        return difflib.SequenceMatcher(None, said, ref).ratio() >= 0.85
