"""Sentences as the extractive answer quotes them: course text split into sentences and list items, verbatim.

Quoting is the answer that can never say something the courses do not: the default, and the fallback of the
guarded mode (see reading.py for how sentences are chosen).
"""
from __future__ import annotations

import re

_NUMBERED = re.compile(r"\n(\d+)\. ")
_EMPHASIS = re.compile(r"\*\*|__")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(`*])|\n{2,}|\n(?=[-*] |\d+\. |```)")


def split_sentences(text: str) -> list[str]:
    """Sentences and list items; a lead-in ending with ':' stays with the item after it."""
    text = _NUMBERED.sub(r"\n\1) ", text)
    parts = [_EMPHASIS.sub("", p.split("```")[0]).strip(" \n-*") for p in _SENTENCE_END.split(text)]
    merged: list[str] = []
    for part in parts:
        if merged and merged[-1].endswith(":"):
            merged[-1] = f"{merged[-1]} {part}"
        else:
            merged.append(part)
    return [" ".join(p.split()) for p in merged if len(p) >= 12 and not p.endswith(":")]
