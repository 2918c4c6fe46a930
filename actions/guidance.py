"""Recommendation, learning-path, profile and enrolment actions."""
from __future__ import annotations

from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from .parsing import COMPLETED, ENROL, course_named, parse_profile, path_target
from .reading import learner_id, text_of
from .runtime import LANGUAGE_SLOT, language_slot, send, turn_language, tutor


class ActionRecommendCourses(Action):
    def name(self) -> str:
        return "action_recommend_courses"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[dict[str, Any]]:
        lang = turn_language(tracker)
        send(dispatcher, tutor().recommend(learner_id(tracker), lang=lang))
        return [language_slot(lang)]


class ActionPlanPath(Action):
    def name(self) -> str:
        return "action_plan_path"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[dict[str, Any]]:
        lang = turn_language(tracker)
        send(dispatcher, tutor().plan_path(learner_id(tracker), path_target(text_of(tracker)), lang=lang))
        return [language_slot(lang)]


class ActionUpdateProfile(Action):
    """Reads role, goal and group from what the learner said; the profile form asks for what is missing."""

    def name(self) -> str:
        return "action_update_profile"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[dict[str, Any]]:
        found, lang = parse_profile(text_of(tracker)), turn_language(tracker)
        outcome = tutor().set_profile(learner_id(tracker), role=found.get("role"), goals=found.get("goals"),
                                      group=found.get("group_name"), lang=lang)
        send(dispatcher, outcome)
        return [language_slot(lang), SlotSet("profile_role", outcome.values["role"]),
                SlotSet("profile_goal", outcome.values["goals"])]


class ValidateProfileForm(FormValidationAction):
    def name(self) -> str:
        return "validate_profile_form"

    async def validate_profile_role(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                    domain: dict[str, Any]) -> dict[str, Any]:
        lang = turn_language(tracker)
        outcome = tutor().set_role(learner_id(tracker), parse_profile(str(value)).get("role") or str(value or ""), lang=lang)
        send(dispatcher, outcome)
        return {"profile_role": outcome.values["role"], LANGUAGE_SLOT: lang}

    async def validate_profile_goal(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                    domain: dict[str, Any]) -> dict[str, Any]:
        lang = turn_language(tracker)
        outcome = tutor().set_goal(learner_id(tracker), parse_profile(str(value)).get("goals") or str(value or ""), lang=lang)
        send(dispatcher, outcome)
        return {"profile_goal": outcome.values["goals"], LANGUAGE_SLOT: lang}


class ActionConfirmProfile(Action):
    def name(self) -> str:
        return "action_confirm_profile"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[dict[str, Any]]:
        lang = turn_language(tracker)
        send(dispatcher, tutor().confirm_profile(learner_id(tracker), lang=lang))
        return [language_slot(lang)]


class ActionMarkCompleted(Action):
    """'I finished X' records a completion."""

    def name(self) -> str:
        return "action_mark_completed"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[dict[str, Any]]:
        lang = turn_language(tracker)
        send(dispatcher, tutor().complete_course(learner_id(tracker), course_named(text_of(tracker), COMPLETED), lang=lang))
        return [language_slot(lang)]


class ActionEnrol(Action):
    """'enrol me in X' records an enrolment."""

    def name(self) -> str:
        return "action_enrol"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[dict[str, Any]]:
        lang = turn_language(tracker)
        send(dispatcher, tutor().enrol(learner_id(tracker), course_named(text_of(tracker), ENROL), lang=lang))
        return [language_slot(lang)]
