"""BKT follows its published equations and recovers parameters from simulated learners."""
import numpy as np
import pytest

from assessment.tracing import BKTParams, fit_bkt, predict_correct, trace, update_mastery

pytestmark = pytest.mark.unit


def test_update_matches_the_published_equations():
    params = BKTParams(p_init=0.4, p_learn=0.1, p_slip=0.1, p_guess=0.2)
    # Correct: P(L|C) = 0.4*0.9 / (0.4*0.9 + 0.6*0.2) = 0.75; then learning: 0.75 + 0.25*0.1 = 0.775
    assert update_mastery(0.4, True, params) == pytest.approx(0.775)
    # Wrong: P(L|W) = 0.4*0.1 / (0.4*0.1 + 0.6*0.8) = 0.076923; then 0.076923 + 0.923077*0.1 = 0.169231
    assert update_mastery(0.4, False, params) == pytest.approx(0.169231, abs=1e-6)
    assert predict_correct(0.4, params) == pytest.approx(0.4 * 0.9 + 0.6 * 0.2)


def test_mastery_rises_with_successes_and_falls_with_errors():
    params = BKTParams()
    up = trace([1, 1, 1, 1], params)
    assert up == sorted(up) and up[-1] > 0.8
    down = trace([0, 0, 0], BKTParams(p_init=0.8))
    assert down == sorted(down, reverse=True)


def _simulate(params: BKTParams, learners: int, length: int, rng) -> list[list[int]]:
    sequences = []
    for _ in range(learners):
        learned = rng.random() < params.p_init
        seq = []
        for _ in range(length):
            p = (1 - params.p_slip) if learned else params.p_guess
            seq.append(int(rng.random() < p))
            learned = learned or rng.random() < params.p_learn
        sequences.append(seq)
    return sequences


def test_fitting_recovers_simulated_parameters():
    truth = BKTParams(p_init=0.25, p_learn=0.15, p_slip=0.08, p_guess=0.22)
    fitted = fit_bkt(_simulate(truth, 800, 12, np.random.default_rng(3)))
    assert fitted.p_init == pytest.approx(truth.p_init, abs=0.08)
    assert fitted.p_learn == pytest.approx(truth.p_learn, abs=0.06)
    assert fitted.p_slip == pytest.approx(truth.p_slip, abs=0.05)
    assert fitted.p_guess == pytest.approx(truth.p_guess, abs=0.06)
