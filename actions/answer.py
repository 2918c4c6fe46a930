"""Actions that answer a learner's question from the courses."""
from __future__ import annotations

import logging
import re
import time
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from retrieval import Answer, RetrievalError
from store import pseudonym

from . import services
from .identity import learner_id
from .render import answer_payload, answer_text
from .storage import STORE_ERRORS, report_unsaved, unsaved_note

log = logging.getLogger(__name__)

_QUESTION_START = re.compile(
    r"^\s*(how|what|what's|whats|why|when|where|which|who|whom|whose|can|could|should|would|is|are|do|does|did|"
    r"explain|describe|define|tell|show|list|give|compare|help)\b",
    re.IGNORECASE,
)


def looks_like_question(text: str) -> bool:
    """Question marks, question words and longer free text go to the tutor rather than a dead end."""
    words = re.findall(r"\w+", text)
    return "?" in text or bool(_QUESTION_START.match(text)) or len(words) >= 4


def answer_and_record(dispatcher: CollectingDispatcher, tracker: Tracker) -> Answer | None:
    """Answer the latest message, send it with its sources, and record the turn."""
    text = tracker.latest_message.get("text") or ""
    channel = (tracker.get_latest_input_channel() or "")
    started = time.perf_counter()
    try:
        answer = services.answer_chain().answer(text, groups=services.learner_groups(learner_id(tracker)))
    except RetrievalError as exc:
        log.error("answer failed for %s: %s", pseudonym(tracker.sender_id), exc)
        dispatcher.utter_message(text="Sorry — I can't search the courses right now (the index isn't ready). Please try again shortly.")
        return None
    latency_ms = (time.perf_counter() - started) * 1000
    turn_id = None
    try:
        turn_id = services.turn_store().record(
            learner_id(tracker),
            text[:10_000],
            answer.text,
            channel=channel,
            mode=answer.mode,
            abstained=answer.abstained,
            confidence=answer.confidence,
            sources=[c.__dict__ for c in answer.citations],
            notes=answer.notes,
            latency_ms=latency_ms,
            conversation_id=tracker.sender_id,
        )
    except Exception as exc:  # the learner still gets the answer when the record cannot be written
        log.error("could not record turn for %s: %s", pseudonym(tracker.sender_id), exc)
        answer.notes.append(unsaved_note("this question and answer to your history", exc))
    dispatcher.utter_message(text=answer_text(answer), json_message=answer_payload(answer, turn_id))
    return answer


def offer_quiz(dispatcher: CollectingDispatcher, answer: Answer | None) -> list[dict[str, Any]]:
    """After a grounded answer, offer a quick check on the same course section when questions exist."""
    if answer is None or answer.abstained or not answer.citations:
        return [SlotSet("quiz_offered", False)]
    citation = answer.citations[0]
    try:
        services.quiz_service()  # brings the question bank up to date with the index
        has_questions = bool(services.learning_store().questions("course_id = ?", [citation.course_id]))
    except Exception as exc:  # the answer stands even when the quiz side is unavailable
        log.warning("no quiz offer: %s", exc)
        return [SlotSet("quiz_offered", False)]
    if not has_questions:
        return [SlotSet("quiz_offered", False)]
    topic = f"{citation.title} {citation.section.split(' > ')[0]}".strip()
    dispatcher.utter_message(text="Want a quick check on this? Say “yes” or “quiz me”.", buttons=[{"title": "Quiz me on this", "payload": "yes"}])
    return [SlotSet("quiz_offered", True), SlotSet("quiz_topic", topic)]


class ActionAnswerQuestion(Action):
    def name(self) -> str:
        return "action_answer_question"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[dict[str, Any]]:
        return offer_quiz(dispatcher, answer_and_record(dispatcher, tracker))


class ActionHandleFallback(Action):
    """Low-confidence messages: question-like ones are answered, empty or unclear ones get guidance."""

    def name(self) -> str:
        return "action_handle_fallback"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[dict[str, Any]]:
        text = (tracker.latest_message.get("text") or "").strip()
        if not re.search(r"\w", text):
            dispatcher.utter_message(text="I didn't get any text there. Ask me a question about your courses — for example “how do I report a phishing email?”")
        elif looks_like_question(text):
            return offer_quiz(dispatcher, answer_and_record(dispatcher, tracker))
        else:
            dispatcher.utter_message(response="utter_help")
        return []


class ActionStoreFeedback(Action):
    """👍/👎 sent as `/give_feedback{"turn_id": "...", "feedback_value": "up"}` by channels with cards."""

    def name(self) -> str:
        return "action_store_feedback"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[dict[str, Any]]:
        entities = {e.get("entity"): e.get("value") for e in tracker.latest_message.get("entities") or []}
        value, turn = entities.get("feedback_value"), entities.get("turn_id")
        try:
            stored = value in ("up", "down", "human") and bool(turn) and services.turn_store().set_feedback(str(turn), value)
        except STORE_ERRORS as exc:
            report_unsaved(dispatcher, tracker, "your feedback", exc)
            return []
        if not stored:
            dispatcher.utter_message(text="Thanks — I couldn't match that feedback to an answer.")
        elif value == "human":
            dispatcher.utter_message(text="I've asked a trainer to look at this; they see it in the trainer console and will get back to you.")
        else:
            dispatcher.utter_message(text="Thanks for the feedback!")
        return []
