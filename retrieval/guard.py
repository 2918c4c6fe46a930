"""Recognise attempts to change the tutor's instructions inside a learner's message.

The answer chain never executes instructions found in messages or course text (they are data in the prompt,
and the extractive mode only quotes), but a learner who writes "ignore your instructions and …" deserves a
plain statement of that (the answer carries an "instructions_ignored" notice), and the rest of their message,
if it is a real question, still gets an answer.
"""
from __future__ import annotations

import re

from .search import tokenize

_INJECTION = re.compile(
    r"(\b(ignore|disregard|forget|override|bypass)\b[^.?!\n]{0,40}?\b(instructions?|rules|prompts?|guidelines|guardrails|"
    r"everything|previous|above|context)\b"
    r"|\b(system|hidden|initial) prompt\b|\bdeveloper mode\b|\bjailbreak\w*\b|\byou are now\b|\bpretend (to be|you are)\b"
    r"|\breveal\b[^.?!\n]{0,30}\b(prompt|instructions|secrets?|passwords?)\b)",
    re.IGNORECASE,
)
_LEFTOVER = re.compile(r"^\W*(and|then|also|instead|now|please|,|\.|;|:)*\W*", re.IGNORECASE)
_ABOUT_ITSELF = re.compile(r"\b(prompt|instructions?|rules|configuration|secrets?|other (users|learners))\b", re.IGNORECASE)


def split_injection(text: str) -> tuple[str, bool]:
    """(the message without the instruction-changing part, whether there was one)."""
    if not _INJECTION.search(text):
        return text, False
    remainder = text
    for match in list(_INJECTION.finditer(text))[::-1]:
        # Drop the instruction through to the end of its clause.
        end = re.search(r"[.?!\n]|\band\b", text[match.end():])
        stop = match.end() + (end.start() if end else len(text) - match.end())
        remainder = remainder[: match.start()] + " " + remainder[stop:]
    remainder = _LEFTOVER.sub("", remainder).strip()
    if len(tokenize(remainder)) < 2 or _ABOUT_ITSELF.search(remainder):
        remainder = ""
    return remainder, True


def looks_like_instructions(text: str) -> bool:
    """Text (a course sentence, say) that tries to instruct the assistant rather than inform the learner."""
    return bool(_INJECTION.search(text))
