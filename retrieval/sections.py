"""Where a follow-up looks first: the passages of the last answer's section, in the course's order, or of the
section of that page its new thing names.

A condition or pronoun ("what if I'm a term employee?", "who approves it?") is asked of the section the last answer
came from. A new thing in place of part of the last question ("and sick leave?", "what about my phone?") is often
the heading of another section of the same page (a leave page has a section per kind of leave), so that section is
read first, and leads when the reader finds it answers.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from .followup import word_stems
from .search import Hit, Retriever, audience_allows

if TYPE_CHECKING:
    from .reading import Sentence

def section_hits(retriever: Retriever, course_id: str, section: str, groups: set[str] | None) -> list[Hit]:
    """Every passage of `section` of `course_id` the learner may see, as hits ranked first (the section the
    conversation is about), in the order the course presents them."""
    if not course_id:
        return []
    chunks = [c for c in retriever.version().by_course.get(course_id, [])
              if c.section == section and audience_allows(c.audience, groups)]
    prior = 1.0 / (retriever.settings.search.rrf_k + 1)
    return [Hit(chunk, 0.0, prior, 0) for chunk in chunks]


def named_section(retriever: Retriever, course_id: str, thing: str) -> tuple[str, str] | None:
    """The section of `course_id` whose heading names `thing` ("sick leave" → "Types of leave > Sick leave",
    "my phone" → "Phone"): the most of the thing's words in the heading's last part, at least half of them, the
    fewest other words on a tie; None when no heading names it."""
    wanted = word_stems(thing)
    if not course_id or not wanted:
        return None
    best: tuple[float, int, str] | None = None
    for section in {c.section for c in retriever.version().by_course.get(course_id, []) if c.section}:
        heading = word_stems(section.split(" > ")[-1])
        share = len(wanted & heading) / len(wanted)
        if share >= 0.5 and (best is None or (share, -len(heading - wanted)) > (best[0], best[1])):
            best = (share, -len(heading - wanted), section)
    return (course_id, best[2]) if best else None


def merge_hits(first: list[Hit], then: list[Hit]) -> list[Hit]:
    seen = {h.chunk.chunk_id for h in first}
    return first + [h for h in then if h.chunk.chunk_id not in seen]


def section_first(ranked: list[Sentence], section: tuple[str, str], limit: int) -> list[Sentence]:
    """The best half-`limit` sentences of the conversation's section, then the rest by cheap score, so the reader
    reads both the section the follow-up is about and whatever else search found."""
    own = [s for s in ranked if s.section_key == section][: max(1, limit // 2)]
    return own + [s for s in ranked if s not in own]


def prefer_section(ranked: list[Sentence], section: tuple[str, str], threshold: float) -> list[Sentence]:
    """A follow-up stays in the conversation's section when a sentence there answers it (read above the
    threshold); another section leads only when nothing in this one does."""
    own = [s for s in ranked if s.section_key == section and (s.probability or 0.0) >= threshold]
    return own + [s for s in ranked if s not in own] if own else ranked
