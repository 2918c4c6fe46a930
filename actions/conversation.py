"""The greeting (with due reviews), help (both naming the ingested courses' topics) and yes/no to an offered quiz.
The rest of the small talk (thanks, goodbye…) is said by the dialogue engine itself from responses written from
messages/ (no action server needed)."""
from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from .answer import answer_latest, offer_events
from .parsing import is_short_reply
from .reading import intent_of, learner_id, text_of
from .runtime import language_slot, send, turn_language, tutor


class ActionGreet(Action):
    """Greets, and proposes due reviews when there are some."""

    def name(self) -> str:
        return "action_greet"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[dict[str, Any]]:
        lang = turn_language(tracker)
        send(dispatcher, tutor().greet(learner_id(tracker), lang=lang))
        return [language_slot(lang)]


class ActionHelp(Action):
    """What the tutor does, naming the topics of the courses actually ingested."""

    def name(self) -> str:
        return "action_help"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[dict[str, Any]]:
        lang = turn_language(tracker)
        send(dispatcher, tutor().help(learner_id(tracker), lang=lang))
        return [language_slot(lang)]


class ActionRespondYesNo(Action):
    """Yes/no: accepts or declines the tutor's offer of a quiz; otherwise asks what else. Only a short reply is a
    yes or no: anything longer is answered as a question."""

    def name(self) -> str:
        return "action_respond_yes_no"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[dict[str, Any]]:
        intent, _ = intent_of(tracker)
        learner, lang = learner_id(tracker), turn_language(tracker)
        if not is_short_reply(text_of(tracker)):
            # "don't we get paid for overtime?" is a question, whatever an offer was pending.
            return offer_events(answer_latest(dispatcher, tracker, lang), lang)
        if tracker.get_slot("quiz_offered"):
            if intent == "affirm":
                return [language_slot(lang), FollowupAction("action_start_quiz_from_offer")]
            send(dispatcher, tutor().say(learner, "quiz.declined", lang=lang))
            return [language_slot(lang), SlotSet("quiz_offered", False)]
        send(dispatcher, tutor().say(learner, "basics.anything_else", lang=lang))
        return [language_slot(lang)]


class ActionWeeklySummary(Action):
    """"What did I do this week?": the learner's last 7 days (Tutor.weekly_summary)."""

    def name(self) -> str:
        return "action_weekly_summary"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[dict[str, Any]]:
        lang = turn_language(tracker)
        send(dispatcher, tutor().weekly_summary(learner_id(tracker), lang=lang))
        return [language_slot(lang)]
