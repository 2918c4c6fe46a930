"""Quizzes in the conversation: start, ask, grade, hint, skip, pause, resume, flag a question; progress and due
reviews."""
from __future__ import annotations

import logging

from messages import Button, QuizQuestion, Reply
from store import pseudonym

from .outcome import QUIZ_ASKING, QUIZ_FINISHED, QUIZ_NONE, QUIZ_PAUSED, Outcome
from .parts import Parts
from .unsaved import STORE_ERRORS, unsaved
from .wording import (Words, due_text, feedback_reply, flagged_text, greeting_text, progress_reply, question_reply,
                      summary_reply, where)

log = logging.getLogger(__name__)


def problem_text(w: Words, exc: Exception) -> str:
    """An assessment or retrieval error in the learner's words."""
    from assessment import AssessmentError

    if isinstance(exc, AssessmentError):
        if exc.code == "no_topic":
            return w("quiz.no_topic", **exc.values)
        if exc.code in ("no_bank", "nothing_due", "no_active"):
            return w(f"quiz.{exc.code}")
        if exc.code == "moved":
            return w("quiz.already_answered")
        return w(f"quiz.invalid.{exc.code}", **exc.values)
    return w("answer.index_unavailable")


class Quizzing:
    def __init__(self, parts: Parts) -> None:
        self.parts = parts

    def start(self, learner: str, topic: str, review: bool, w: Words) -> Outcome:
        """A new quiz on `topic` (any topic when empty) or of the due reviews, with questions in the learner's
        language where the bank has some; the question comes with `current`."""
        from assessment import AssessmentError
        from retrieval import RetrievalError

        try:
            turn = self.parts.quiz().start(learner, topic or "", review=review, courses=self.parts.visible_courses(learner),
                                           language=w.lang)
        except (AssessmentError, RetrievalError) as exc:
            return Outcome([Reply(problem_text(w, exc))], quiz=QUIZ_NONE)
        except STORE_ERRORS as exc:
            return Outcome([Reply(unsaved(w, learner, w("unsaved.new_quiz"), exc))], quiz=QUIZ_NONE)
        key = "quiz.start_topic" if topic else "quiz.start"
        return Outcome([Reply(w(key, count=turn.total, topic=topic))], quiz=QUIZ_ASKING)

    def current(self, learner: str, w: Words) -> Outcome:
        """The question waiting for an answer, if any."""
        from assessment import AssessmentError

        try:
            turn = self.parts.quiz().current(learner)
        except AssessmentError as exc:
            return Outcome([Reply(problem_text(w, exc))], quiz=QUIZ_NONE)
        if turn.finished or turn.question is None:
            return Outcome(quiz=QUIZ_FINISHED)
        return Outcome([question_reply(w, turn)], quiz=QUIZ_ASKING)

    def question(self, learner: str, w: Words) -> QuizQuestion | None:
        replies = self.current(learner, w).replies
        return next((r for r in replies if isinstance(r, QuizQuestion)), None)

    def answer(self, learner: str, text: str, latency_ms: float, w: Words) -> Outcome:
        """Grade the learner's answer; an answer that cannot be graded leaves the quiz where it was."""
        return self._step(learner, w, lambda quiz: quiz.answer(learner, text, latency_ms), text)

    def skip(self, learner: str, w: Words) -> Outcome:
        return self._step(learner, w, lambda quiz: quiz.skip(learner), "")

    def _step(self, learner: str, w: Words, step, text: str) -> Outcome:
        """One answer or skip, recorded with its learning records (statements) in one transaction."""
        from assessment import AssessmentError, NoActiveQuiz

        try:
            quiz = self.parts.quiz()
            turn = self.parts.learning_records.quiz_step(learner, lambda: step(quiz), text, w.lang)
        except NoActiveQuiz as exc:
            return Outcome([Reply(problem_text(w, exc))], quiz=QUIZ_NONE)
        except AssessmentError as exc:  # an answer that cannot be graded, or one for a question already answered
            return Outcome([Reply(problem_text(w, exc))], quiz=QUIZ_ASKING)
        except STORE_ERRORS as exc:
            return Outcome([Reply(unsaved(w, learner, w("unsaved.quiz_answer"), exc))], quiz=QUIZ_ASKING)
        outcome = Outcome([feedback_reply(w, turn.graded)], quiz=QUIZ_FINISHED if turn.finished else QUIZ_ASKING)
        if turn.finished:
            outcome.add(summary_reply(w, turn))
        return outcome

    def hint(self, learner: str, w: Words) -> Outcome:
        from assessment import AssessmentError

        try:
            hint = self.parts.quiz().hint(learner)
        except AssessmentError as exc:
            return Outcome([Reply(problem_text(w, exc))], quiz=QUIZ_NONE)
        if hint.wrong_option:
            text = w("quiz.hint_choice", wrong=hint.wrong_option, where=where(hint.question))
        elif hint.start:
            text = w("quiz.hint_text", start=hint.start, words=hint.words, where=where(hint.question))
        else:  # true or false: ruling out one option would give the answer away
            text = w("quiz.hint_source", where=where(hint.question))
        return Outcome([Reply(text)], quiz=QUIZ_ASKING)

    def pause(self, learner: str, w: Words) -> Outcome:
        from assessment import AssessmentError

        try:
            turn = self.parts.quiz().pause(learner)
        except AssessmentError as exc:
            return Outcome([Reply(problem_text(w, exc))], quiz=QUIZ_NONE)
        return Outcome([Reply(w("quiz.paused", done=turn.position, count=turn.total))], quiz=QUIZ_PAUSED)

    def resume(self, learner: str, w: Words) -> Outcome:
        from assessment import AssessmentError

        try:
            self.parts.quiz().resume(learner)
        except AssessmentError as exc:
            return Outcome([Reply(problem_text(w, exc))], quiz=QUIZ_NONE)
        return Outcome([Reply(w("quiz.welcome_back"))], quiz=QUIZ_ASKING)

    def flag(self, learner: str, reason: str, previous: bool, w: Words) -> Outcome:
        """Record the learner's flag on the question they are looking at (or the one they answered last, when
        `previous`) for a trainer to review, and thank them. The quiz stays where it was: `quiz` is QUIZ_ASKING
        when the flagged question still waits for an answer. The reason is never logged."""
        from assessment import NothingToFlag, flag_question

        try:
            flagged = flag_question(self.parts.records.learning, learner, reason, previous)
        except NothingToFlag:
            return Outcome([Reply(w("quiz.nothing_to_flag"))], quiz=QUIZ_NONE)
        except STORE_ERRORS as exc:
            return Outcome([Reply(unsaved(w, learner, w("unsaved.flag"), exc))])
        log.info("question %s flagged by %s (%s, reason of %d characters)", flagged.question["question_id"],
                 pseudonym(learner), "first" if flagged.first else "again", len(reason or ""))
        return Outcome([Reply(flagged_text(w, flagged))], quiz=QUIZ_ASKING if flagged.pending else QUIZ_NONE)

    def command_outside(self, learner: str, w: Words) -> Outcome:
        """hint / skip / stop said when no quiz is waiting for an answer."""
        session = self.parts.records.learning.open_session(learner)
        key = "quiz.paused_outside" if session and session["status"] == "paused" else "quiz.none_running"
        return Outcome([Reply(w(key))], quiz=QUIZ_NONE)

    def progress(self, learner: str, w: Words) -> Outcome:
        return Outcome([progress_reply(w, self.parts.quiz().standing(learner))])

    def greeting(self, learner: str, w: Words, topics: list[str]) -> Outcome:
        """The greeting naming the courses' `topics`, and the reviews that are due."""
        from assessment import AssessmentError
        from retrieval import RetrievalError

        outcome = Outcome([Reply(greeting_text(w, topics))])
        try:
            due = due_text(w, self.parts.quiz().standing(learner).due)
        except (AssessmentError, RetrievalError) as exc:
            log.warning("no review summary: %s", exc)
            due = ""
        if due:
            outcome.add(Reply(due, [Button(w("review.button"), w("say.review"))]))
        return outcome
