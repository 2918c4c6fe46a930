"""The learner's weekly summary: what they asked (how many questions, the courses cited most), what they mastered
(skills whose mastery crossed MASTERED this week, and how mastery moved), what is due for review (now and in the
next days, from the FSRS cards) and the next step (the due review, else the top recommendation).

Mastery a week ago is not stored: it is replayed from the attempts with the same BKT update the quiz uses, so
"this week" needs no extra table and agrees with the mastery the quiz records.
"""
from __future__ import annotations

import logging
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Callable

from messages import Reply

from .outcome import Outcome
from .parts import Parts
from .unsaved import STORE_ERRORS
from .wording import Words, skill_name

log = logging.getLogger(__name__)

WEEK_S = 7 * 86400
SOON_S = 3 * 86400
MASTERED = 0.9  # the "mastered" band of the progress reply (wording.mastery_words)
TOP_COURSES = 3
TOP_CHANGES = 4


@dataclass
class Week:
    """What a learner did in the last 7 days; the numbers the summary is worded from."""

    asked: int = 0
    courses: list[str] = field(default_factory=list)  # titles cited most, most first
    answered: int = 0
    correct: int = 0
    mastered: list[str] = field(default_factory=list)
    changes: list[tuple[str, float, float]] = field(default_factory=list)  # (skill, a week ago, now)
    due_now: int = 0
    due_soon: int = 0

    @property
    def active(self) -> bool:
        return bool(self.asked or self.answered)

    def as_values(self) -> dict[str, Any]:
        return {"asked": self.asked, "courses": self.courses, "answered": self.answered, "correct": self.correct,
                "mastered": self.mastered, "changes": [{"skill": s, "before": round(b, 3), "after": round(a, 3)} for s, b, a in self.changes],
                "due_now": self.due_now, "due_soon": self.due_soon}


def mastery_step(settings) -> Callable[[float | None, bool], float]:
    """The quiz's BKT update with the settings' parameters: mastery after one answer, from the mastery before it
    (None: a skill never practised). Replaying it over a learner's attempts gives their mastery at any time."""
    from assessment import BKTParams, update_mastery

    a = settings.assessment
    params = BKTParams(a.bkt_p_init, a.bkt_p_learn, a.bkt_p_slip, a.bkt_p_guess)
    return lambda before, correct: update_mastery(params.p_init if before is None else before, correct, params)


def mastery_at(attempts: list[dict[str, Any]], until: float, step) -> dict[str, float]:
    """Mastery per skill after the attempts made before `until` (a skip counts as wrong, as the quiz records it)."""
    found: dict[str, float] = {}
    for a in attempts:
        if a["created"] >= until:
            break
        found[a["skill"]] = step(found.get(a["skill"]), bool(a["correct"]) and not a["skipped"])
    return found


def week_of(reports, learner: str, step, p_init: float, now: float) -> Week:
    """The learner's last 7 days from the store (store.Reports); `step` is mastery_step's update, `p_init` the
    mastery of a skill never practised."""
    since = now - WEEK_S
    turns = reports.questions_since(learner, since)
    cited = Counter(title or course for t in turns for course, title in t["courses"][:1] if course)
    attempts = reports.attempts_of(learner)
    recent = [a for a in attempts if a["created"] >= since]
    before, after = mastery_at(attempts, since, step), mastery_at(attempts, now + 1, step)
    changed = sorted({a["skill"] for a in recent}, key=lambda s: -abs(after[s] - before.get(s, p_init)))
    due = reports.cards_due(learner, now + SOON_S)
    return Week(asked=len(turns), courses=[c for c, _ in cited.most_common(TOP_COURSES)],
                answered=sum(1 for a in recent if not a["skipped"]), correct=sum(1 for a in recent if a["correct"] and not a["skipped"]),
                mastered=sorted(s for s in changed if before.get(s, p_init) < MASTERED <= after[s]),
                changes=[(s, before.get(s, p_init), after[s]) for s in changed[:TOP_CHANGES]],
                due_now=sum(1 for d in due if d <= now), due_soon=sum(1 for d in due if d > now))


class WeeklySummary:
    """Tutor.weekly_summary and the greeting's short line; `next_course` gives the title of the top recommendation
    (or None), so the summary's next step is the recommender's."""

    def __init__(self, parts: Parts, next_course: Callable[[str, str], str | None], clock: Callable[[], float] = time.time) -> None:
        self.parts = parts
        self.next_course = next_course
        self.clock = clock

    def week(self, learner: str) -> Week:
        from store import Reports

        settings = self.parts.settings
        return week_of(Reports(self.parts.records.db), learner, mastery_step(settings), settings.assessment.bkt_p_init, self.clock())

    def summary(self, learner: str, w: Words) -> Outcome:
        week = self.week(learner)
        if not week.active and not week.due_now:
            return Outcome([Reply(w("week.none"))], values={"week": week.as_values()})
        lines = [w("week.head")]
        if week.asked:
            lines.append(w("week.asked_topics", count=week.asked, titles=week.courses) if week.courses else w("week.asked", count=week.asked))
        if week.answered:
            lines.append(w("week.quiz", count=week.answered, correct=week.correct))
        if week.mastered:
            lines.append(w("week.mastered", skills=[skill_name(s) for s in week.mastered]))
        if week.changes:
            lines.append(w("week.changes", changes=[w("week.change", skill=skill_name(s), before=b, after=a) for s, b, a in week.changes]))
        if week.due_now:
            soon = w("week.due_soon", count=week.due_soon) if week.due_soon else ""
            lines.append(w("week.due", count=week.due_now, soon=soon))
        elif week.due_soon:
            lines.append(w("week.only_soon", count=week.due_soon))
        lines.append(self._next_step(learner, week, w))
        return Outcome([Reply("\n".join(lines))], values={"week": week.as_values()})

    def _next_step(self, learner: str, week: Week, w: Words) -> str:
        if week.due_now:
            return w("week.next_review")
        try:
            title = self.next_course(learner, w.lang)
        except Exception as exc:  # the summary stands without it
            log.warning("no recommendation for the weekly summary: %s", exc)
            title = None
        return w("week.next_course", titles=[title]) if title else w("week.next_quiz")

    def greeting_line(self, learner: str, w: Words) -> str:
        """One short line for the greeting when the learner was active in the last 7 days, else ''."""
        try:
            week = self.week(learner)
        except STORE_ERRORS as exc:
            log.warning("no weekly line in the greeting: %s", exc)
            return ""
        if not week.active:
            return ""
        return w("week.greeting", asked=week.asked, answered=week.answered, mastered=len(week.mastered))
