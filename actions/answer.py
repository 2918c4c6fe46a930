"""Actions that answer a learner's question from the courses."""
from __future__ import annotations

import logging
import re
import time
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from retrieval import RetrievalError
from store import pseudonym

from . import services
from .render import answer_payload, answer_text

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


def answer_and_record(dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
    """Answer the latest message, send it with its sources, and record the turn."""
    text = tracker.latest_message.get("text") or ""
    channel = (tracker.get_latest_input_channel() or "")
    started = time.perf_counter()
    try:
        answer = services.answer_chain().answer(text)
    except RetrievalError as exc:
        log.error("answer failed for %s: %s", pseudonym(tracker.sender_id), exc)
        dispatcher.utter_message(text="Sorry — I can't search the courses right now (the index isn't ready). Please try again shortly.")
        return
    latency_ms = (time.perf_counter() - started) * 1000
    turn_id = None
    try:
        turn_id = services.turn_store().record(
            tracker.sender_id,
            text[:10_000],
            answer.text,
            channel=channel,
            mode=answer.mode,
            abstained=answer.abstained,
            confidence=answer.confidence,
            sources=[c.__dict__ for c in answer.citations],
            notes=answer.notes,
            latency_ms=latency_ms,
        )
    except Exception as exc:  # the learner still gets the answer when the record cannot be written
        log.error("could not record turn for %s: %s", pseudonym(tracker.sender_id), exc)
        answer.notes.append("(I couldn't save this conversation turn, but here is the answer.)")
    dispatcher.utter_message(text=answer_text(answer), json_message=answer_payload(answer, turn_id))


class ActionAnswerQuestion(Action):
    def name(self) -> str:
        return "action_answer_question"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[dict[str, Any]]:
        answer_and_record(dispatcher, tracker)
        return []


class ActionHandleFallback(Action):
    """Low-confidence messages: question-like ones are answered, empty or unclear ones get guidance."""

    def name(self) -> str:
        return "action_handle_fallback"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[dict[str, Any]]:
        text = (tracker.latest_message.get("text") or "").strip()
        if not re.search(r"\w", text):
            dispatcher.utter_message(text="I didn't get any text there. Ask me a question about your courses — for example “how do I report a phishing email?”")
        elif looks_like_question(text):
            answer_and_record(dispatcher, tracker)
        else:
            dispatcher.utter_message(response="utter_help")
        return []
