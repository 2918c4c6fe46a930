"""Learning records: what the Tutor records (turns, quiz answers, feedback, enrolments, completions) also becomes
xAPI statements (xapi.StatementBuilder), queued in the store's outbox in the same transaction as the event, so a
statement exists exactly when its event does. Delivery to the company's LRS (xapi.Sender) runs in `tutor serve`
and as `tutor lrs send`; without an LRS configured the statements wait in the outbox."""
from __future__ import annotations

import logging
import os
import time
from typing import Any, Callable, TypeVar

from store import OutboxRow, OutboxStatus, pseudonym, write_transaction

from .parts import Parts

log = logging.getLogger(__name__)

T = TypeVar("T")


class LearningRecords:
    """Built once per Tutor (Parts.learning_records); thread-safe."""

    def __init__(self, parts: Parts) -> None:
        from xapi import StatementBuilder

        self.parts = parts
        self.settings = parts.settings.lrs
        self.statements = StatementBuilder(self.settings)

    @property
    def outbox(self):
        return self.parts.records.outbox

    # Recording
    def record(self, learner: str, work: Callable[[], T], statements: Callable[[T], list[dict]], what: str) -> T:
        """Run `work` (the store writes of one event) and queue the statements `statements(result)` makes of its
        result, in one transaction. A statement that cannot be made never costs the event: it is logged and put on
        the dead-letter list in its place."""
        records = self.parts.records

        def apply() -> T:
            result = work()
            try:
                made = statements(result)
            except Exception as exc:  # a fault in making the statement, not in the event
                log.exception("could not make the learning record of %s for %s", what, pseudonym(learner))
                records.outbox.add_dead(learner, what, f"could not make the statement: {type(exc).__name__}: {exc}")
                return result
            records.outbox.add(learner, made)
            return result

        return write_transaction(records.db, apply, what=what)

    def quiz_step(self, learner: str, step: Callable[[], Any], text: str, lang: str):
        """A quiz answer or skip (`step` returns the assessment.QuizTurn) with its statements: the item answered or
        attempted, the skill's mastery after it, and the quiz passed or failed when this was its last question."""
        learning = self.parts.records.learning

        def work():
            return learning.open_session(learner), learning.mastery(learner), step()

        def statements(result) -> list[dict]:
            session, before, turn = result
            if turn.graded is None or session is None:
                return []
            return self._quiz_statements(learner, session, before, turn, text, lang)

        return self.record(learner, work, statements, "record quiz answer")[2]

    def _quiz_statements(self, learner: str, session: dict, before: dict, turn, text: str, lang: str) -> list[dict]:
        learning = self.parts.records.learning
        question = turn.graded.question
        attempt = learning.latest_attempt(learner) or {}
        session_id = session["session_id"]
        made = [self.statements.quiz_item(
            learner, question=question, session_id=session_id, correct=turn.graded.correct, skipped=turn.graded.skipped,
            score=float(attempt.get("score") or 0.0), latency_ms=float(attempt.get("latency_ms") or 0.0),
            hinted=bool(attempt.get("hinted")), response=self._response(question, text), lang=lang)]
        skill = question.get("skill") or ""
        after = learning.mastery(learner).get(skill)
        if skill and after is not None:
            made.append(self.statements.progressed(
                learner, skill=skill, before=(before.get(skill) or {}).get("p_mastery"), after=after["p_mastery"],
                session_id=session_id, question=question, lang=lang))
        if turn.finished:
            made.append(self.statements.quiz_result(
                learner, session_id=session_id, correct=turn.correct, total=turn.total,
                seconds=time.time() - float(session.get("created") or time.time()), course=question, lang=lang))
        return made

    @staticmethod
    def _response(question: dict, text: str) -> str | None:
        """The option's index for a multiple-choice answer, else the text as typed (None for a skip)."""
        from assessment import InvalidAnswer, parse_choice

        if not text:
            return None
        if question.get("kind") == "mcq":
            try:
                return str(parse_choice(text, question.get("options") or []))
            except InvalidAnswer:
                return None
        return text

    # Delivery
    def sender(self):
        """A sender over this tutor's outbox and the configured LRS (xapi.Sender); None without lrs.endpoint."""
        from xapi import LrsClient, Sender

        if not self.settings.endpoint:
            return None
        password = os.environ.get(self.settings.password_env, "")
        if not password:
            log.warning("%s is not set: sending learning records without a password", self.settings.password_env)
        client = LrsClient(self.settings.statements_url, self.settings.username, password, self.settings.timeout_s)
        return Sender(self.outbox, client, self.settings)

    def send(self, max_seconds: float | None = None):
        """Send what waits now, backoffs cut short (xapi.SendReport); None without lrs.endpoint."""
        sender = self.sender()
        if sender is None:
            return None
        self.outbox.due_now()
        try:
            return sender.flush(max_seconds)
        finally:
            sender.client.close()

    def start_sender(self):
        """The background sender (xapi.SenderThread) for a long-running process, started; None without an LRS."""
        from xapi import SenderThread

        sender = self.sender()
        if sender is None:
            return None
        log.info("sending learning records to %s", self.settings.statements_url)
        return SenderThread(sender, self.settings).start()

    def status(self) -> OutboxStatus:
        return self.outbox.status()

    def dead_letters(self, limit: int = 200) -> list[OutboxRow]:
        return self.outbox.dead_letters(limit)

    def left_in_lrs(self, learner: str) -> str:
        """What forgetting `learner` cannot reach, in words ('' when nothing): the statements already delivered.
        Call it before `Tutor.forget`, which deletes the outbox rows that count them."""
        delivered = self.outbox.delivered_count(learner)
        if not delivered:
            return ""
        who = self.statements.actor(learner)
        name = who.get("mbox") or f"account {who['account']['name']!r} at {who['account']['homePage']}"
        return (f"{delivered} learning records about this learner were already delivered to the LRS "
                f"({self.settings.endpoint or 'no longer configured'}) and stay there: xAPI 1.0.3 has no way to delete "
                f"statements, and Ralph 5.1 neither deletes them nor hides voided ones. They name the learner as {name}; "
                "ask the LRS's operator to delete them.")

    def requeue(self, statement_ids: list[str] | None = None) -> int:
        """Send dead letters again (all of them, or these), once their cause is fixed."""
        count = self.outbox.requeue(statement_ids)
        log.info("%d dead letters queued again", count)
        return count
