"""Actions that answer a learner's question from the courses, and record feedback on answers."""
from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from tutor import Outcome

from .parsing import looks_like_question
from .reading import channel_of, entities_of, learner_id, text_of
from .runtime import language_slot, send, turn_language, tutor


def answer_latest(dispatcher: CollectingDispatcher, tracker: Tracker, lang: str, offer_quiz: bool = True) -> Outcome:
    """Answer the latest message in `lang` (recorded as a turn of this conversation) and send the reply."""
    outcome = tutor().answer(learner_id(tracker), text_of(tracker), conversation=tracker.sender_id,
                             channel=channel_of(tracker), offer_quiz=offer_quiz, context=tracker.get_slot("last_answer"),
                             lang=lang)
    send(dispatcher, outcome)
    return outcome


def offer_events(outcome: Outcome, lang: str) -> list[dict[str, Any]]:
    """The language of the turn, the quiz offer, and what the answer was (kept for a follow-up; cleared when
    nothing was answered)."""
    events = [language_slot(lang), SlotSet("last_answer", outcome.values.get("answer_context"))]
    if outcome.quiz_offer is None:
        return [*events, SlotSet("quiz_offered", False)]
    return [*events, SlotSet("quiz_offered", True), SlotSet("quiz_topic", outcome.quiz_offer)]


class ActionAnswerQuestion(Action):
    def name(self) -> str:
        return "action_answer_question"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[dict[str, Any]]:
        lang = turn_language(tracker)
        return offer_events(answer_latest(dispatcher, tracker, lang), lang)


class ActionHandleFallback(Action):
    """Low-confidence messages: question-like ones are answered, empty or unclear ones get guidance."""

    def name(self) -> str:
        return "action_handle_fallback"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[dict[str, Any]]:
        text, lang = text_of(tracker).strip(), turn_language(tracker)
        if not re.search(r"\w", text):
            send(dispatcher, tutor().say(learner_id(tracker), "basics.no_text", lang=lang))
        elif looks_like_question(text):
            return offer_events(answer_latest(dispatcher, tracker, lang), lang)
        else:
            send(dispatcher, tutor().help(learner_id(tracker), lang=lang))
        return [language_slot(lang)]


class ActionStoreFeedback(Action):
    """👍 / 👎 / ask a human, sent by every channel as `/give_feedback{"turn_id": "…", "feedback_value": "up"}`."""

    def name(self) -> str:
        return "action_store_feedback"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[dict[str, Any]]:
        entities, lang = entities_of(tracker), turn_language(tracker)
        send(dispatcher, tutor().feedback(learner_id(tracker), str(entities.get("turn_id") or ""),
                                          str(entities.get("feedback_value") or ""), lang=lang))
        return [language_slot(lang)]
