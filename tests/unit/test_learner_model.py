"""The learner model the quiz uses to predict success: features from earlier attempts only, trees evaluated in pure
Python exactly as scikit-learn would, the bundled model loads and predicts, and the quiz's choice uses it."""
import json
import random
from pathlib import Path

import numpy as np
import pytest

from assessment.learner_model import FEATURES, LearnerModel, Tracker, features, fit, training_rows

pytestmark = pytest.mark.unit


def synthetic_learners(count: int = 120, seed: int = 3) -> list[list[tuple[str, int]]]:
    """Learners who get better at each skill with practice; "hard" is harder than "easy"."""
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        ability, sequence, practice = rng.gauss(0, 1), [], {"easy": 0, "hard": 0}
        for _ in range(rng.randint(10, 40)):
            skill = rng.choice(["easy", "hard"])
            logit = ability + 0.3 * practice[skill] - (1.5 if skill == "hard" else -0.5)
            sequence.append((skill, int(rng.random() < 1 / (1 + np.exp(-logit)))))
            practice[skill] += 1
        out.append(sequence)
    return out


def test_features_use_earlier_attempts_only_and_match_the_tracker():
    history = [("a", 1), ("b", 0), ("a", 1), ("a", 0)]
    row = features(history, "a", {"a": -0.5}, 0.2)
    assert len(row) == len(FEATURES)
    named = dict(zip(FEATURES, row))
    assert named["skill_difficulty"] == -0.5 and named["same_skill"] == 1.0 and named["skill_last"] == 0.0
    assert named["skill_successes"] == pytest.approx(np.log1p(2)) and named["skill_failures"] == pytest.approx(np.log1p(1))
    assert named["since_skill"] == 0.0 and named["skill_streak"] == -1.0
    assert dict(zip(FEATURES, features(history, "new", {}, 0.2)))["since_skill"] == -1.0  # never tried
    tracker = Tracker()
    rows, labels = training_rows([history], {"a": -0.5}, 0.2)
    for i, (skill, correct) in enumerate(history):
        assert rows[i] == features(history[:i], skill, {"a": -0.5}, 0.2) == tracker.features(skill, {"a": -0.5}, 0.2)
        tracker.add(skill, correct)
    assert labels == [1, 0, 1, 0]


def test_the_exported_trees_predict_what_scikit_learn_predicts(tmp_path: Path):
    learners = synthetic_learners()
    model = fit(learners, max_iter=30)
    rows, _ = training_rows(learners[:10], model.difficulty, model.default_difficulty)
    from sklearn.ensemble import HistGradientBoostingClassifier

    train_rows, labels = training_rows(learners, model.difficulty, model.default_difficulty)
    reference = HistGradientBoostingClassifier(max_iter=30, learning_rate=0.1, max_leaf_nodes=15, l2_regularization=1.0,
                                               random_state=0).fit(np.array(train_rows), np.array(labels))
    assert np.allclose([model.predict_features(r) for r in rows], reference.predict_proba(np.array(rows))[:, 1], atol=1e-9)
    model.save(tmp_path / "m.json")
    again = LearnerModel.load(tmp_path / "m.json")
    assert again.predict(learners[0], "hard") == model.predict(learners[0], "hard")
    # Practice and skill difficulty move the prediction the way they should.
    assert model.predict([], "easy") > model.predict([], "hard")
    assert model.predict([("hard", 1)] * 8, "hard") > model.predict([("hard", 0)] * 8, "hard")


def test_a_model_for_other_features_is_refused(tmp_path: Path):
    data = LearnerModel.load("bundled").to_dict()
    data["features"] = data["features"][:-1]
    (tmp_path / "old.json").write_text(json.dumps(data))
    with pytest.raises(ValueError, match="fit it again"):
        LearnerModel.load(tmp_path / "old.json")


def test_the_bundled_model_carries_its_figures_and_predicts():
    model = LearnerModel.load("bundled")
    held_out = model.meta["held-out learners"]
    assert held_out["AUC"] >= 0.78 and held_out["RMSE"] <= 0.41 and held_out["ms per prediction"] < 5
    unknown = model.predict([], "a-skill-nobody-fitted")
    assert 0.3 < unknown < 0.9
    good = [("infosec-phishing", 1)] * 6
    bad = [("infosec-phishing", 0)] * 6
    assert model.predict(good, "infosec-phishing") > unknown > model.predict(bad, "infosec-phishing")
