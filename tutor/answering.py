"""Answering course questions (each answer recorded as a turn, with a quiz offered where the course has
questions) and the learner's feedback on answers."""
from __future__ import annotations

import logging
import time
from dataclasses import asdict

from messages import Button, FeedbackReceived, Reply, clean_message
from store import FEEDBACK_VALUES, pseudonym

from .outcome import Outcome
from .parts import Parts
from .unsaved import STORE_ERRORS, unsaved
from .wording import Words, answer_reply

log = logging.getLogger(__name__)

MAX_RECORDED_CHARS = 10_000


class Answering:
    def __init__(self, parts: Parts) -> None:
        self.parts = parts

    def _readable(self, learner: str, lang: str) -> set[str] | None:
        """The courses to suggest to this learner ("the courses cover…"); None when the catalogue is unavailable."""
        try:
            return self.parts.readable_courses(learner, lang)
        except Exception as exc:  # suggestions are a courtesy: an answer never fails for them
            log.warning("no course suggestions: %s", exc)
            return None

    def answer(self, learner: str, text: str, w: Words, conversation: str = "", channel: str = "", *,
               record: bool = True, mode: str | None = None, offer_quiz: bool = True, context: dict | None = None) -> Outcome:
        from retrieval import AnswerContext, RetrievalError

        text = clean_message(text)
        started = time.perf_counter()
        try:
            answer = self.parts.chain.answer(text, mode=mode, groups=self.parts.groups(learner),
                                             context=AnswerContext.from_dict(context))
        except RetrievalError as exc:
            log.error("answer failed for %s: %s", pseudonym(learner), exc)
            return Outcome([Reply(w("answer.index_unavailable"))])
        latency_ms = (time.perf_counter() - started) * 1000
        if answer.suggestions:
            readable = self._readable(learner, w.lang)
            answer.suggestions = [s for s in answer.suggestions if readable is None or s["id"] in readable]
        reply = answer_reply(w, answer)
        if record:
            try:
                reply.turn_id = self._record(learner, text, reply, answer, w, channel, conversation, latency_ms)
            except Exception as exc:  # the learner still gets the answer when the record cannot be written
                reply = answer_reply(w, answer, extra_notes=[unsaved(w, learner, w("unsaved.turn"), exc, with_answer=True)])
        outcome = Outcome([reply], values={"timings_ms": answer.timings_ms,
                                           "scores": {c.label(): c.score for c in answer.citations},
                                           "answer_context": answer.context})
        if offer_quiz:
            self._offer_quiz(answer, outcome, w)
        return outcome

    def _record(self, learner: str, text: str, reply, answer, w: Words, channel: str, conversation: str,
                latency_ms: float) -> str:
        """The turn, and its 'asked' statement in the same transaction; returns the turn id."""
        records = self.parts.learning_records
        citation = asdict(answer.citations[0]) if answer.citations else None

        def turn() -> str:
            return self.parts.records.turns.record(
                learner, text[:MAX_RECORDED_CHARS], reply.answer, channel=channel, mode=answer.mode,
                abstained=answer.abstained, confidence=answer.confidence, sources=[asdict(c) for c in answer.citations],
                notes=reply.notes, latency_ms=latency_ms, conversation_id=conversation or learner)

        def asked(turn_id: str) -> list[dict]:
            return [records.statements.asked(learner, turn_id, answered=not answer.abstained, text=text[:MAX_RECORDED_CHARS],
                                             course=citation, lang=w.lang, channel=channel, mode=answer.mode,
                                             confidence=answer.confidence)]

        return records.record(learner, turn, asked, "record turn")

    def _offer_quiz(self, answer, outcome: Outcome, w: Words) -> None:
        """After a grounded answer, a quick check on the same course section when it has questions."""
        if answer.abstained or not answer.citations or answer.operation:
            return
        citation = answer.citations[0]
        try:
            self.parts.quiz()  # brings the question bank up to date with the index
            has_questions = self.parts.records.learning.has_questions(citation.course_id)
        except Exception as exc:  # the answer stands even when the quiz side is unavailable
            log.warning("no quiz offer: %s", exc)
            return
        if has_questions:
            outcome.add(Reply(w("answer.offer_quiz"), [Button(w("answer.offer_quiz_button"), w("say.yes"))]))
            outcome.quiz_offer = f"{citation.title} {citation.section.split(' > ')[0]}".strip()

    def feedback(self, learner: str, turn_id: str, value: str, w: Words) -> Outcome:
        """👍 ('up'), 👎 ('down') or 'human' on an answer, stored with its turn."""
        turns = self.parts.records.turns
        records = self.parts.learning_records

        def rated(stored: bool) -> list[dict]:
            return [records.statements.rated(learner, turn_id=turn_id, value=value, lang=w.lang)] if stored else []

        try:
            stored = value in FEEDBACK_VALUES and bool(turn_id) and records.record(
                learner, lambda: turns.set_feedback(turn_id, value), rated, "set feedback")
            question = (turns.turn(turn_id) or {}).get("question", "") if stored else ""
        except STORE_ERRORS as exc:
            return Outcome([Reply(unsaved(w, learner, w("unsaved.feedback"), exc))])
        key = "feedback.unknown_turn" if not stored else "feedback.human" if value == "human" else "feedback.thanks"
        if stored:
            log.info("feedback %s on turn %s from %s", value, turn_id, pseudonym(learner))
        return Outcome([FeedbackReceived(w(key), turn_id=turn_id, value=value, stored=stored, question=question)])
