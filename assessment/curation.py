"""What trainers do to the question bank: the status a question starts in, and the checks on a question a trainer
writes or edits in the console.

Statuses: `draft` (waits for a trainer; never asked), `approved` (asked in quizzes), `retired` (never asked
again). Authored questions (course front matter) and trainer-written ones start approved; a generated question
starts approved when its quality score reaches `assessment.auto_approve_score` (below 1), else as a draft.
"""
from __future__ import annotations

import uuid
from typing import Any, Sequence

from store import QUESTION_STATUSES as STATUSES

from .grading import normalise
from .questions import Question

KINDS = ("mcq", "short")
LIMITS = {"prompt": 1000, "answer": 300, "option": 200, "options": 8, "explanation": 2000, "skill": 80, "section": 200}


def initial_status(origin: str, quality: float | None, auto_approve_score: float) -> str:
    """The status a question enters the bank with (a trainer's decision later always wins: store.LearningStore)."""
    if origin != "generated":
        return "approved"
    if auto_approve_score < 1.0 and quality is not None and quality >= auto_approve_score:
        return "approved"
    return "draft"


def check_trainer_question(kind: str, prompt: str, answer: str, options: Sequence[str], explanation: str = "",
                           skill: str | None = None, section: str = "") -> list[str]:
    """Problems with a question as a trainer wrote or edited it, in words for the trainer; [] when it may be
    saved. Multiple choice needs 2-8 distinct options with the answer among them; a short-answer question none.
    `skill` is checked when given (a new question needs one; an edit keeps the question's own)."""
    problems = []
    if kind not in KINDS:
        problems.append("Choose multiple choice or short answer.")
    fields = {"prompt": prompt, "answer": answer, "explanation": explanation, "section": section}
    if skill is not None:
        fields["skill"] = skill
    for name in ("prompt", "answer", "skill"):
        if name in fields and not fields[name].strip():
            problems.append(f"The {name} is empty.")
    for name, text in fields.items():
        if len(text) > LIMITS[name]:
            problems.append(f"The {name} is {len(text)} characters long; at most {LIMITS[name]}.")
    if kind == "mcq":
        if len(options) < 2:
            problems.append("A multiple-choice question needs at least two options, one per line.")
        if len(options) > LIMITS["options"]:
            problems.append(f"At most {LIMITS['options']} options.")
        if any(len(o) > LIMITS["option"] for o in options):
            problems.append(f"An option is longer than {LIMITS['option']} characters.")
        folded = [normalise(o) for o in options]
        if len(set(folded)) != len(folded):
            problems.append("Two options are the same.")
        if answer.strip() and normalise(answer) not in folded:
            problems.append("The answer is not among the options: it must be one of them, as written.")
    elif kind == "short" and options:
        problems.append("Options are for multiple-choice questions: clear them or choose multiple choice.")
    return problems


def matching_option(answer: str, options: Sequence[str]) -> str:
    """The option the answer names, as the option is written (quizzes compare the answer with the options)."""
    return next((o for o in options if normalise(o) == normalise(answer)), answer.strip())


def wording(kind: str, prompt: str, answer: str, options: Sequence[str], explanation: str = "") -> dict[str, Any]:
    """A checked question's wording as stored: trimmed, options only for multiple choice, and the answer written as
    the option it names."""
    options = [o.strip() for o in options] if kind == "mcq" else []
    return {"kind": kind, "prompt": prompt.strip(), "answer": matching_option(answer, options) if options else answer.strip(),
            "options": options, "explanation": explanation.strip()}


def trainer_question(course_id: str, course_title: str, skill: str, kind: str, prompt: str, answer: str,
                     options: Sequence[str], explanation: str = "", section: str = "") -> Question:
    """A question written by a trainer (checked with `check_trainer_question` first); origin `trainer`, so no
    re-sync of the bank ever replaces or removes it."""
    return Question(
        question_id="trainer-" + uuid.uuid4().hex[:12], course_id=course_id, course_title=course_title,
        skill=skill.strip(), section=section.strip(), difficulty=0.35 if kind == "mcq" else 0.5, origin="trainer",
        **wording(kind, prompt, answer, options, explanation),
    )
