"""Build the question bank from the indexed courses: authored questions plus checked generated ones."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Sequence

from .questions import authored_questions, document_frequencies, generate_questions, key_terms

log = logging.getLogger(__name__)


@dataclass
class BankReport:
    authored: int
    generated: int
    rejected: int
    removed: int


def sync_question_bank(store, courses: Sequence[dict[str, Any]], chunks: Sequence[Any], embedder=None,
                       multilingual=None) -> BankReport:
    """Upsert every course's questions into `store` (a store.LearningStore); drop generated ones whose
    passages are gone. `multilingual` judges Chinese passages' questions (default: the shared encoder)."""
    authored, generated, rejected = [], [], 0
    by_course: dict[str, list[Any]] = {}
    for chunk in chunks:
        by_course.setdefault(chunk.course_id, []).append(chunk)
    idf = document_frequencies([c.text for c in chunks])
    for course in courses:
        authored.extend(authored_questions(course))
        own = by_course.get(course["course_id"], [])
        pool = [t for c in own for t in key_terms(c.text, idf)]
        made, bad = generate_questions(course, own, pool, embedder, idf=idf, multilingual=multilingual)
        generated.extend(made)
        rejected += bad
    store.upsert_questions(q.as_row() for q in authored + generated)
    removed = store.remove_generated_except({q.question_id for q in generated})
    log.info("question bank: %d authored, %d generated (%d rejected), %d removed", len(authored), len(generated), rejected, removed)
    return BankReport(len(authored), len(generated), rejected, removed)
