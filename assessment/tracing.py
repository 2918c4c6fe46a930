"""Bayesian Knowledge Tracing (Corbett & Anderson 1995): per skill, a hidden learned/unlearned state with
initial mastery, learning rate, slip and guess. Fitting is expectation-maximisation (as pyBKT does),
vectorised over all learners' sequences of a skill.

pyBKT does not import with the scikit-learn and numpy releases this project uses, so this module carries
its own implementation; the tests check it against the model's published equations and behaviour.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Iterable, Sequence

import numpy as np


@dataclass(frozen=True)
class BKTParams:
    p_init: float = 0.3
    p_learn: float = 0.12
    p_slip: float = 0.1
    p_guess: float = 0.2

    def as_dict(self) -> dict[str, float]:
        return asdict(self)


def predict_correct(p_mastery: float, params: BKTParams) -> float:
    """Chance of a correct answer given the current mastery estimate."""
    return p_mastery * (1 - params.p_slip) + (1 - p_mastery) * params.p_guess


def update_mastery(p_mastery: float, correct: bool, params: BKTParams) -> float:
    """Posterior mastery after one observed answer, then the chance to learn from the practice."""
    if correct:
        evidence = p_mastery * (1 - params.p_slip)
        posterior = evidence / (evidence + (1 - p_mastery) * params.p_guess)
    else:
        evidence = p_mastery * params.p_slip
        posterior = evidence / (evidence + (1 - p_mastery) * (1 - params.p_guess))
    return posterior + (1 - posterior) * params.p_learn


def trace(outcomes: Iterable[bool], params: BKTParams) -> list[float]:
    """Predicted chance of success before each attempt of one learner on one skill."""
    p = params.p_init
    predictions = []
    for correct in outcomes:
        predictions.append(predict_correct(p, params))
        p = update_mastery(p, bool(correct), params)
    return predictions


def _pad(sequences: Sequence[Sequence[int]], max_len: int) -> tuple[np.ndarray, np.ndarray]:
    seqs = [list(s)[:max_len] for s in sequences if len(s)]
    length = max(len(s) for s in seqs)
    arr = np.zeros((len(seqs), length), dtype=np.float64)
    mask = np.zeros((len(seqs), length), dtype=bool)
    for i, s in enumerate(seqs):
        arr[i, : len(s)] = s
        mask[i, : len(s)] = True
    return arr, mask


def fit_bkt(sequences: Sequence[Sequence[int]], max_len: int = 200, iterations: int = 40, cap: float = 0.3) -> BKTParams:
    """Maximum-likelihood BKT parameters for one skill by expectation-maximisation (Baum-Welch on the
    two-state HMM), vectorised over learners.

    Guess and slip are capped (0.3 by default) so the fitted model stays identifiable: a "mastered" state
    with more errors than an unmastered one would be degenerate.
    """
    if not any(len(s) for s in sequences):
        return BKTParams()
    obs, mask = _pad(sequences, max_len)
    n, steps = obs.shape
    p = BKTParams()
    init, learn, slip, guess = p.p_init, p.p_learn, p.p_slip, p.p_guess
    for _ in range(iterations):
        # Emission probabilities for [learned, unlearned]; padded steps emit 1 (no evidence).
        e_l = np.where(mask, np.where(obs == 1, 1 - slip, slip), 1.0)
        e_u = np.where(mask, np.where(obs == 1, guess, 1 - guess), 1.0)
        alpha = np.zeros((n, steps, 2))
        scale = np.zeros((n, steps))
        a = np.stack([init * e_l[:, 0], (1 - init) * e_u[:, 0]], axis=1)
        scale[:, 0] = a.sum(1)
        alpha[:, 0] = a / scale[:, :1]
        for t in range(1, steps):
            prev = alpha[:, t - 1]
            to_l = prev[:, 0] + prev[:, 1] * learn
            to_u = prev[:, 1] * (1 - learn)
            a = np.stack([to_l * e_l[:, t], to_u * e_u[:, t]], axis=1)
            scale[:, t] = a.sum(1)
            alpha[:, t] = a / scale[:, t:t + 1]
        beta = np.ones((n, steps, 2))
        xi_ul = np.zeros((n, steps))
        for t in range(steps - 2, -1, -1):
            nxt = beta[:, t + 1] * np.stack([e_l[:, t + 1], e_u[:, t + 1]], axis=1)
            beta[:, t, 0] = nxt[:, 0]
            beta[:, t, 1] = learn * nxt[:, 0] + (1 - learn) * nxt[:, 1]
            beta[:, t] /= scale[:, t + 1:t + 2]
            xi_ul[:, t] = alpha[:, t, 1] * learn * nxt[:, 0] / scale[:, t + 1]
        gamma = alpha * beta
        gamma /= gamma.sum(2, keepdims=True)
        valid = mask.astype(float)
        transition_mask = np.concatenate([mask[:, 1:], np.zeros((n, 1), bool)], axis=1).astype(float)
        init = float(gamma[:, 0, 0].mean())
        learn = float((xi_ul * transition_mask).sum() / max((gamma[:, :, 1] * transition_mask).sum(), 1e-9))
        guess = float((gamma[:, :, 1] * obs * valid).sum() / max((gamma[:, :, 1] * valid).sum(), 1e-9))
        slip = float((gamma[:, :, 0] * (1 - obs) * valid).sum() / max((gamma[:, :, 0] * valid).sum(), 1e-9))
        init, learn = float(np.clip(init, 1e-3, 1 - 1e-3)), float(np.clip(learn, 1e-3, 0.999))
        guess, slip = float(np.clip(guess, 1e-3, cap)), float(np.clip(slip, 1e-3, cap))
    return BKTParams(round(init, 4), round(learn, 4), round(slip, 4), round(guess, 4))
