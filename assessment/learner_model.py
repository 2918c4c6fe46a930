"""The chance that a learner answers a question on a skill correctly, from their attempt history.

BKT keeps one probability per skill and is what learners are shown (mastery in words and %). To choose questions
in the target band of predicted success, the quiz asks this model instead: gradient-boosted trees over
knowledge-tracing features of the learner's earlier attempts only:

- the skill's difficulty (the log-odds of its smoothed success rate in the attempts the model was fitted on; a
  skill it never saw gets the overall rate);
- the learner's successes and failures on the skill and overall (log counts) and their overall success rate;
- success rates over the last 2, 5 and 10 attempts on the skill and the last 3, 10 and 30 attempts on anything;
- the last outcome on the skill and overall, whether the previous attempt was on the same skill, attempts since
  the skill was last tried, and the current run of rights or wrongs on it.

Fitted by scikit-learn's HistGradientBoostingClassifier (`fit`), stored as plain trees in JSON and evaluated here
in pure Python, so a prediction takes well under a millisecond and serving needs no scikit-learn. The bundled
model (`learner_model.json`) is fitted on the ASSISTments 2009 development learners by
`python -m eval.quality.learner_model_fit`, which also records its figures on the held-out learners.
"""
from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Iterable, Sequence

BUNDLED_MODEL = Path(__file__).resolve().parent / "learner_model.json"
FEATURES = ("skill_difficulty", "skill_successes", "skill_failures", "successes", "failures", "success_rate",
            "skill_last2", "skill_last5", "skill_last10", "last3", "last10", "last30", "skill_last", "last",
            "same_skill", "since_skill", "skill_streak")
SMOOTHING = 10.0  # attempts' worth of the overall rate mixed into each skill's rate

Attempt = tuple[str, int]  # (skill, 1 if correct else 0), oldest first


def _rate(outcomes: Sequence[int]) -> float:
    return (sum(outcomes) + 1.0) / (len(outcomes) + 2.0)


def _logit(p: float) -> float:
    p = min(max(p, 1e-4), 1 - 1e-4)
    return math.log(p / (1 - p))


class Tracker:
    """One learner's history as the features need it, updated attempt by attempt (O(1) each): the same code
    computes training rows and serving predictions."""

    def __init__(self) -> None:
        self.by_skill: dict[str, list[int]] = {}  # outcomes per skill (the last 10) and counts
        self.counts: dict[str, list[int]] = {}  # skill -> [successes, attempts]
        self.recent: list[int] = []  # the last 30 outcomes on anything
        self.successes = 0
        self.attempts = 0
        self.last_seen: dict[str, int] = {}
        self.previous_skill: str | None = None

    def features(self, skill: str, difficulty: dict[str, float], default_difficulty: float) -> list[float]:
        """The FEATURES of a next attempt on `skill`."""
        own = self.by_skill.get(skill, [])
        successes, attempts = self.counts.get(skill, (0, 0))
        streak = 0
        for outcome in reversed(own):
            if outcome != own[-1]:
                break
            streak += 1
        every = self.recent
        return [difficulty.get(skill, default_difficulty), math.log1p(successes), math.log1p(attempts - successes),
                math.log1p(self.successes), math.log1p(self.attempts - self.successes),
                (self.successes + 1.0) / (self.attempts + 2.0),
                _rate(own[-2:]), _rate(own[-5:]), _rate(own[-10:]), _rate(every[-3:]), _rate(every[-10:]), _rate(every[-30:]),
                float(own[-1]) if own else 0.5, float(every[-1]) if every else 0.5,
                1.0 if self.previous_skill == skill else 0.0,
                float(self.attempts - 1 - self.last_seen[skill]) if skill in self.last_seen else -1.0,
                float(streak if own and own[-1] else -streak)]

    def add(self, skill: str, correct: int) -> None:
        correct = int(bool(correct))
        own = self.by_skill.setdefault(skill, [])
        own.append(correct)
        del own[:-10]
        count = self.counts.setdefault(skill, [0, 0])
        count[0] += correct
        count[1] += 1
        self.recent.append(correct)
        del self.recent[:-30]
        self.successes += correct
        self.last_seen[skill] = self.attempts
        self.attempts += 1
        self.previous_skill = skill


def features(history: Sequence[Attempt], skill: str, difficulty: dict[str, float], default_difficulty: float) -> list[float]:
    """The FEATURES of a next attempt on `skill` after `history` (the learner's attempts, oldest first)."""
    tracker = Tracker()
    for past_skill, correct in history:
        tracker.add(past_skill, correct)
    return tracker.features(skill, difficulty, default_difficulty)


class LearnerModel:
    """Trees (feature, threshold, left, right, leaf value per node) and the skill difficulties they were fitted with."""

    def __init__(self, trees: list[dict[str, list]], baseline: float, difficulty: dict[str, float],
                 default_difficulty: float, meta: dict | None = None) -> None:
        self.trees = trees
        self.baseline = float(baseline)
        self.difficulty = difficulty
        self.default_difficulty = float(default_difficulty)
        self.meta = meta or {}

    def predict(self, history: Sequence[Attempt], skill: str) -> float:
        """The chance the learner answers a question on `skill` correctly next."""
        return self.predict_skills(history, [skill])[skill]

    def predict_skills(self, history: Sequence[Attempt], skills: Iterable[str]) -> dict[str, float]:
        """The same for several skills, the history replayed once."""
        tracker = Tracker()
        for past_skill, correct in history:
            tracker.add(past_skill, correct)
        return {s: self.predict_features(tracker.features(s, self.difficulty, self.default_difficulty)) for s in skills}

    def predict_features(self, row: Sequence[float]) -> float:
        raw = self.baseline
        for tree in self.trees:
            node = 0
            while not tree["leaf"][node]:
                value = row[tree["feature"][node]]
                if math.isnan(value):
                    node = tree["left"][node] if tree["missing_left"][node] else tree["right"][node]
                else:
                    node = tree["left"][node] if value <= tree["threshold"][node] else tree["right"][node]
            raw += tree["value"][node]
        return 1.0 / (1.0 + math.exp(-raw))

    def rows(self, sequences: Iterable[Sequence[Attempt]]) -> tuple[list[list[float]], list[int]]:
        """Feature rows and outcomes of every attempt of `sequences`, as this model computes them."""
        return training_rows(sequences, self.difficulty, self.default_difficulty)

    def to_dict(self) -> dict:
        return {"features": list(FEATURES), "baseline": self.baseline, "difficulty": self.difficulty,
                "default_difficulty": self.default_difficulty, "meta": self.meta, "trees": self.trees}

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(self.to_dict(), separators=(",", ":")) + "\n")

    @classmethod
    def load(cls, spec: str | Path = "bundled") -> "LearnerModel":
        """'bundled' or the path of a model `save` wrote; a file made for other features is refused."""
        path = BUNDLED_MODEL if str(spec) == "bundled" else Path(spec)
        data = json.loads(path.read_text())
        if data.get("features") != list(FEATURES):
            raise ValueError(f"{path} was fitted on other features than this version computes; fit it again")
        return cls(data["trees"], data["baseline"], data["difficulty"], data["default_difficulty"], data.get("meta"))


def skill_difficulties(sequences: Sequence[Sequence[Attempt]]) -> tuple[dict[str, float], float]:
    """Each skill's success log-odds, smoothed toward the overall rate, and the overall log-odds."""
    counts: dict[str, list[int]] = {}
    for sequence in sequences:
        for skill, correct in sequence:
            row = counts.setdefault(skill, [0, 0])
            row[0] += correct
            row[1] += 1
    total = sum(n for _, n in counts.values())
    overall = sum(c for c, _ in counts.values()) / total if total else 0.5
    return ({s: _logit((c + SMOOTHING * overall) / (n + SMOOTHING)) for s, (c, n) in counts.items()}, _logit(overall))


def training_rows(sequences: Iterable[Sequence[Attempt]], difficulty: dict[str, float],
                  default: float) -> tuple[list[list[float]], list[int]]:
    """One feature row per attempt, from that learner's earlier attempts only."""
    rows, labels = [], []
    for sequence in sequences:
        tracker = Tracker()
        for skill, correct in sequence:
            rows.append(tracker.features(skill, difficulty, default))
            labels.append(int(correct))
            tracker.add(skill, correct)
    return rows, labels


def fit(sequences: Sequence[Sequence[Attempt]], max_iter: int = 200, learning_rate: float = 0.1,
        max_leaf_nodes: int = 15, meta: dict | None = None) -> LearnerModel:
    """A model fitted on learners' attempt sequences (each oldest first)."""
    import numpy as np
    from sklearn.ensemble import HistGradientBoostingClassifier

    difficulty, default = skill_difficulties(sequences)
    rows, labels = training_rows(sequences, difficulty, default)
    if len(set(labels)) < 2:
        raise ValueError("fitting needs both right and wrong answers")
    booster = HistGradientBoostingClassifier(max_iter=max_iter, learning_rate=learning_rate, max_leaf_nodes=max_leaf_nodes,
                                             l2_regularization=1.0, random_state=0)
    booster.fit(np.asarray(rows, dtype="float64"), np.asarray(labels))
    return LearnerModel(_exported_trees(booster), float(np.ravel(booster._baseline_prediction)[0]), difficulty, default,
                        {**(meta or {}), "attempts": len(labels), "learners": len(sequences)})


def _exported_trees(booster) -> list[dict[str, list]]:
    """The booster's trees as plain lists (scikit-learn keeps them as TreePredictor node arrays)."""
    trees = []
    for (predictor,) in booster._predictors:
        nodes = predictor.nodes
        trees.append({"feature": nodes["feature_idx"].tolist(), "threshold": nodes["num_threshold"].tolist(),
                      "left": nodes["left"].tolist(), "right": nodes["right"].tolist(),
                      "leaf": nodes["is_leaf"].astype(bool).tolist(), "value": nodes["value"].tolist(),
                      "missing_left": nodes["missing_go_to_left"].astype(bool).tolist()})
    return trees
