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
discrimination is negative; and, however few answered it, once `min_flags` learners flagged it in the conversation
("this question is wrong") since a trainer last edited or decided on it. Flags need no minimum of learners: each
is a learner saying outright what the numbers only hint at. Flags made before the last edit were about the old
wording and no longer count; they are kept (`flags_before`) for the trainer to read.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass
from typing import Any, Iterable, Mapping, Sequence

import numpy as np

EVERYONE_RIGHT = 0.95
EVERYONE_WRONG = 0.05

REASONS = {
    "everyone_right": "everyone answers it right (it tests nothing)",
    "everyone_wrong": "almost nobody answers it right (check the answer and the options)",
    "negative_discrimination": "learners who do well elsewhere get it wrong more often (ambiguous or wrong key?)",
    "often_flagged": "often flagged: {flags} learners flagged it since its last edit or review (their reasons below)",
}


@dataclass
class ItemStats:
    """One question's numbers; `share_correct` and `discrimination` are None until there is enough to say."""

    attempts: int = 0  # every attempt, reviews included
    learners: int = 0  # learners who answered it (their first attempts)
    skipped: int = 0  # first attempts that were skips
    share_correct: float | None = None
    discrimination: float | None = None
    flags: int = 0  # learners who flagged it since its last edit or trainer decision
    flags_before: int = 0  # learners who flagged it before then

    def reason_text(self, reason: str) -> str:
        """A key of REASONS in words, with this question's numbers filled in."""
        return REASONS[reason].format(flags=self.flags)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def item_statistics(responses: Iterable[tuple[str, str, int, int]],
                    flags: Mapping[str, Sequence[Mapping[str, Any]]] | None = None) -> dict[str, ItemStats]:
    """Per question id, from (learner, question id, correct, skipped) attempts in the order they were made, and the
    learners' `flags` per question id (each with `open`: made since the last edit or decision; store.QuestionReviews
    .flags). A question flagged but never answered has statistics too: its flags."""
    out = _from_responses(responses)
    for question_id, found in (flags or {}).items():
        stats = out.setdefault(question_id, ItemStats())
        stats.flags = sum(1 for f in found if f.get("open"))
        stats.flags_before = len(found) - stats.flags
    return out


def _from_responses(responses: Iterable[tuple[str, str, int, int]]) -> dict[str, ItemStats]:
    """Attempts, learners, skips, share right and discrimination per question (first attempts only)."""
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


def review_reasons(stats: ItemStats | None, min_learners: int, min_flags: int | None = None) -> list[str]:
    """Why a question's statistics call for a trainer's look (keys of REASONS); [] when they do not. The answer
    statistics count once `min_learners` have answered it; flags once `min_flags` learners flagged it (None: flags
    are not considered)."""
    if stats is None:
        return []
    reasons = _answer_reasons(stats, min_learners)
    if min_flags is not None and stats.flags >= min_flags:
        reasons.append("often_flagged")
    return reasons


def _answer_reasons(stats: ItemStats, min_learners: int) -> list[str]:
    if stats.learners < min_learners or stats.share_correct is None:
        return []
    reasons = []
    if stats.share_correct >= EVERYONE_RIGHT:
        reasons.append("everyone_right")
    elif stats.share_correct <= EVERYONE_WRONG:
        reasons.append("everyone_wrong")
    if stats.discrimination is not None and stats.discrimination < 0:
        reasons.append("negative_discrimination")
    return reasons
