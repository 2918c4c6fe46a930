"""Extractive answers: the sentences of the retrieved passages closest to the question, quoted verbatim.

This is the answer that can never say something the courses do not: the default, and the fallback of the
guarded mode.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from .embeddings import Embedder
from .guard import looks_like_instructions
from .search import Hit, tokenize

_NUMBERED = re.compile(r"\n(\d+)\. ")
_EMPHASIS = re.compile(r"\*\*|__")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(`*])|\n{2,}|\n(?=[-*] |\d+\. |```)")


@dataclass
class Quote:
    text: str
    hit: Hit
    score: float
    similarity: float


def split_sentences(text: str) -> list[str]:
    """Sentences and list items; a lead-in ending with ':' stays with the item after it."""
    text = _NUMBERED.sub(r"\n\1) ", text)
    parts = [_EMPHASIS.sub("", p.split("```")[0]).strip(" \n-*") for p in _SENTENCE_END.split(text)]
    merged: list[str] = []
    for part in parts:
        if merged and merged[-1].endswith(":"):
            merged[-1] = f"{merged[-1]} {part}"
        else:
            merged.append(part)
    return [" ".join(p.split()) for p in merged if len(p) >= 12 and not p.endswith(":")]


def select_quotes(question: str, hits: list[Hit], embedder: Embedder, max_sentences: int,
                  query_vector: np.ndarray | None = None) -> list[Quote]:
    """Pick up to `max_sentences` sentences by cosine to the question plus a little lexical overlap.
    `query_vector`: the question's embedding when search already made it."""
    candidates: list[tuple[str, Hit]] = []
    for hit in hits:
        for sentence in split_sentences(hit.chunk.text):
            if not looks_like_instructions(sentence):  # injected instructions in content are never quoted
                candidates.append((sentence, hit))
    if not candidates:
        return []
    if query_vector is None:
        vectors = embedder.embed([question] + [s for s, _ in candidates])
        query_vector, vectors = vectors[0], vectors[1:]
    else:
        vectors = embedder.embed([s for s, _ in candidates])
    sims = vectors @ query_vector
    q_terms = set(tokenize(question))
    scores = []
    for (sentence, hit), sim in zip(candidates, sims):
        sim = float(sim)
        overlap = len(q_terms & set(tokenize(sentence))) / max(1, len(q_terms))
        # Passages ranked higher by search get a small prior.
        scores.append(float(sim) + 0.15 * overlap + 0.05 * hit.fused_score * 60)
    order = np.argsort(-np.array(scores))
    chosen: list[Quote] = []
    for i in order:
        sentence, hit = candidates[i]
        if any(sentence == q.text for q in chosen):
            continue
        chosen.append(Quote(sentence, hit, scores[i], float(sims[i])))
        if len(chosen) >= max_sentences:
            break
    # Read in the order the course presents them, not by score.
    return sorted(chosen, key=lambda q: (q.hit.rank, q.hit.chunk.text.find(q.text)))
