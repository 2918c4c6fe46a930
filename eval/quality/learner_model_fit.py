"""Fit the bundled learner model on the ASSISTments 2009 development learners and record its figures.

    python -m eval.quality.learner_model_fit [--out assessment/learner_model.json]

The data's own learner-grouped split: the model (assessment/learner_model.py, the product's fit and predict) is
fitted on the 'train' learners only and scored on the 'test' learners, every prediction from that learner's
earlier attempts. In that file `item_id` is the skill and the order of attempts is the only time. The figures
(AUC, RMSE, milliseconds per prediction) are written into the model file's `meta`, beside the command that made it.
"""
from __future__ import annotations

import argparse
import logging
import platform
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

from assessment import LearnerModel
from assessment import fit_learner_model as fit

ROOT = Path(__file__).resolve().parents[2]
log = logging.getLogger("eval")


Attempt = tuple[str, int]


def sequences(rows) -> list[list[Attempt]]:
    """[(learner, skill, correct)] in attempt order → one sequence of (skill, correct) per learner."""
    by_learner: dict[str, list[Attempt]] = defaultdict(list)
    for learner, skill, correct in rows:
        by_learner[learner].append((str(skill), int(correct)))
    return list(by_learner.values())


def score(model: LearnerModel, test: list[list[Attempt]]) -> dict[str, float]:
    """AUC and RMSE of next-answer predictions on `test` learners, and the time per prediction."""
    from sklearn.metrics import roc_auc_score

    rows, labels = model.rows(test)
    t0 = time.perf_counter()
    predicted = np.array([model.predict_features(r) for r in rows])
    per_prediction_ms = (time.perf_counter() - t0) * 1000 / max(1, len(rows))
    y = np.array(labels)
    return {"AUC": float(roc_auc_score(y, predicted)), "RMSE": float(np.sqrt(np.mean((y - predicted) ** 2))),
            "ms per prediction": per_prediction_ms, "test attempts": len(y)}


def main(argv: list[str] | None = None) -> dict:
    from .assessment_eval import load_assistments

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "assessment" / "learner_model.json")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    rows = load_assistments()
    train, test = sequences(rows["train"]), sequences(rows["test"])
    t0 = time.perf_counter()
    model = fit(train, meta={"made": "python -m eval.quality.learner_model_fit on the 'train' learners of "
                                      f"ASSISTments 2009 (development part); Python {platform.python_version()}"})
    model.meta["fit seconds"] = round(time.perf_counter() - t0, 1)
    figures = score(model, test)
    model.meta["held-out learners"] = {k: round(v, 4) if isinstance(v, float) else v for k, v in figures.items()}
    model.save(args.out)
    log.info("learner model: %s → %s", model.meta["held-out learners"], args.out)
    return model.meta


if __name__ == "__main__":
    main()
