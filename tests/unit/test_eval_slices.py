"""Evaluation code on small slices of the public data (skipped where ../shared is absent)."""
import pytest

from eval.metrics import auroc, contains_answer, rank_of, retrieval_scores
from eval.quality.datasets import EVALDATA, load_sciq, load_squad

pytestmark = [pytest.mark.unit, pytest.mark.skipif(not (EVALDATA / "sciq").exists(), reason="../shared/evaldata not present")]


def test_datasets_load_with_gold_passages():
    sciq, squad = load_sciq(), load_squad()
    assert len(sciq.items) > 500 and all(i.passage_id in sciq.passages for i in sciq.items)
    unanswerable = [i for i in squad.items if i.passage_id is None]
    assert unanswerable and len(unanswerable) < len(squad.items)


def test_metrics():
    assert rank_of("b", ["a", "a", "b"]) == 2
    assert retrieval_scores([1, 2, None]) == {"recall@1": 1 / 3, "recall@5": 2 / 3, "mrr": 0.5}
    assert auroc([0.9, 0.8], [0.1, 0.8]) == pytest.approx(0.875)
    assert contains_answer("“Plants release oxygen.”", ["oxygen"]) and not contains_answer("oxygenation", ["oxygen"])


def test_bkt_on_an_assistments_slice_is_better_than_chance():
    from eval.quality.assessment_eval import evaluate_bkt, load_assistments

    data = load_assistments()
    result = evaluate_bkt(data["train"][:20000], data["test"][:8000])
    assert 0.55 < result["AUC"] < 0.85  # above chance, below the leakage alarm
