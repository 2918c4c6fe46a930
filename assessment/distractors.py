"""Distractors for generated multiple-choice questions, and the embedding cache that choosing them leans on.

Distractors of a named term are terms of related passages of the same shape (acronym, code, phrase) and
similar length: the nearest in meaning that are not near-synonyms, so they are plausible but wrong.
"""
from __future__ import annotations

import random
import re
from typing import Callable, Sequence

import numpy as np

from .grading import normalise

__all__ = ["CachedEmbedder", "nearest_below", "nearest_unlike", "term_distractors"]


class CachedEmbedder:
    """Embeds each distinct text once; distractor choice and checks ask for the same terms many times."""

    def __init__(self, inner) -> None:
        self.inner = inner
        self.dimension = inner.dimension
        self._cache: dict[str, np.ndarray] = {}

    def embed(self, texts: Sequence[str], batch_size: int = 64, progress: bool = False) -> np.ndarray:
        missing = [t for t in dict.fromkeys(texts) if t not in self._cache]
        if missing:
            for text, vector in zip(missing, self.inner.embed(missing, batch_size=batch_size)):
                self._cache[text] = vector
        if not texts:
            return np.zeros((0, self.dimension), dtype="float32")
        return np.stack([self._cache[t] for t in texts])


def _shape(term: str) -> str:
    if re.fullmatch(r"[A-Z]{2,6}s?", term):
        return "acronym"
    if re.fullmatch(r"[A-Z_]+( [A-Z_]+)*(\(\))?", term) or "(" in term or "_" in term or "." in term:
        return "code"
    return "phrase"


def term_distractors(term: str, pool: Sequence[str], embedder, rng: random.Random, synonym_cosine: float = 0.8) -> list[str]:
    """Three terms of the same shape and similar length from related passages: the most similar ones that are
    not near-synonyms, so they are plausible but wrong."""
    norm = normalise(term)
    length = len(term.split())
    candidates = [
        t for t in pool
        if _shape(t) == _shape(term) and abs(len(t.split()) - length) <= 1 and normalise(t)
        and normalise(t) != norm and normalise(t) not in norm and norm not in normalise(t)
    ]
    return nearest_unlike(term, candidates, embedder, rng, synonym_cosine, fold=normalise)


def nearest_below(term: str, candidates: Sequence[str], embedder, synonym_cosine: float) -> list[str]:
    """`candidates` from nearest to `term` in meaning to farthest, leaving out those at or above
    `synonym_cosine` (near-synonyms make a second right answer)."""
    if not candidates:
        return []
    vectors = embedder.embed([term, *candidates])
    sims = vectors[1:] @ vectors[0]
    return [c for s, c in sorted(zip(sims, candidates), key=lambda x: -float(x[0])) if s < synonym_cosine]


def nearest_unlike(term: str, candidates: Sequence[str], embedder, rng: random.Random, synonym_cosine: float,
                   fold: Callable[[str], str] = lambda text: text) -> list[str]:
    """Three of `candidates` nearest to `term` in meaning but below `synonym_cosine` (plausible, not a synonym)
    and not contained in one another once folded by `fold`; chosen at random without an embedder; [] when there
    are not three."""
    if len(candidates) < 3:
        return []
    if embedder is None:
        shuffled = list(candidates)
        rng.shuffle(shuffled)
        return shuffled[:3]
    chosen: list[str] = []
    for c in nearest_below(term, candidates, embedder, synonym_cosine):  # distinct from each other too
        if all(fold(c) not in fold(o) and fold(o) not in fold(c) for o in chosen):
            chosen.append(c)
        if len(chosen) == 3:
            break
    return chosen if len(chosen) == 3 else []
