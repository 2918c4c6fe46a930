"""Learning paths: resolve what the learner asked for (a course or a skill) and plan the prerequisite-ordered
sequence of courses to get there."""
from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from .catalogue import Catalogue, Course
from .errors import UnknownTarget


@dataclass
class LearningPath:
    target: Course
    steps: list[Course]
    already_done: list[Course]

    @property
    def total_minutes(self) -> int:
        return sum(c.duration_minutes for c in self.steps)


def _normal(text: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9 ]", " ", text.lower()).split())


def resolve_target(catalogue: Catalogue, text: str, embedder, min_similarity: float, completed: set[str] = frozenset(),
                   visible: set[str] | None = None) -> Course:
    """A course by id or title, else by similarity to course titles and skills; UnknownTarget when nothing is
    close. With `visible` (course audiences), other courses are treated as if the catalogue did not have them."""
    wanted = _normal(text)
    if not wanted:
        raise UnknownTarget("", [])
    shown = {cid: c for cid, c in catalogue.courses.items() if visible is None or cid in visible}
    unknown = UnknownTarget(text, sorted(c.title for c in shown.values()))
    for course in catalogue.courses.values():
        if wanted in (_normal(course.course_id), _normal(course.title)):
            if course.course_id not in shown:
                raise unknown
            return course
    if not shown:
        raise unknown
    ids = list(shown)
    labels = [f"{catalogue.courses[c].title}: {', '.join(s.replace('-', ' ') for s in catalogue.courses[c].skills)}" for c in ids]
    vectors = embedder.embed([text, *labels])
    sims = vectors[1:] @ vectors[0]
    best = int(np.argmax(sims))
    if float(sims[best]) < min_similarity:
        raise unknown
    return catalogue.courses[ids[best]]


def plan_path(catalogue: Catalogue, target: Course, completed: set[str]) -> LearningPath:
    order = catalogue.path_to(target.course_id, completed)
    done = [catalogue.courses[a] for a in sorted(catalogue.path_to(target.course_id, set())) if a in completed]
    return LearningPath(target, [catalogue.courses[c] for c in order], done)
