"""Item statistics from the attempts table of a real SQLite store, and the rules that put a question on the
trainers' "needs review" list: everyone right, everyone wrong, negative discrimination, with enough learners."""
from __future__ import annotations

import pytest

from assessment import ItemStats, item_statistics, review_reasons
from store import Records

pytestmark = pytest.mark.unit

LEARNERS = [f"l{i}" for i in range(12)]
STRONG = set(LEARNERS[:6])  # right on the ordinary questions; the weak ones are wrong on them


def attempts() -> list[tuple[str, str, int, int]]:
    """(learner, question, correct, skipped) in the order made: three ordinary questions that separate strong from
    weak learners, one everyone gets right, one nobody does (half skip it), one only the weak get right, and one
    answered by too few learners to judge."""
    rows = []
    for learner in LEARNERS:
        strong = learner in STRONG
        rows += [(learner, q, int(strong), 0) for q in ("good-1", "good-2", "good-3")]
        rows += [(learner, "easy", 1, 0), (learner, "hard", 0, int(learner[-1] in "02468"))]
        rows.append((learner, "backwards", int(not strong), 0))
    rows += [("l0", "new", 0, 0), ("l1", "new", 0, 0)]
    rows += [(learner, "easy", 0, 0) for learner in LEARNERS]  # later reviews: not the question's first impression
    return rows


@pytest.fixture()
def records(tmp_path) -> Records:
    records = Records(tmp_path / "tutor.db")
    records.db["attempts"].insert_all(
        [{"attempt_id": f"a{n}", "learner": learner, "question_id": q, "session_id": "s", "skill": "k", "answer": "",
          "correct": correct, "skipped": skipped, "hinted": 0, "score": float(correct), "created": 1000.0 + n,
          "latency_ms": 0.0} for n, (learner, q, correct, skipped) in enumerate(attempts())])
    return records


def test_statistics_come_from_each_learners_first_attempt(records):
    stats = item_statistics(records.question_reviews.responses())
    assert stats["easy"].attempts == 24 and stats["easy"].learners == 12 and stats["easy"].share_correct == 1.0
    assert stats["hard"].share_correct == 0.0 and stats["hard"].skipped == 6
    assert stats["good-1"].share_correct == 0.5 and stats["good-1"].discrimination > 0.9
    assert stats["backwards"].discrimination < -0.9
    assert stats["easy"].discrimination is None  # nothing varies: nothing to correlate
    assert stats["new"].learners == 2 and stats["new"].discrimination is None


def test_needs_review_rules(records):
    stats = item_statistics(records.question_reviews.responses())
    flagged = {q: review_reasons(s, min_learners=10) for q, s in stats.items()}
    assert flagged == {"good-1": [], "good-2": [], "good-3": [], "easy": ["everyone_right"], "hard": ["everyone_wrong"],
                       "backwards": ["negative_discrimination"], "new": []}
    assert review_reasons(stats["easy"], min_learners=13) == []  # not enough learners yet
    assert review_reasons(None, 10) == [] and review_reasons(ItemStats(), 0) == []
