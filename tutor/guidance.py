"""What to learn next: recommendations with reasons, learning paths, the learner's profile, enrolments and
completions."""
from __future__ import annotations

import logging

from messages import LearningPath, Reply

from .outcome import Outcome
from .parts import DEFAULT_LANGUAGE, Parts, course_language
from .unsaved import STORE_ERRORS, unsaved
from .wording import Words, help_text, path_reply, recommendations_reply

log = logging.getLogger(__name__)

MAX_ROLE_CHARS = 60
MAX_GOAL_CHARS = 120


class Guidance:
    def __init__(self, parts: Parts) -> None:
        self.parts = parts

    def topics(self, learner: str, lang: str = "en") -> list[str]:
        """The titles of the ingested courses this learner is shown (Parts.readable_courses), those in the
        learner's language first, otherwise in catalogue order; [] before any ingest."""
        from retrieval import RetrievalError

        try:
            visible = self.parts.readable_courses(learner, lang)
            courses = [c for c in self.parts.catalogue().courses.values() if c.course_id in visible]
            return [c.title for c in sorted(courses, key=lambda c: course_language(c) != lang)]
        except (RetrievalError, OSError) as exc:
            log.warning("no course topics: %s", exc)
            return []

    def help(self, learner: str, w: Words) -> Outcome:
        """What the tutor does, with the topics of the courses actually ingested."""
        return Outcome([Reply(help_text(w, self.topics(learner, w.lang)))])

    def recommend(self, learner: str, w: Words) -> Outcome:
        profile, recs = self._recommendations(learner, w.lang)
        return Outcome([recommendations_reply(w, recs, bool(profile.role or profile.goals))])

    def _recommendations(self, learner: str, lang: str):
        profile = self.parts.profile(learner)
        readable = self.parts.readable_courses(learner, lang)
        own = self.parts.courses_in(readable, lang) if lang != DEFAULT_LANGUAGE else set()
        return profile, self.parts.recommender().recommend(profile, visible=readable, own_language=own)

    def _recommended(self, learner: str, course_id: str, lang: str) -> dict | None:
        """Whether the tutor recommends this course to the learner now: its rank and reason codes, else None. An
        enrolment in it is a recommendation taken (the 'experienced' learning record)."""
        try:
            recs = self._recommendations(learner, lang)[1]
        except Exception as exc:  # the enrolment stands without it; only the record of the recommendation is missing
            log.warning("could not tell whether the course was recommended: %s", exc)
            return None
        for rank, rec in enumerate(recs, 1):
            if rec.course.course_id == course_id:
                return {"rank": rank, "reasons": [reason.code for reason in rec.reasons]}
        return None

    def _target(self, learner: str, text: str, completed: set[str] | None = None):
        from recommender import resolve_target

        return resolve_target(self.parts.catalogue(), text, self.parts.embedder,
                              self.parts.settings.recommender.min_target_similarity, completed or set(),
                              self.parts.visible_courses(learner))

    def plan_path(self, learner: str, target_text: str, w: Words) -> Outcome:
        """The courses leading to a course or skill, in prerequisite order; an unknown target is said honestly."""
        from recommender import UnknownTarget, plan_path

        profile = self.parts.profile(learner)
        try:
            target = self._target(learner, target_text, profile.completed)
        except UnknownTarget as exc:
            text = w("path.unknown", target=exc.target, titles=exc.titles) if exc.target else w("path.which")
            return Outcome([LearningPath(text, found=False)])
        if target.course_id in profile.completed:
            return Outcome([Reply(w("path.already_done", title=target.title))])
        catalogue = self.parts.catalogue()
        path = plan_path(catalogue, target, profile.completed)
        return Outcome([path_reply(w, catalogue, path, self.parts.visible_courses(learner))])

    def set_profile(self, learner: str, w: Words, role: str | None = None, goals: str | None = None,
                    group: str | None = None) -> Outcome:
        """Merge what the learner told about themselves; `values` has the role and goals now known."""
        current = self.parts.records.profiles.profile(learner) or {}
        outcome = Outcome()
        fields = {k: v.strip() for k, v in (("role", role), ("goals", goals), ("group_name", group)) if v and v.strip()}
        if fields:
            try:
                current = self.parts.records.profiles.save_profile(learner, **fields)
            except STORE_ERRORS as exc:
                outcome.add(Reply(unsaved(w, learner, w("unsaved.profile"), exc)))
                current = {**current, **fields}
        outcome.values = {"role": current.get("role") or None, "goals": current.get("goals") or None}
        return outcome

    def check_role(self, learner: str, role: str, w: Words) -> Outcome:
        """A role given to the profile form: saved when it reads as one, else asked again (values["role"] None)."""
        role = role.strip(" .!")
        if not role or len(role) > MAX_ROLE_CHARS:
            return Outcome([Reply(w("profile.bad_role"))], values={"role": None})
        return self.set_profile(learner, w, role=role)

    def check_goal(self, learner: str, goal: str, w: Words) -> Outcome:
        goal = goal.strip(" .!")
        if not goal or len(goal) > MAX_GOAL_CHARS:
            return Outcome([Reply(w("profile.bad_goal"))], values={"goals": None})
        return self.set_profile(learner, w, goals=goal)

    def confirm_profile(self, learner: str, w: Words) -> Outcome:
        p = self.parts.records.profiles.profile(learner) or {}
        key = "profile.confirm_group" if p.get("group_name") else "profile.confirm"
        return Outcome([Reply(w(key, role=p.get("role"), goals=p.get("goals"), group=p.get("group_name")))])

    def set_course_status(self, learner: str, course_text: str, status: str, w: Words) -> Outcome:
        """'completed' or 'enrolled' for the course the learner named."""
        from recommender import UnknownTarget

        try:
            course = self._target(learner, course_text)
        except UnknownTarget:
            return Outcome([Reply(w("course.which_finished"))])
        profiles = self.parts.records.profiles
        records = self.parts.learning_records
        recommended = self._recommended(learner, course.course_id, w.lang) if status == "enrolled" else None

        def course_records(_: None) -> list[dict]:
            made = [records.statements.course_event("completed" if status == "completed" else "registered", learner,
                                                    course_id=course.course_id, title=course.title, lang=w.lang)]
            if recommended:
                made.append(records.statements.course_event("experienced", learner, course_id=course.course_id,
                                                            title=course.title, lang=w.lang, recommendation=recommended))
            return made

        try:
            records.record(learner, lambda: profiles.set_course_status(learner, course.course_id, status), course_records,
                           "set course status")
        except STORE_ERRORS as exc:
            what = w("unsaved.completed" if status == "completed" else "unsaved.enrolled", title=course.title)
            return Outcome([Reply(unsaved(w, learner, what, exc))])
        if status == "completed":
            return Outcome([Reply(w("course.finished", title=course.title))])
        catalogue = self.parts.catalogue()
        parts = [w("course.enrolled", title=course.title, minutes=course.duration_minutes)]
        unmet = catalogue.unmet_prerequisites(course.course_id, set(profiles.courses(learner, "completed")))
        if unmet:
            parts.append(w("course.builds_on", titles=[catalogue.courses[u].title for u in unmet]))
        if course.url:
            parts.append(w("course.start_here", url=course.url))
        return Outcome([Reply(w.sentences(*parts))])
