"""The passages of one course section, in the course's order: what a follow-up on the last answer reads."""
from __future__ import annotations

from .search import Hit, Retriever, audience_allows


def section_hits(retriever: Retriever, course_id: str, section: str, groups: set[str] | None) -> list[Hit]:
    """Every passage of `section` of `course_id` the learner may see, as hits ranked first (the section the
    conversation is about), in the order the course presents them."""
    if not course_id:
        return []
    version = retriever.version()
    chunks = [c for c in version.chunks
              if c.course_id == course_id and c.section == section and audience_allows(c.audience, groups)]
    chunks.sort(key=lambda c: c.position)
    prior = 1.0 / (retriever.settings.search.rrf_k + 1)
    return [Hit(chunk, 0.0, prior, 0) for chunk in chunks]
