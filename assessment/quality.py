"""A quality score (0..1) for each generated question, so the good ones can reach learners before a trainer has
looked at them (`assessment.auto_approve_score`) and trainers review the weak ones first.

The score is a weighted mean of four parts, each 0..1, kept with the question so the console can say why:

- `term` (weight 0.25): how much the blanked term is worth asking about. A term the course marks up (bold,
  code, an acronym), an amount or a defined term (assessment.key_facts) scores 1; a plain word at most 0.6,
  scaled by its rarity across the courses (its IDF over the highest IDF): a rare word is not yet a key idea.
- `options` (0.35): for multiple choice, how plausible the distractors are: the mean cosine of the distractors
  to the answer, 0.05 → 0 up to 0.4 → 1 (near-synonyms were already rejected by `check_question`). Free-text
  questions and questions generated without an embedder score 0.5: nothing to judge.
- `length` (0.15): whether the prompt has enough context to be answerable without being a paragraph: 10-30 words
  (15-60 characters of Chinese) score 1, a little shorter 0.5, a little longer 0.7, anything else 0.3.
- `answer` (0.25): a number or amount, or a term the course defines (marked up, or the subject of a definition
  found by assessment.key_facts), scores 1; the thing a topic sentence ends on 0.6; any other answer 0.5.

The two forms beyond the cloze (assessment.question_forms) fill the same four parts in their own way:

- "Which of these is NOT allowed?": `term` 1 (the passage states the rule outright); `options` as above, the
  allowed items' plausibility against the not-allowed one; `length` from the options, which carry the question
  (2-8 words each score 1, one word or more than 8 0.7); `answer` 1 when both lists are in the passage, 0.8 when
  the allowed one comes from a neighbouring section (read further from the question's source).
- What do you do next: as "Which of these is NOT allowed?", the options being the procedure's steps.
- True or false: `term` 1 for an amount in the statement; `options` 0.5 (two fixed options: nothing to judge);
  `length` from the statement as for a prompt; `answer` 1, the answer being an amount right or wrong.

Deterministic: the same question, source and corpus always give the same score.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from . import chinese
from .grading import normalise
from .key_facts import QUANTITY
from .question_forms import TRUE_FALSE_PREFIX, form_of

PLAIN_TERM = 0.6
WEIGHTS = {"term": 0.25, "options": 0.35, "length": 0.15, "answer": 0.25}
_AMOUNT = re.compile(r"\d|[$€£¥%]")
_WORD = re.compile(r"[a-z][a-z-]{3,}")
_ACRONYM = re.compile(r"[A-Z]{2,6}s?")
_PREFIX = re.compile(r"^(Fill in the blank:|填空：|填空:)\s*")


@dataclass
class Quality:
    """A generated question's quality score and the parts it is made of (see the module's docstring)."""

    score: float
    parts: dict[str, float] = field(default_factory=dict)


def marked_up(term: str, source_text: str) -> bool:
    """Whether the course marks `term` as a defined term: bold, code, or an acronym."""
    return bool(_ACRONYM.fullmatch(term)) or f"**{term}**" in source_text or f"`{term}`" in source_text


def _term(answer: str, source_text: str, idf: dict[str, float] | None, idf_max: float,
          fact_kind: str | None = None) -> float:
    if fact_kind in ("quantity", "defined"):
        return 1.0
    if _ACRONYM.fullmatch(answer) and idf and idf_max > 0 and answer in idf:
        # An acronym on most pages (the organisation's own name) is not a key idea: scaled by its rarity.
        return round(min(1.0, idf[answer] / idf_max), 3)
    if marked_up(answer, source_text):
        return 1.0
    if not idf or idf_max <= 0:
        return PLAIN_TERM / 2
    keys = [answer] if chinese.has_han(answer) else _WORD.findall(answer.lower())
    known = [idf[k] for k in keys if k in idf]
    # A rare word is not yet a key idea: a plain word scores at most PLAIN_TERM.
    return round(PLAIN_TERM * min(1.0, max(known) / idf_max), 3) if known else PLAIN_TERM / 2


def _common_acronym(answer: str, idf: dict[str, float] | None, idf_max: float) -> bool:
    """An acronym on at least a fifth of the courses' passages or so (half the highest IDF or less)."""
    return bool(_ACRONYM.fullmatch(answer) and idf and idf_max > 0 and answer in idf and idf[answer] < 0.5 * idf_max)


def _options(question: Any, embedder) -> float:
    distractors = [o for o in question.options if o != question.answer]
    if question.kind != "mcq" or not distractors or embedder is None:
        return 0.5
    vectors = embedder.embed([question.answer, *distractors])
    mean = float(np.mean(vectors[1:] @ vectors[0]))
    return round(float(np.clip((mean - 0.05) / 0.35, 0.0, 1.0)), 3)


def _length(prompt: str) -> float:
    text = _PREFIX.sub("", prompt)
    if chinese.has_han(text):
        size, good, short, long = len(chinese.HAN.findall(text)), (15, 60), 8, 90
    else:
        size, good, short, long = len(text.split()), (10, 30), 6, 45
    if good[0] <= size <= good[1]:
        return 1.0
    if short <= size < good[0]:
        return 0.5
    if good[1] < size <= long:
        return 0.7
    return 0.3


def _answer(answer: str, source_text: str, fact_kind: str | None = None, common: bool = False) -> float:
    amount = bool(_AMOUNT.search(answer)) or bool(chinese.quantities(answer))
    if amount or fact_kind in ("quantity", "defined") or (marked_up(answer, source_text) and not common):
        return 1.0
    if fact_kind == "topic":
        return 0.6
    # Free text is graded by similarity: a phrase of plain words is harder to grade fairly than one word, but
    # a single plain word is often a verb or adjective the sentence barely depends on.
    return 0.5


def question_quality(question: Any, source_text: str, idf: dict[str, float] | None = None, embedder=None,
                     idf_max: float | None = None, fact_kind: str | None = None) -> Quality:
    """The quality of a generated `question` (an assessment.Question) made from `source_text`. `idf` is the
    corpus's (questions.document_frequencies); pass `idf_max` when scoring many questions against one corpus.
    `fact_kind` is what assessment.key_facts found the answer to be, when the question was made from a fact."""
    if idf_max is None:
        idf_max = max(idf.values()) if idf else 0.0
    form = form_of(question)
    if form != "cloze":
        parts = _form_parts(question, source_text, embedder, form)
        return Quality(round(sum(WEIGHTS[k] * v for k, v in parts.items()), 3), parts)
    parts = {
        "term": _term(question.answer, source_text, idf, idf_max, fact_kind),
        "options": _options(question, embedder),
        "length": _length(question.prompt),
        "answer": _answer(question.answer, source_text, fact_kind, common=_common_acronym(question.answer, idf, idf_max)),
    }
    return Quality(round(sum(WEIGHTS[k] * v for k, v in parts.items()), 3), parts)


def _form_parts(question: Any, source_text: str, embedder, form: str) -> dict[str, float]:
    """The four parts for a not-allowed or true/false question (see the module's docstring)."""
    if form == "true_false":
        statement = question.prompt[len(TRUE_FALSE_PREFIX):]
        amount = bool(QUANTITY.search(statement))
        return {"term": 1.0 if amount else PLAIN_TERM / 2, "options": 0.5, "length": _length(statement),
                "answer": 1.0 if amount else 0.5}
    source = f" {normalise(source_text.replace('**', ''))} "
    here = all(f" {normalise(o)} " in source for o in question.options)
    sizes = [len(o.split()) for o in question.options]
    return {"term": 1.0, "options": _options(question, embedder),
            "length": round(sum(1.0 if 2 <= n <= 8 else 0.7 for n in sizes) / max(1, len(sizes)), 3),
            "answer": 1.0 if here else 0.8}
