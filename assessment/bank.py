"""Build the question bank from the indexed courses: authored questions plus checked, scored generated ones.

A sync never undoes a trainer's work (the store keeps it; see store.LearningStore.upsert_questions): a question a
trainer approved, retired or edited keeps its status and wording, and trainer-written questions are never
touched. Generated questions nobody decided on take the status their quality score gives them now, so a changed
`assessment.auto_approve_score` applies at the next sync.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Sequence

from .curation import initial_status
from .questions import authored_questions, document_frequencies, generate_questions, key_terms
from .settings import AssessmentSettings

log = logging.getLogger(__name__)
# Questions made from one passage at most: a topic quiz needs a few per section.
QUESTIONS_PER_PASSAGE = 2


@dataclass
class BankReport:
    authored: int
    generated: int
    rejected: int
    removed: int
    drafts: int = 0  # generated questions waiting for a trainer (below the auto-approve score)


def sync_question_bank(store, courses: Sequence[dict[str, Any]], chunks: Sequence[Any], embedder=None,
                       multilingual=None, auto_approve_score: float | None = None,
                       settings: AssessmentSettings | None = None) -> BankReport:
    """Upsert every course's questions into `store` (a store.LearningStore); drop generated ones whose passages
    are gone and that no trainer decided on. `multilingual` judges Chinese passages' questions (default: the
    shared encoder); `settings` gives the question forms to generate and, unless `auto_approve_score` is given,
    the auto-approve score (default: the settings' defaults)."""
    settings = settings or AssessmentSettings()
    if auto_approve_score is None:
        auto_approve_score = settings.auto_approve_score
    authored, generated, rejected = [], [], 0
    by_course: dict[str, list[Any]] = {}
    for chunk in chunks:
        by_course.setdefault(chunk.course_id, []).append(chunk)
    idf = document_frequencies([c.text for c in chunks])
    for course in courses:
        authored.extend(authored_questions(course))
        own = by_course.get(course["course_id"], [])
        pool = [t for c in own for t in key_terms(c.text, idf)]
        made, bad = generate_questions(course, own, pool, embedder, idf=idf, multilingual=multilingual,
                                       per_chunk=QUESTIONS_PER_PASSAGE, forms=settings.question_forms,
                                       max_option_words=settings.max_option_words)
        generated.extend(made)
        rejected += bad
    rows = [{**q.as_row(), "status": initial_status(q.origin, q.quality, auto_approve_score)} for q in authored + generated]
    store.upsert_questions(rows)
    removed = store.remove_generated_except({q.question_id for q in generated})
    drafts = sum(1 for r in rows if r["status"] == "draft")
    log.info("question bank: %d authored, %d generated (%d rejected; %d below the auto-approve score %.2f), %d removed",
             len(authored), len(generated), rejected, drafts, auto_approve_score, removed)
    return BankReport(len(authored), len(generated), rejected, removed, drafts)
