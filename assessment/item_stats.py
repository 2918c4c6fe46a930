"""Item statistics of the question bank from the quiz attempts, and the rules that put a question on the
trainers' "needs review" list.

Per question, from each learner's first attempt at it (later attempts are spaced reviews after the tutor showed
the answer, so they say more about the learner than about the question): how many learners answered, the
share who got it right (a skip counts as not right), and the discrimination: the point-biserial correlation
between getting this question right and the learner's share right on their first attempts at every other
question. A good question is answered right more often by learners who do well elsewhere (positive); a
negative one is answered right more often by those who do badly elsewhere: its key is wrong, it is ambiguous,
or it tests something else.

A question needs review once at least `min_learners` have answered it and everyone got it right (share ≥
0.95: it tests nothing), everyone got it wrong (≤ 0.05: the answer or its grading is likely wrong), or its
discrimination is negative. Learners cannot flag a question in the conversation, so flags play no part.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass
from typing import Any, Iterable

import numpy as np

EVERYONE_RIGHT = 0.95
EVERYONE_WRONG = 0.05

REASONS = {
    "everyone_right": "everyone answers it right (it tests nothing)",
    "everyone_wrong": "almost nobody answers it right (check the answer and the options)",
    "negative_discrimination": "learners who do well elsewhere get it wrong more often (ambiguous or wrong key?)",
}


@dataclass
class ItemStats:
    """One question's numbers; `share_correct` and `discrimination` are None until there is enough to say."""

    attempts: int = 0  # every attempt, reviews included
    learners: int = 0  # learners who answered it (their first attempts)
    skipped: int = 0  # first attempts that were skips
    share_correct: float | None = None
    discrimination: float | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def item_statistics(responses: Iterable[tuple[str, str, int, int]]) -> dict[str, ItemStats]:
    """Per question id, from (learner, question id, correct, skipped) attempts in the order they were made."""
    attempts: dict[str, int] = defaultdict(int)
    first: dict[str, dict[str, tuple[int, int]]] = defaultdict(dict)  # question -> learner -> (correct, skipped)
    for learner, question_id, correct, skipped in responses:
        attempts[question_id] += 1
        first[question_id].setdefault(learner, (int(bool(correct)), int(bool(skipped))))
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])  # learner -> [right, answered] over first attempts
    for answers in first.values():
        for learner, (correct, _) in answers.items():
            totals[learner][0] += correct
            totals[learner][1] += 1
    out = {}
    for question_id, answers in first.items():
        results = [c for c, _ in answers.values()]
        item = [], []
        for learner, (correct, _) in answers.items():
            right, answered = totals[learner]
            if answered > 1:  # a rest score needs other questions
                item[0].append(correct)
                item[1].append((right - correct) / (answered - 1))
        out[question_id] = ItemStats(
            attempts=attempts[question_id], learners=len(answers), skipped=sum(s for _, s in answers.values()),
            share_correct=round(sum(results) / len(results), 3), discrimination=_point_biserial(*item))
    return out


def _point_biserial(item: list[int], rest: list[float]) -> float | None:
    """Pearson's correlation of a 0/1 item with the rest score; None when either does not vary."""
    if len(item) < 3:
        return None
    x, y = np.array(item, float), np.array(rest, float)
    if x.std() == 0 or y.std() == 0:
        return None
    return round(float(np.corrcoef(x, y)[0, 1]), 3)


def review_reasons(stats: ItemStats | None, min_learners: int) -> list[str]:
    """Why a question's statistics call for a trainer's look (keys of REASONS); [] when they do not, or when
    fewer than `min_learners` have answered it."""
    if stats is None or stats.learners < min_learners or stats.share_correct is None:
        return []
    reasons = []
    if stats.share_correct >= EVERYONE_RIGHT:
        reasons.append("everyone_right")
    elif stats.share_correct <= EVERYONE_WRONG:
        reasons.append("everyone_wrong")
    if stats.discrimination is not None and stats.discrimination < 0:
        reasons.append("negative_discrimination")
    return reasons
