"""xAPI 1.0.3 statements for what happens in the tutor, built from plain values (the Tutor core passes what it
recorded). Each statement gets its UUID here, once: the outbox keeps it, so a statement sent twice is the same
statement and the LRS stores it once.

Learners are named as the settings say (`lrs.actor`), never by what they typed; their own words (questions,
free-text answers) go into statements only with `lrs.send_text`.
"""
from __future__ import annotations

import uuid
from datetime import datetime, timezone
from typing import Any, Sequence
from urllib.parse import quote

from store import pseudonym

from .settings import LrsSettings
from .verbs import ACTIVITY_TYPES, verb

PLATFORM = "Workplace Tutor"
LANGUAGE_MAP_DEFAULT = "en"


def now_timestamp() -> str:
    """The current time as xAPI wants it: ISO 8601 in UTC, milliseconds, 'Z'."""
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def iso_duration(seconds: float) -> str:
    """Seconds as an ISO 8601 duration ('PT12.5S'), never in exponent notation."""
    text = f"{max(0.0, seconds):.3f}".rstrip("0").rstrip(".")
    return f"PT{text}S"


def registration_of(session_id: str) -> str | None:
    """A quiz session id (32 hex digits) in the UUID form xAPI's context.registration needs; None otherwise."""
    try:
        return str(uuid.UUID(hex=session_id))
    except (ValueError, TypeError):
        return None


class StatementBuilder:
    """Builds statements for one tutor's settings (`lrs` section); stateless and thread-safe."""

    def __init__(self, settings: LrsSettings) -> None:
        self.settings = settings
        self.base = settings.activity_base

    # Parts shared by every statement
    def actor(self, learner: str) -> dict[str, Any]:
        """The learner as `lrs.actor` says: an account with their pseudonym, their e-mail, or their company account."""
        mode = self.settings.actor
        if mode == "mbox":
            address = learner[len("mailto:"):] if learner.startswith("mailto:") else learner
            return {"objectType": "Agent", "mbox": f"mailto:{address}"}
        if mode == "account":
            return {"objectType": "Agent", "account": {"homePage": self.settings.account_home_page, "name": learner}}
        return {"objectType": "Agent", "account": {"homePage": self.base, "name": pseudonym(learner)}}

    def extension(self, name: str) -> str:
        return f"{self.base}/xapi/extensions/{name}"

    def activity(self, kind: str, path: str, name: str = "", lang: str = LANGUAGE_MAP_DEFAULT, **definition: Any) -> dict:
        found = {"type": ACTIVITY_TYPES[kind], **definition}
        if name:
            found["name"] = {lang or LANGUAGE_MAP_DEFAULT: name}
        return {"objectType": "Activity", "id": f"{self.base}/{path}", "definition": found}

    def course(self, course_id: str, title: str = "", lang: str = LANGUAGE_MAP_DEFAULT) -> dict:
        return self.activity("course", f"courses/{quote(course_id, safe='')}", title, lang)

    def section(self, course_id: str, section: str, label: str, lang: str = LANGUAGE_MAP_DEFAULT) -> dict:
        return self.activity("section", f"courses/{quote(course_id, safe='')}/sections/{quote(section, safe='')}", label, lang)

    def quiz(self, session_id: str) -> dict:
        return self.activity("quiz", f"quizzes/{session_id}", "Quiz")

    def inquiry(self, turn_id: str, text: str = "", lang: str = LANGUAGE_MAP_DEFAULT) -> dict:
        return self.activity("inquiry", f"inquiries/{turn_id}", text if self.settings.send_text else "", lang)

    def _statement(self, name: str, learner: str, obj: dict, lang: str, *, result: dict | None = None,
                   context: dict | None = None) -> dict[str, Any]:
        context = {"platform": PLATFORM, **({"language": lang} if lang else {}), **(context or {})}
        statement = {"id": str(uuid.uuid4()), "actor": self.actor(learner), "verb": verb(name), "object": obj,
                     "context": context, "timestamp": now_timestamp(), "version": "1.0.3"}
        if result:
            statement["result"] = result
        return statement

    # One method per thing that happens
    def asked(self, learner: str, turn_id: str, *, answered: bool, text: str = "", course: dict | None = None,
              lang: str = "", channel: str = "", mode: str = "", confidence: float = 0.0) -> dict:
        """The learner asked the tutor a question; `course` is the first citation (course_id, title, section) of the
        answer, `answered` False when the tutor said the courses do not cover it."""
        activities: dict[str, list] = {}
        if course and course.get("course_id"):
            cid, title, section = course["course_id"], course.get("title", ""), course.get("section", "")
            activities["grouping"] = [self.course(cid, title, lang)]
            if section:
                activities["parent"] = [self.section(cid, section, f"{title} › {section}" if title else section, lang)]
        extensions = {self.extension("mode"): mode or "", self.extension("confidence"): round(float(confidence), 4)}
        if channel:
            extensions[self.extension("channel")] = channel
        context = {"extensions": extensions, **({"contextActivities": activities} if activities else {})}
        return self._statement("asked", learner, self.inquiry(turn_id, text, lang), lang,
                               result={"success": bool(answered), "completion": True}, context=context)

    def quiz_item(self, learner: str, *, question: dict, session_id: str, correct: bool, skipped: bool, score: float,
                  latency_ms: float, hinted: bool, response: str | None = None, lang: str = "") -> dict:
        """A quiz question answered ('answered', graded) or skipped ('attempted'). `response` is the choice's index
        for a multiple-choice question, else the learner's text (only sent with lrs.send_text)."""
        options: Sequence[str] = question.get("options") or []
        definition: dict[str, Any] = {"interactionType": "choice" if question.get("kind") == "mcq" else "fill-in"}
        if definition["interactionType"] == "choice" and options:
            definition["choices"] = [{"id": str(i), "description": {lang or LANGUAGE_MAP_DEFAULT: str(o)}}
                                     for i, o in enumerate(options)]
            if question.get("answer") in options:
                definition["correctResponsesPattern"] = [str(list(options).index(question["answer"]))]
        obj = self.activity("question", f"questions/{quote(str(question['question_id']), safe='')}",
                            str(question.get("prompt") or ""), lang, **definition)
        if skipped:
            result: dict[str, Any] = {"completion": False, "success": False}
        else:
            scaled = min(1.0, max(0.0, float(score)))
            result = {"completion": True, "success": bool(correct), "duration": iso_duration(latency_ms / 1000),
                      "score": {"scaled": round(scaled, 4), "raw": round(scaled, 4), "min": 0, "max": 1}}
            if response is not None and (definition["interactionType"] == "choice" or self.settings.send_text):
                result["response"] = response
        result["extensions"] = {self.extension("hinted"): bool(hinted)}
        return self._statement("attempted" if skipped else "answered", learner, obj, lang, result=result,
                               context=self._quiz_context(session_id, question, lang))

    def _quiz_context(self, session_id: str, question: dict | None, lang: str, in_quiz: bool = True) -> dict:
        activities: dict[str, list] = {"parent": [self.quiz(session_id)]} if in_quiz else {}
        if question and question.get("course_id"):
            activities["grouping"] = [self.course(question["course_id"], question.get("course_title", ""), lang)]
        context: dict[str, Any] = {"contextActivities": activities} if activities else {}
        registration = registration_of(session_id)
        if registration:
            context["registration"] = registration
        return context

    def progressed(self, learner: str, *, skill: str, before: float | None, after: float, session_id: str,
                   question: dict | None = None, lang: str = "") -> dict:
        """A skill's mastery (probability the learner knows it) after a quiz answer; `before` None for a first one."""
        obj = self.activity("skill", f"skills/{quote(skill, safe='')}", skill)
        result: dict[str, Any] = {"score": {"scaled": round(min(1.0, max(0.0, float(after))), 4)}}
        if before is not None:
            result["extensions"] = {self.extension("mastery-before"): round(float(before), 4)}
        return self._statement("progressed", learner, obj, lang, result=result,
                               context=self._quiz_context(session_id, question, lang))

    def quiz_result(self, learner: str, *, session_id: str, correct: int, total: int, seconds: float,
                    course: dict | None = None, lang: str = "") -> dict:
        """A finished quiz: 'passed' at or above lrs.quiz_pass_score, else 'failed'."""
        total = max(1, int(total))
        share = min(1.0, max(0.0, correct / total))
        passed = share >= self.settings.quiz_pass_score
        result = {"success": passed, "completion": True, "duration": iso_duration(seconds),
                  "score": {"scaled": round(share, 4), "raw": int(correct), "min": 0, "max": total}}
        return self._statement("passed" if passed else "failed", learner, self.quiz(session_id), lang, result=result,
                               context=self._quiz_context(session_id, course, lang, in_quiz=False))

    def course_event(self, name: str, learner: str, *, course_id: str, title: str = "", lang: str = "",
                     recommendation: dict | None = None) -> dict:
        """'registered' (enrolled), 'completed' (finished) or 'experienced' (taken from the tutor's recommendations;
        `recommendation` holds its rank and reason codes)."""
        context: dict[str, Any] = {}
        if recommendation:
            context["extensions"] = {self.extension("recommendation-rank"): int(recommendation.get("rank", 0)),
                                     self.extension("recommendation-reasons"): list(recommendation.get("reasons", []))}
        result = {"completion": True} if name == "completed" else None
        return self._statement(name, learner, self.course(course_id, title, lang), lang, result=result, context=context)

    def rated(self, learner: str, *, turn_id: str, value: str, lang: str = "") -> dict:
        """The learner's feedback on an answer: 'up' (+1), 'down' (-1) or 'human' (asked for a trainer)."""
        result: dict[str, Any] = {"response": value}
        if value in ("up", "down"):
            raw = 1 if value == "up" else -1
            result["score"] = {"scaled": raw, "raw": raw, "min": -1, "max": 1}
        return self._statement("rated", learner, self.inquiry(turn_id, lang=lang), lang, result=result)
