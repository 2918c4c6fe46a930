"""The question bank as trainers review it in the console: every question with its source, quality score, status,
item statistics and learners' flags; the questions whose statistics or flags call for a look; approve, retire, edit,
write new.

Only approved questions reach learners (assessment.QuizService.servable). What a trainer does here is kept by
every later sync of the bank (store.LearningStore.upsert_questions)."""
from __future__ import annotations

import logging
from typing import Any

from .parts import Parts

log = logging.getLogger(__name__)

SOURCE_MISSING = "its passage is gone from the courses (changed or removed): check it still holds"


def _text(form: dict[str, Any], key: str) -> str:
    return str(form.get(key) or "")


def _options(form: dict[str, Any]) -> list[str]:
    found = form.get("options") or []
    if isinstance(found, str):
        found = found.splitlines()
    return [str(o).strip() for o in found if str(o).strip()]


class QuestionBank:
    """Reads and changes go straight to the store; only `refresh` needs the course index."""

    def __init__(self, parts: Parts) -> None:
        self.parts = parts

    @property
    def _settings(self):
        return self.parts.settings.assessment

    def refresh(self) -> str:
        """Bring the bank up to date with the course index (once per index version); '' when it is, else why
        not (no index yet): the bank is then shown as stored."""
        from retrieval import RetrievalError

        try:
            self.parts.sync_bank()
        except RetrievalError as exc:
            log.warning("question bank not synced with the course index: %s", exc)
            return str(exc) or exc.__class__.__name__
        return ""

    def _statistics(self, flags: dict[str, list[dict[str, Any]]] | None = None) -> dict[str, Any]:
        from assessment import item_statistics

        reviews = self.parts.records.question_reviews
        return item_statistics(reviews.responses(), reviews.flags() if flags is None else flags)

    def statistics(self) -> dict[str, dict[str, Any]]:
        """Item statistics per question id (assessment.item_statistics): what the analytics page shows too, so
        both pages give one question the same numbers."""
        return {qid: found.as_dict() for qid, found in self._statistics().items()}

    def _present(self, question: dict[str, Any], stats: dict[str, Any],
                 flags: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
        """A question with its statistics, why it needs review (in words; [] when it does not), who approved it, and
        the learners' flags on it (reasons and when, newest first; never who)."""
        from assessment import ItemStats, review_reasons

        found = stats.get(question["question_id"]) or ItemStats()
        cfg = self._settings
        reasons = [found.reason_text(r) for r in review_reasons(found, cfg.review_min_attempts, cfg.review_flag_count)]
        if question.get("source_missing"):
            reasons.append(SOURCE_MISSING)
        approval = ("auto" if question["origin"] == "generated" and not question.get("reviewed_by") else "trainer") \
            if question.get("status") == "approved" else ""
        return {**question, "stats": found.as_dict(), "reasons": reasons, "approval": approval,
                "flags": flags.get(question["question_id"], [])}

    def overview(self, course: str | None = None, skill: str | None = None, status: str | None = None) -> dict[str, Any]:
        """The bank filtered by course, skill and status, ordered by course, skill and prompt; the questions that
        need review (of the whole bank); the courses with their skills and counts per status, for the filters."""
        flags = self.parts.records.question_reviews.flags()
        stats = self._statistics(flags)
        everything = [self._present(q, stats, flags) for q in self.parts.records.learning.questions()]
        shown = [q for q in everything if (not course or q["course_id"] == course) and (not skill or q["skill"] == skill)
                 and (not status or q["status"] == status)]
        shown.sort(key=lambda q: (q["course_title"], q["skill"], q["prompt"]))
        return {"questions": shown, "needs_review": [q for q in everything if q["reasons"] and q["status"] != "retired"],
                "courses": self.courses(),
                "auto_approve_score": self._settings.auto_approve_score, "min_learners": self._settings.review_min_attempts,
                "min_flags": self._settings.review_flag_count}

    def courses(self) -> list[dict[str, Any]]:
        """The bank's courses with their skills and counts per status (what a new question may belong to)."""
        return self.parts.records.question_reviews.courses()

    def question(self, question_id: str) -> dict[str, Any] | None:
        """One question with its statistics and flags, or None."""
        found = self.parts.records.learning.question(question_id)
        if found is None:
            return None
        flags = self.parts.records.question_reviews.flags()
        return self._present(found, self._statistics(flags), flags)

    def approve(self, question_id: str, who: str) -> dict[str, Any] | None:
        """Learners may be asked it from now on (None: no such question)."""
        return self.parts.records.question_reviews.set_status(question_id, "approved", who)

    def retire(self, question_id: str, who: str) -> dict[str, Any] | None:
        """No learner is asked it again, not even by a quiz in progress past the question it is asking now."""
        return self.parts.records.question_reviews.set_status(question_id, "retired", who)

    def edit(self, question_id: str, form: dict[str, Any], who: str) -> tuple[dict[str, Any] | None, list[str]]:
        """Change the wording (kind, prompt, answer, options, explanation) from `form`; (the question, []) when
        saved, (None, problems in words) when the edit cannot be saved, (None, []) when there is no question."""
        from assessment import check_trainer_question, wording

        current = self.parts.records.learning.question(question_id)
        if current is None:
            return None, []
        kind, options = _text(form, "kind") or current["kind"], _options(form)
        prompt, answer, explanation = _text(form, "prompt"), _text(form, "answer"), _text(form, "explanation")
        problems = check_trainer_question(kind, prompt, answer, options, explanation)
        if problems:
            return None, problems
        change = wording(kind, prompt, answer, options, explanation)
        if all(current.get(k) == v for k, v in change.items()):
            return current, []
        return self.parts.records.question_reviews.edit(question_id, change, who), []

    def write(self, form: dict[str, Any], who: str) -> tuple[dict[str, Any] | None, list[str]]:
        """Add a question a trainer wrote (approved at once) from `form` (course_id, skill, kind, prompt, answer,
        options, explanation, section); (the question, []) or (None, problems in words)."""
        from assessment import check_trainer_question, trainer_question

        courses = {c["course_id"]: c["title"] for c in self.courses()}
        course_id, kind, options = _text(form, "course_id"), _text(form, "kind"), _options(form)
        problems = [] if course_id in courses else ["Choose the course the question belongs to."]
        problems += check_trainer_question(kind, _text(form, "prompt"), _text(form, "answer"), options,
                                           _text(form, "explanation"), skill=_text(form, "skill"), section=_text(form, "section"))
        if problems:
            return None, problems
        question = trainer_question(course_id, courses[course_id], _text(form, "skill"), kind, _text(form, "prompt"),
                                    _text(form, "answer"), options, _text(form, "explanation"), _text(form, "section"))
        return self.parts.records.question_reviews.add(question.as_row(), who), []
