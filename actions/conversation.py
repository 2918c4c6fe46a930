"""The greeting (with due reviews) and yes/no to an offered quiz. The rest of the small talk (help, thanks,
goodbye…) is said by the dialogue engine itself from responses written from messages/ (no action server needed)."""
from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from messages import Reply
from tutor import Outcome

from .reading import intent_of, learner_id
from .runtime import send, tutor, words


class ActionGreet(Action):
    """Greets, and proposes due reviews when there are some."""

    def name(self) -> str:
        return "action_greet"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[dict[str, Any]]:
        send(dispatcher, tutor().greet(learner_id(tracker)))
        return []


class ActionRespondYesNo(Action):
    """Yes/no: accepts or declines the tutor's offer of a quiz; otherwise asks what else."""

    def name(self) -> str:
        return "action_respond_yes_no"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[dict[str, Any]]:
        intent, _ = intent_of(tracker)
        if tracker.get_slot("quiz_offered"):
            if intent == "affirm":
                return [FollowupAction("action_start_quiz_from_offer")]
            send(dispatcher, Outcome([Reply(words(tracker)("quiz.declined"))]))
            return [SlotSet("quiz_offered", False)]
        send(dispatcher, Outcome([Reply(words(tracker)("basics.anything_else"))]))
        return []
