"""The verbs and activity types the tutor's statements use: ADL's xAPI vocabulary where it has the word, the
community registry (id.tincanapi.com) where it does not."""
from __future__ import annotations

ADL = "http://adlnet.gov/expapi/verbs/"
ADL_ACTIVITIES = "http://adlnet.gov/expapi/activities/"

VERBS: dict[str, str] = {
    "asked": ADL + "asked",  # a question to the tutor, about the courses
    "answered": ADL + "answered",  # a quiz item, graded
    "attempted": ADL + "attempted",  # a quiz item shown and skipped
    "passed": ADL + "passed",  # a quiz, at or above lrs.quiz_pass_score
    "failed": ADL + "failed",  # a quiz, below it
    "completed": ADL + "completed",  # a course the learner said they finished
    "registered": ADL + "registered",  # a course the learner enrolled in
    "progressed": ADL + "progressed",  # a skill's mastery after a quiz answer
    "experienced": ADL + "experienced",  # a course taken from the tutor's recommendations
    "rated": "http://id.tincanapi.com/verb/rated",  # the learner's feedback on an answer
}

ACTIVITY_TYPES: dict[str, str] = {
    "course": ADL_ACTIVITIES + "course",
    "section": ADL_ACTIVITIES + "module",
    "question": ADL_ACTIVITIES + "cmi.interaction",
    "quiz": ADL_ACTIVITIES + "assessment",
    "skill": ADL_ACTIVITIES + "objective",
    "inquiry": ADL_ACTIVITIES + "question",  # what a learner asked the tutor
}


def verb(name: str) -> dict:
    """The statement's verb object for one of VERBS."""
    return {"id": VERBS[name], "display": {"en-US": name}}


def verb_name(verb_id: str) -> str:
    """The short name of a verb IRI (its last path segment), for lists and counts."""
    return verb_id.rstrip("/").rsplit("/", 1)[-1]
