"""Hybrid search over the current index: dense (FAISS) and BM25, fused by reciprocal rank.

The dense cosine of the best passage is kept beside the fused rank: it is the calibrated signal the answer
step uses to decide whether the courses cover a question at all.
"""
from __future__ import annotations

import logging
import re
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from rank_bm25 import BM25Okapi

from .chunking import Chunk
from .embeddings import Embedder
from .index_store import IndexVersion, current_version_dir, load_version
from .settings import RetrievalSettings

log = logging.getLogger(__name__)

_TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
STOPWORDS = frozenset(
    "a an and are as at be by can do does for from how i in is it its me my of on or our should so that the their "
    "them then there these this to was we what when where which who why will with you your".split()
)


def tokenize(text: str) -> list[str]:
    return [t for t in _TOKEN.findall(text.lower()) if t not in STOPWORDS]


def _words(text: str) -> set[str]:
    return {w[:-1] if w.endswith("s") and len(w) > 3 else w for w in re.findall(r"[a-z0-9]+", text.lower())}


def audience_allows(chunk_audience: str, groups: set[str] | None) -> bool:
    """Whether a learner in `groups` (role, team…) may see a passage meant for `chunk_audience`.

    `None` means no restriction (operators, evaluation). A passage for "all" is for everyone; otherwise one of
    its audiences must be covered by one of the learner's groups ("analysts" covers a "data analyst").
    """
    audiences = [a.strip() for a in (chunk_audience or "all").split(",") if a.strip()]
    if groups is None or not audiences or "all" in audiences:
        return True
    mine = [_words(g) for g in groups if g]
    return any(_words(a) <= words for a in audiences for words in mine)


@dataclass
class Hit:
    """A passage found for a query, with the scores that put it there."""

    chunk: Chunk
    dense_score: float
    fused_score: float
    rank: int


@dataclass
class SearchResult:
    hits: list[Hit]
    best_dense: float
    timings_ms: dict[str, float] = field(default_factory=dict)
    query_vector: np.ndarray | None = None  # the query's embedding, so later steps need not embed it again


class Retriever:
    """Searches whatever index version `current` points at, reloading when an ingest swaps it."""

    def __init__(self, index_dir: Path, embedder: Embedder, settings: RetrievalSettings) -> None:
        self.index_dir = Path(index_dir)
        self.embedder = embedder
        self.settings = settings
        self._version: IndexVersion | None = None
        self._bm25: BM25Okapi | None = None
        self._lock = threading.Lock()

    def version(self) -> IndexVersion:
        """The loaded index, reloaded if `current` now points at a newer version."""
        target = current_version_dir(self.index_dir)
        with self._lock:
            if self._version is None or (target is not None and target != self._version.root):
                version = load_version(self.index_dir, self.settings.index)
                self._bm25 = BM25Okapi([tokenize(c.embedding_text()) or ["∅"] for c in version.chunks]) if version.chunks else None
                self._version = version
                log.info("serving index %s (%d chunks, %s)", version.root.name, len(version.chunks), version.index.kind)
            return self._version

    def search(self, query: str, top_k: int | None = None, groups: set[str] | None = None) -> SearchResult:
        """Top passages for `query`; with `groups`, passages meant for other audiences are never returned."""
        cfg = self.settings.search
        top_k = top_k or cfg.top_k
        version = self.version()
        timings: dict[str, float] = {}
        t0 = time.perf_counter()
        qvec = self.embedder.embed([query])
        timings["embed_ms"] = (time.perf_counter() - t0) * 1000
        t0 = time.perf_counter()
        scores, ids = version.index.search(qvec, cfg.candidates)
        timings["dense_ms"] = (time.perf_counter() - t0) * 1000
        dense = {int(i): float(s) for s, i in zip(scores[0], ids[0]) if i >= 0}
        dense_rank = [int(i) for i in ids[0] if i >= 0]
        fused = {row: 1.0 / (cfg.rrf_k + r + 1) for r, row in enumerate(dense_rank)}
        if cfg.hybrid and self._bm25 is not None:
            t0 = time.perf_counter()
            lexical = self._bm25.get_scores(tokenize(query))
            order = np.argsort(-lexical)[: cfg.candidates]
            for r, row in enumerate(int(i) for i in order if lexical[i] > 0):
                fused[row] = fused.get(row, 0.0) + 1.0 / (cfg.rrf_k + r + 1)
            timings["bm25_ms"] = (time.perf_counter() - t0) * 1000
        ranked = [kv for kv in sorted(fused.items(), key=lambda kv: -kv[1])
                  if audience_allows(version.chunks[kv[0]].audience, groups)][:top_k]
        missing = [row for row, _ in ranked if row not in dense]
        if missing:
            # Passages found only by BM25 still need a cosine to be judged on.
            sims = version.vectors[missing] @ qvec[0]
            dense.update({row: float(s) for row, s in zip(missing, sims)})
        hits = [Hit(version.chunks[row], dense[row], score, rank) for rank, (row, score) in enumerate(ranked)]
        best = max((h.dense_score for h in hits), default=-1.0)
        return SearchResult(hits, best, timings, qvec[0])

    def corpus(self) -> tuple[list[dict], list[Chunk]]:
        """The indexed courses (id, title, metadata from front matter) and all their passages."""
        version = self.version()
        courses: dict[str, dict] = {}
        for doc in version.documents.values():
            courses.setdefault(doc.course_id, {"course_id": doc.course_id, "title": doc.title, "metadata": doc.metadata})
        return list(courses.values()), list(version.chunks)

    def courses(self) -> list[dict]:
        """The courses in the index (id, title, url), for 'what the courses do cover' suggestions."""
        version = self.version()
        seen: dict[str, dict] = {}
        for doc in version.documents.values():
            seen.setdefault(doc.course_id, {"id": doc.course_id, "title": doc.title, "url": doc.metadata.get("url", "")})
        return sorted(seen.values(), key=lambda c: c["title"])
