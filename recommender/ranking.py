"""Hybrid ranking: goals and role (content similarity), skill gaps (mastery), interest (questions asked),
colleagues (item-item collaborative filtering with `implicit`), popularity, required trainings and
prerequisite feasibility, then a diversity pass. Every recommendation carries its reasons."""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np

from .catalogue import Catalogue, Course
from .settings import RecommenderSettings

log = logging.getLogger(__name__)


@dataclass
class LearnerProfile:
    learner: str
    role: str = ""
    goals: str = ""
    group: str = ""
    completed: set[str] = field(default_factory=set)
    mastery: dict[str, dict[str, float]] = field(default_factory=dict)  # skill -> {p_mastery, attempts, correct}
    asked: dict[str, int] = field(default_factory=dict)  # course_id -> questions answered from it
    since: float = 0.0  # when the learner's profile was created (Unix seconds); due dates count from it


@dataclass
class Reason:
    """Why a course is recommended, by code with its values; the shells word it. Codes: required (who),
    required_overdue (who), required_due (who, count: days), gap (skill, score), goal (goal), asked (count),
    colleagues_role, colleagues, popular, starting_point (level), prerequisites (titles)."""

    code: str
    values: dict[str, Any] = field(default_factory=dict)


@dataclass
class Recommendation:
    course: Course
    score: float
    reasons: list[Reason]
    unmet_prerequisites: list[str]


def _norm(role: str) -> str:
    return role.lower().strip().rstrip("s")


class Recommender:
    def __init__(self, catalogue: Catalogue, embedder, settings: RecommenderSettings,
                 enrolments: Sequence[dict[str, Any]] = ()) -> None:
        self.catalogue = catalogue
        self.embedder = embedder
        self.settings = settings
        self.enrolments = list(enrolments)
        ids = list(catalogue.courses)
        self._ids = ids
        self._vectors = embedder.embed([catalogue.courses[c].description() for c in ids]) if ids else np.zeros((0, 1))
        self._popularity = self._count_popularity()
        self._cf = self._fit_cf()

    def _count_popularity(self) -> dict[str, float]:
        counts: dict[str, int] = {}
        for e in self.enrolments:
            counts[e["course_id"]] = counts.get(e["course_id"], 0) + 1
        top = max(counts.values(), default=0)
        return {c: n / top for c, n in counts.items()} if top else {}

    def _fit_cf(self):
        """Item-item cosine neighbours over learner x course completions (implicit), when there is enough data."""
        if len(self.enrolments) < self.settings.min_enrolments_for_cf:
            return None
        from implicit.nearest_neighbours import CosineRecommender
        from scipy.sparse import csr_matrix

        learners = sorted({e["learner"] for e in self.enrolments})
        row = {l: i for i, l in enumerate(learners)}
        col = {c: i for i, c in enumerate(self._ids)}
        pairs = [(row[e["learner"]], col[e["course_id"]]) for e in self.enrolments if e["course_id"] in col]
        matrix = csr_matrix((np.ones(len(pairs)), ([p[0] for p in pairs], [p[1] for p in pairs])), shape=(len(learners), len(self._ids))).tocsr()
        matrix.sum_duplicates()
        model = CosineRecommender(K=20)
        model.fit(matrix, show_progress=False)
        return model, col, matrix

    def _colleague_scores(self, profile: LearnerProfile) -> dict[str, float]:
        """Courses that co-occur with what this learner (or, cold, colleagues in the same role) completed."""
        if self._cf is None:
            return {}
        model, col, _ = self._cf
        seeds = [c for c in profile.completed if c in col]
        if not seeds and profile.role:
            same_role = [e["course_id"] for e in self.enrolments if _norm(e.get("role", "")) == _norm(profile.role)]
            counts: dict[str, int] = {}
            for c in same_role:
                counts[c] = counts.get(c, 0) + 1
            top = max(counts.values(), default=0)
            return {c: n / top for c, n in counts.items()} if top else {}
        from scipy.sparse import csr_matrix

        user = csr_matrix((np.ones(len(seeds)), ([0] * len(seeds), [col[c] for c in seeds])), shape=(1, len(col)))
        ids, scores = model.recommend(0, user, N=len(col), filter_already_liked_items=True)
        top = float(max(scores, default=0.0)) or 1.0
        inverse = {i: c for c, i in col.items()}
        return {inverse[int(i)]: float(s) / top for i, s in zip(ids, scores) if s > 0}

    def recommend(self, profile: LearnerProfile, count: int | None = None,
                  visible: set[str] | None = None, own_language: set[str] | None = None) -> list[Recommendation]:
        """The best `count` courses for this learner, among `visible` ones when given (course audiences); those in
        `own_language` (written in the learner's language) come first among equals."""
        count = count or self.settings.count
        s = self.settings
        goal_sims = self._goal_similarity(profile)
        colleagues = self._colleague_scores(profile)
        candidates: list[Recommendation] = []
        for i, cid in enumerate(self._ids):
            course = self.catalogue.courses[cid]
            if cid in profile.completed or (visible is not None and cid not in visible):
                continue
            score, reasons = 0.0, []
            if self._required_for(course, profile):
                due = profile.since + course.due_days * 86400 if course.due_days and profile.since else 0.0
                overdue = bool(due) and time.time() > due
                score += s.weight_required if overdue or not due else s.weight_required / 3
                who = profile.group or profile.role
                if overdue:
                    reasons.append(Reason("required_overdue", {"who": who}))
                elif due:
                    reasons.append(Reason("required_due", {"who": who, "count": max(1, int((due - time.time()) // 86400))}))
                else:
                    reasons.append(Reason("required", {"who": who}))
            gap_skill, gap = self._gap(course, profile)
            if gap_skill:
                score += s.weight_gap * gap
                row = profile.mastery[gap_skill]
                reasons.append(Reason("gap", {"score": row["correct"] / max(1, row["attempts"]), "skill": gap_skill.replace("-", " ")}))
            if goal_sims is not None:
                score += s.weight_goal * max(0.0, float(goal_sims[i]))
                if goal_sims[i] >= 0.3:
                    reasons.append(Reason("goal", {"goal": profile.goals or profile.role}))
            if profile.asked.get(cid):
                score += s.weight_interest * min(1.0, profile.asked[cid] / 3)
                reasons.append(Reason("asked", {"count": profile.asked[cid]}))
            if colleagues.get(cid):
                score += s.weight_colleagues * colleagues[cid]
                reasons.append(Reason("colleagues_role" if profile.role else "colleagues"))
            if own_language and cid in own_language:
                score += s.weight_language
                reasons.append(Reason("own_language"))
            pop = self._popularity.get(cid, 0.0)
            score += s.weight_popularity * (pop if self._popularity else (1.0 if course.level == "beginner" else 0.3))
            if not [r for r in reasons if r.code != "own_language"]:
                reasons.append(Reason("popular") if pop >= 0.5 else Reason("starting_point", {"level": course.level}))
            unmet = self.catalogue.unmet_prerequisites(cid, profile.completed)
            if unmet:
                score *= s.unmet_prerequisite_penalty
                reasons.append(Reason("prerequisites", {"titles": [self.catalogue.courses[u].title for u in unmet]}))
            candidates.append(Recommendation(course, round(score, 4), reasons, unmet))
        return self._diverse(sorted(candidates, key=lambda r: (-r.score, r.course.course_id)), count)

    def _goal_similarity(self, profile: LearnerProfile) -> np.ndarray | None:
        text = " ".join(t for t in (profile.goals, profile.role) if t)
        if not text or not len(self._ids):
            return None
        query = self.embedder.embed([text])[0]
        return self._vectors @ query

    def _required_for(self, course: Course, profile: LearnerProfile) -> bool:
        wanted = {_norm(r) for r in course.required_for}
        mine = {_norm(profile.role), _norm(profile.group)} - {""}
        if not wanted or not mine:
            return False
        # "managers" covers "sales manager": every word of the requirement appears in the role or group.
        return "all" in wanted or any(set(w.split()) <= set(" ".join(mine).split()) for w in wanted)

    def _gap(self, course: Course, profile: LearnerProfile) -> tuple[str | None, float]:
        gaps = [(1 - profile.mastery[s]["p_mastery"], s) for s in course.skills
                if s in profile.mastery and profile.mastery[s].get("attempts", 0) > 0 and profile.mastery[s]["p_mastery"] < self.settings.gap_mastery]
        if not gaps:
            return None, 0.0
        gap, skill = max(gaps)
        return skill, gap

    def _diverse(self, ranked: list[Recommendation], count: int) -> list[Recommendation]:
        chosen: list[Recommendation] = []
        index = {c: i for i, c in enumerate(self._ids)}
        for rec in ranked:
            vec = self._vectors[index[rec.course.course_id]]
            if any(float(vec @ self._vectors[index[c.course.course_id]]) >= self.settings.duplicate_similarity for c in chosen):
                continue
            chosen.append(rec)
            if len(chosen) == count:
                break
        return chosen
