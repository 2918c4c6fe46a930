"""Metric functions for retrieval, answers, abstention and latency."""
from __future__ import annotations

import re
import string

import numpy as np


def rank_of(gold: str, ranked: list[str]) -> int | None:
    """1-based rank of the gold passage among retrieved passage ids (duplicates collapsed)."""
    seen: list[str] = []
    for pid in ranked:
        if pid not in seen:
            seen.append(pid)
        if pid == gold:
            return len(seen)
    return None


def retrieval_scores(ranks: list[int | None]) -> dict[str, float]:
    n = max(1, len(ranks))
    return {
        "recall@1": sum(1 for r in ranks if r == 1) / n,
        "recall@5": sum(1 for r in ranks if r is not None and r <= 5) / n,
        "mrr": sum(1.0 / r for r in ranks if r) / n,
    }


def normalise(text: str) -> str:
    text = text.lower()
    text = "".join(ch for ch in text if ch not in set(string.punctuation) | {"“", "”", "‘", "’"})
    text = re.sub(r"\b(a|an|the)\b", " ", text)
    return " ".join(text.split())


def contains_answer(answer: str, golds: list[str]) -> bool:
    """The answer states a gold answer (as whole words)."""
    got = f" {normalise(answer)} "
    return any(f" {normalise(g)} " in got for g in golds if normalise(g))


def auroc(positive_scores: list[float], negative_scores: list[float]) -> float:
    """Probability that a random positive outscores a random negative (ties count half)."""
    pos = np.asarray(positive_scores, dtype=float)
    neg = np.asarray(negative_scores, dtype=float)
    if not len(pos) or not len(neg):
        return float("nan")
    greater = (pos[:, None] > neg[None, :]).sum()
    ties = (pos[:, None] == neg[None, :]).sum()
    return float((greater + 0.5 * ties) / (len(pos) * len(neg)))


def percentiles(values: list[float]) -> dict[str, float]:
    if not values:
        return {"p50": float("nan"), "p95": float("nan")}
    return {"p50": float(np.percentile(values, 50)), "p95": float(np.percentile(values, 95))}
