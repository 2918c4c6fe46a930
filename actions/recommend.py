"""Recommendation, learning-path and profile actions."""
from __future__ import annotations

import logging
import re
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import SlotSet

from recommender import RecommenderError, plan_path, resolve_target

from . import services
from .identity import learner_id
from .storage import STORE_ERRORS, report_unsaved

log = logging.getLogger(__name__)

_ROLE = re.compile(r"\b(?:i'?m|i am|i work as|my role is|working as)\s+(?:an?\s+|the\s+)?(?!in\b|on\b|part\b|at\b)(?P<role>[a-z][a-z /&-]{2,40}?)"
                   r"(?=\s+(?:aiming|who|and|looking|trying|wanting|hoping|with|in|at|on)\b|[,.!]|$)", re.IGNORECASE)
_GOAL = re.compile(r"\b(?:aiming (?:for|to)|want to (?:become|be|learn|get)|wanting to (?:become|be)|hoping to (?:become|be)|"
                   r"trying to (?:become|be)|my goal is(?: to)?|goal:|to become)\s+(?:an?\s+|the\s+)?(?P<goal>[^.,!?]{2,80})", re.IGNORECASE)
_GROUP = re.compile(r"\b(?:in|on|part of) the (?P<group>[a-z][a-z &-]{2,30}?) (?:team|group|department)\b", re.IGNORECASE)
_PATH_PATTERNS = [
    re.compile(r"\b(?:path|route|roadmap|way)\s+(?:to|for|towards?|into)\s+(?P<t>.+)$", re.IGNORECASE),
    re.compile(r"\bplan\s+(?:for\s+|to\s+)?(?:me\s+)?(?P<t>.+)$", re.IGNORECASE),
    re.compile(r"\b(?:become|get to|reach|work towards?|learn|take)\s+(?P<t>.+)$", re.IGNORECASE),
]
_TRAILING = re.compile(r"\s*(?:[—–:;,-]|\bwhere\b|\bhow\b|\bwhat\b).*$", re.IGNORECASE)
_ENROL = re.compile(r"\b(?:enrol|enroll|sign|register|add)\s+(?:me\s+)?(?:up\s+)?(?:in|for|on|to)?\s*(?:the\s+)?(?P<course>[^.!?]+?)(?:\s+course)?[.!?]*$", re.IGNORECASE)
_COMPLETED = re.compile(r"\b(?:finished|completed|done with|passed|took)\s+(?:the\s+)?(?P<course>[^.!?]+?)(?:\s+course)?[.!?]*$", re.IGNORECASE)


def parse_profile(text: str) -> dict[str, str]:
    found = {}
    for key, pattern in (("role", _ROLE), ("goals", _GOAL), ("group_name", _GROUP)):
        match = pattern.search(text or "")
        if match:
            found[key] = match.group(match.lastgroup).strip()
    return found


def path_target(text: str) -> str:
    """'plan my path to Advanced SQL' -> 'Advanced SQL'; 'I want to become a data analyst — where do I start?'
    -> 'data analyst'."""
    for pattern in _PATH_PATTERNS:
        match = pattern.search(text or "")
        if match:
            target = _TRAILING.sub("", match.group("t"))
            return re.sub(r"^(?:an?|the|my)\s+", "", target.strip(" ?.!"), flags=re.IGNORECASE)
    return (text or "").strip(" ?.!")


def render_recommendations(recs) -> str:
    lines = ["Here's what I'd take next:"]
    for i, rec in enumerate(recs, 1):
        c = rec.course
        lines.append(f"{i}. {c.title} ({c.duration_minutes} min, {c.level}) — {'; '.join(rec.reasons)}")
    return "\n".join(lines)


class ActionRecommendCourses(Action):
    def name(self) -> str:
        return "action_recommend_courses"

    async def run(self, dispatcher, tracker: Tracker, domain) -> list[dict[str, Any]]:
        profile = services.learner_profile(learner_id(tracker))
        recs = services.recommender().recommend(profile, visible=services.allowed_courses(learner_id(tracker)))
        if not recs:
            dispatcher.utter_message(text="You've completed every course in the catalogue — impressive! Ask me anything to keep it fresh.")
            return []
        text = render_recommendations(recs)
        if not (profile.role or profile.goals):
            text += "\nTell me your role and goal (e.g. “I'm a data analyst aiming for team lead”) and I'll tailor this."
        first = recs[0].course.title
        buttons = [{"title": f"Enrol in {first}", "payload": f"enrol me in {first}"},
                   {"title": f"Quiz me on {first}", "payload": f"quiz me on {first}"},
                   {"title": f"Plan my path to {first}", "payload": f"plan my path to {first}"}]
        payload = {"type": "recommendations", "items": [
            {"course_id": r.course.course_id, "title": r.course.title, "url": r.course.url, "reasons": r.reasons,
             "unmet_prerequisites": r.unmet_prerequisites, "score": r.score} for r in recs]}
        dispatcher.utter_message(text=text, buttons=buttons, json_message=payload)
        return []


class ActionPlanPath(Action):
    def name(self) -> str:
        return "action_plan_path"

    async def run(self, dispatcher, tracker: Tracker, domain) -> list[dict[str, Any]]:
        text = tracker.latest_message.get("text") or ""
        profile = services.learner_profile(learner_id(tracker))
        catalogue = services.catalogue()
        try:
            visible = services.allowed_courses(learner_id(tracker))
            target = resolve_target(catalogue, path_target(text), services.answer_chain().embedder,
                                    services.settings().recommender.min_target_similarity, profile.completed, visible)
        except RecommenderError as exc:
            dispatcher.utter_message(text=str(exc), json_message={"type": "path", "found": False})
            return []
        path = plan_path(catalogue, target, profile.completed)

        def title(course_id: str) -> str:
            return catalogue.courses[course_id].title if course_id in visible else "a course for another team (ask your trainer)"

        if target.course_id in profile.completed:
            dispatcher.utter_message(text=f"You've already completed {target.title}.")
            return []
        lines = [f"Your path to {target.title} ({len(path.steps)} course{'s' if len(path.steps) != 1 else ''}, {path.total_minutes} min in total):"]
        for i, course in enumerate(path.steps, 1):
            needs = catalogue.unmet_prerequisites(course.course_id, set())
            after = f" — after {', '.join(title(n) for n in needs)}" if needs else ""
            lines.append(f"{i}. {title(course.course_id)} ({course.duration_minutes} min){after}")
        if path.already_done:
            lines.append("Already done: " + ", ".join(c.title for c in path.already_done))
        dispatcher.utter_message(text="\n".join(lines), json_message={"type": "path", "found": True, "target": target.course_id,
                                 "steps": [c.course_id for c in path.steps], "total_minutes": path.total_minutes})
        return []


class ActionUpdateProfile(Action):
    """Reads role, goal and group from what the learner said; the profile form asks for what is missing."""

    def name(self) -> str:
        return "action_update_profile"

    async def run(self, dispatcher, tracker: Tracker, domain) -> list[dict[str, Any]]:
        found = parse_profile(tracker.latest_message.get("text") or "")
        current = services.profile_store().profile(learner_id(tracker)) or {}
        if found:
            try:
                services.profile_store().save_profile(learner_id(tracker), **found)
            except STORE_ERRORS as exc:
                report_unsaved(dispatcher, tracker, "your profile", exc)
        role = found.get("role") or current.get("role") or None
        goals = found.get("goals") or current.get("goals") or None
        return [SlotSet("profile_role", role), SlotSet("profile_goal", goals)]


class ValidateProfileForm(FormValidationAction):
    def name(self) -> str:
        return "validate_profile_form"

    async def validate_profile_role(self, value, dispatcher, tracker, domain) -> dict[str, Any]:
        role = (parse_profile(str(value)).get("role") or str(value or "")).strip(" .!")
        if not role or len(role) > 60:
            dispatcher.utter_message(text="Please tell me your role in a few words, e.g. “sales manager”.")
            return {"profile_role": None}
        services.profile_store().save_profile(learner_id(tracker), role=role)
        return {"profile_role": role}

    async def validate_profile_goal(self, value, dispatcher, tracker, domain) -> dict[str, Any]:
        goal = (parse_profile(str(value)).get("goals") or str(value or "")).strip(" .!")
        if not goal or len(goal) > 120:
            dispatcher.utter_message(text="What would you like to get better at or become? A few words is enough.")
            return {"profile_goal": None}
        services.profile_store().save_profile(learner_id(tracker), goals=goal)
        return {"profile_goal": goal}


class ActionConfirmProfile(Action):
    def name(self) -> str:
        return "action_confirm_profile"

    async def run(self, dispatcher, tracker: Tracker, domain) -> list[dict[str, Any]]:
        p = services.profile_store().profile(learner_id(tracker)) or {}
        group = f", in {p['group_name']}" if p.get("group_name") else ""
        dispatcher.utter_message(text=f"Got it — you're a {p.get('role')} aiming for {p.get('goals')}{group}. "
                                      "I'll remember that. Ask “what should I learn next?” for suggestions.")
        return []


class ActionMarkCompleted(Action):
    """'I finished X' records a completion; 'enrol me in X' (action_enrol) an enrolment."""

    status, pattern = "completed", _COMPLETED

    def name(self) -> str:
        return "action_mark_completed"

    async def run(self, dispatcher, tracker: Tracker, domain) -> list[dict[str, Any]]:
        text = tracker.latest_message.get("text") or ""
        match = self.pattern.search(text)
        catalogue = services.catalogue()
        try:
            course = resolve_target(catalogue, match.group("course") if match else text, services.answer_chain().embedder,
                                    services.settings().recommender.min_target_similarity,
                                    visible=services.allowed_courses(learner_id(tracker)))
        except RecommenderError:
            dispatcher.utter_message(text="Which course did you finish? Use its title, e.g. “I finished SQL for Analysts”.")
            return []
        try:
            services.profile_store().set_course_status(learner_id(tracker), course.course_id, self.status)
        except STORE_ERRORS as exc:
            report_unsaved(dispatcher, tracker, f"that you {'finished' if self.status == 'completed' else 'enrolled in'} {course.title}", exc)
            return []
        if self.status == "completed":
            dispatcher.utter_message(text=f"Well done on finishing {course.title}! I've noted it.")
        else:
            unmet = services.catalogue().unmet_prerequisites(course.course_id, set(services.profile_store().courses(learner_id(tracker))))
            note = f" It builds on {', '.join(services.catalogue().courses[u].title for u in unmet)}, which you haven't finished yet." if unmet else ""
            link = f" Start here: {course.url}" if course.url else ""
            dispatcher.utter_message(text=f"You're enrolled in {course.title} ({course.duration_minutes} min).{note}{link}")
        return []


class ActionEnrol(ActionMarkCompleted):
    status, pattern = "enrolled", _ENROL

    def name(self) -> str:
        return "action_enrol"
