"""Sentences as the extractive answer quotes them: course text split into sentences and list items, verbatim.

Quoting is the answer that can never say something the courses do not: the default, and the fallback of the
guarded mode (see reading.py for how sentences are chosen). Chinese sentences end at 。！？； (a closing quote
after them stays with the sentence) and need no space after; a Chinese sentence carries as much in a few
characters as an English one in a dozen, so its shortest quotable length is lower.
"""
from __future__ import annotations

import re

from .languages import has_han

_NUMBERED = re.compile(r"\n(\d+)\. ")
_EMPHASIS = re.compile(r"\*\*|__")
_CLOSERS = "”’」』）》\""
# A full stop that closes a dotted abbreviation ("U.S.", "D.C.", "e.g.") or a title ("Dr.") ends no sentence. A
# single capital ("attachment C.", "Dial-in: N.") may, so it still does.
_NOT_AN_END = (r"(?<!\.[A-Z]\.)(?<!\bMr\.)(?<!\bMs\.)(?<!\bDr\.)(?<!\bMrs\.)(?<!\bvs\.)"
               r"(?<!\be\.g\.)(?<!\bi\.e\.)")
_SENTENCE_END = re.compile(
    rf"(?<=[.!?]){_NOT_AN_END}\s+(?=[A-Z0-9\"'(`*])|\n+"
    rf"|(?<=[。！？；])(?![{_CLOSERS}])\s*|(?<=[。！？；][{_CLOSERS}])\s*|(?<=[\u4e00-\u9fff][!?])\s*"
)
MIN_CHARS = 12
MIN_CHARS_ZH = 5


def split_sentences(text: str) -> list[str]:
    """Sentences and list items; a lead-in ending with ':' (or '：') stays with the item after it, and a link's
    label is never cut. A line break ends a sentence: ingest joins lines wrapped mid-sentence
    (markup.join_wrapped_lines), so the breaks left are the page's own (paragraphs, list items, table rows)."""
    text = _NUMBERED.sub(r"\n\1) ", text)
    parts = [_EMPHASIS.sub("", p.split("```")[0]).strip(" \n-*") for p in _SENTENCE_END.split(text) if p]
    merged: list[str] = []
    for part in parts:
        if merged and merged[-1].count("[") > merged[-1].count("]") and "]" in part:  # a link's label is never cut
            merged[-1] = f"{merged[-1]} {part}"
        elif merged and merged[-1].endswith((":", "：")):
            merged[-1] = f"{merged[-1]} {part}" if not has_han(part) else f"{merged[-1]}{part}"
        else:
            merged.append(part)
    return [" ".join(p.split()) for p in merged if _long_enough(p) and not p.endswith((":", "："))]


def _long_enough(sentence: str) -> bool:
    return len(sentence) >= (MIN_CHARS_ZH if has_han(sentence) else MIN_CHARS)
