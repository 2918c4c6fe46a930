"""Hybrid search over the current index: dense (FAISS) and BM25, fused by reciprocal rank.

The dense cosine of the best passage is kept beside the fused rank: it is the calibrated signal the answer
step uses to decide whether the courses cover a question at all.

Questions are routed by language. An English question over English passages is searched exactly as it always
was: MiniLM + BM25. A Chinese question is searched with the multilingual embedding (USE) over every passage, so
it also finds English passages on its topic, fused with BM25 over jieba's words. An English question over an
index that holds Chinese passages also gets the Chinese passages the multilingual embedding finds close enough
(`multilingual.min_cross_similarity`); MiniLM's cosine to Chinese text means nothing, so those passages are judged
by the multilingual cosine instead.
"""
from __future__ import annotations

import logging
import re
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .bm25 import BM25Index
from .chunking import Chunk
from .embeddings import Embedder
from .glossary import cedict
from .index_store import IndexVersion, current_version_dir, load_version
from .languages import STOPWORDS, detect_language, tokenize
from .settings import RetrievalSettings

log = logging.getLogger(__name__)

__all__ = ["Hit", "Retriever", "STOPWORDS", "SearchResult", "audience_allows", "tokenize"]
MINILM, MULTILINGUAL = "minilm", "multilingual"


def _words(text: str) -> set[str]:
    return {w[:-1] if w.endswith("s") and len(w) > 3 else w for w in re.findall(r"[a-z0-9]+", text.lower())}


def _own_language_first(ranked: list[tuple[int, float]], version: IndexVersion, mvec: np.ndarray,
                        language: str) -> list[tuple[int, float]]:
    """The fused ranking, with the candidate nearest the question in the multilingual embedding moved to the top
    when it is written in the question's language. The English rendering gives English passages two rankings
    more than a Chinese passage can have; where the courses hold the answer in the learner's own language, the
    embedding that reads both languages decides which comes first."""
    if not ranked or version.multi_vectors is None:
        return ranked
    rows = [row for row, _ in ranked]
    sims = version.multi_vectors[rows] @ mvec
    nearest = int(np.argmax(sims))
    if nearest == 0 or version.chunks[rows[nearest]].language != language:
        return ranked
    return [ranked[nearest], *ranked[:nearest], *ranked[nearest + 1:]]


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
    space: str = MINILM  # which embedding `dense_score` is a cosine in: "minilm" or "multilingual"


@dataclass
class SearchResult:
    hits: list[Hit]
    best_dense: float
    timings_ms: dict[str, float] = field(default_factory=dict)
    query_vector: np.ndarray | None = None  # the query's embedding, so later steps need not embed it again
    language: str = "en"  # the query's: "en" or "zh"
    multi_vector: np.ndarray | None = None  # the query's multilingual embedding, when search made one
    rendering: str = ""  # a Chinese query in English words (glossary.py), when English passages were searched with it


class Retriever:
    """Searches whatever index version `current` points at, reloading when an ingest swaps it."""

    def __init__(self, index_dir: Path, embedder: Embedder, settings: RetrievalSettings,
                 multilingual: Embedder | None | str = "settings") -> None:
        self.index_dir = Path(index_dir)
        self.embedder = embedder
        self.settings = settings
        self._multilingual = multilingual
        self._version: IndexVersion | None = None
        self._bm25: BM25Index | None = None
        self._lock = threading.Lock()

    def version(self) -> IndexVersion:
        """The loaded index, reloaded if `current` now points at a newer version."""
        target = current_version_dir(self.index_dir)
        with self._lock:
            if self._version is None or (target is not None and target != self._version.root):
                t0 = time.perf_counter()
                version = load_version(self.index_dir, self.settings.index)
                self._bm25 = version.bm25
                self._version = version
                log.info("serving index %s (%d chunks, %s on %s, loaded in %.1f s)", version.root.name,
                         len(version.chunks), version.index.kind, version.index.engine, time.perf_counter() - t0)
            return self._version

    @property
    def multilingual(self) -> Embedder | None:
        """The multilingual embedder (configured by `multilingual.model`, or given), created on first use."""
        if self._multilingual == "settings":
            from .multilingual import multilingual_embedder

            self._multilingual = multilingual_embedder(self.settings.multilingual)
        return self._multilingual

    def search(self, query: str, top_k: int | None = None, groups: set[str] | None = None) -> SearchResult:
        """Top passages for `query`; with `groups`, passages meant for other audiences are never returned."""
        top_k = top_k or self.settings.search.top_k
        version = self.version()
        language = detect_language(query)
        multi_ready = version.multi_index is not None and self.multilingual is not None
        if language == "zh" and multi_ready:
            return self._search_multilingual(version, query, top_k, groups)
        if language == "en" and multi_ready and "zh" in version.languages:
            return self._search_english(version, query, top_k, groups, cross=True)
        result = self._search_english(version, query, top_k, groups)
        result.language = language
        return result

    def _search_english(self, version: IndexVersion, query: str, top_k: int, groups: set[str] | None,
                        cross: bool = False) -> SearchResult:
        """MiniLM + BM25, as English has always been searched; with `cross`, Chinese passages come from the
        multilingual embedding instead of MiniLM."""
        cfg = self.settings.search
        timings: dict[str, float] = {}
        t0 = time.perf_counter()
        qvec = self.embedder.embed([query])
        timings["embed_ms"] = (time.perf_counter() - t0) * 1000
        t0 = time.perf_counter()
        scores, ids = version.index.search(qvec, cfg.candidates)
        timings["dense_ms"] = (time.perf_counter() - t0) * 1000
        dense = {int(i): float(s) for s, i in zip(scores[0], ids[0]) if i >= 0}
        dense_rank = [int(i) for i in ids[0] if i >= 0]
        if cross:
            dense_rank = [row for row in dense_rank if version.chunks[row].language != "zh"]
        fused = {row: 1.0 / (cfg.rrf_k + r + 1) for r, row in enumerate(dense_rank)}
        if cfg.hybrid and self._bm25 is not None:
            t0 = time.perf_counter()
            self._add_bm25(fused, query)
            timings["bm25_ms"] = (time.perf_counter() - t0) * 1000
        multi: dict[int, float] = {}
        mvec = None
        if cross:
            t0 = time.perf_counter()
            mvec = self.multilingual.embed([query])[0]
            floor = self.settings.multilingual.min_cross_similarity
            scores, ids = version.multi_index.search(mvec, cfg.candidates * 4)
            found = [(int(i), float(s)) for s, i in zip(scores[0], ids[0])
                     if i >= 0 and version.chunks[int(i)].language == "zh" and s >= floor][: cfg.candidates]
            for r, (row, sim) in enumerate(found):
                multi[row] = sim
                fused[row] = fused.get(row, 0.0) + 1.0 / (cfg.rrf_k + r + 1)
            timings["multi_ms"] = (time.perf_counter() - t0) * 1000
        ranked = [kv for kv in sorted(fused.items(), key=lambda kv: -kv[1])
                  if audience_allows(version.chunks[kv[0]].audience, groups)][:top_k]
        zh_rows = [row for row, _ in ranked if cross and version.chunks[row].language == "zh" and row not in multi]
        if zh_rows:  # Chinese passages found by BM25 alone: judged by the multilingual cosine too
            multi.update({row: float(s) for row, s in zip(zh_rows, version.multi_vectors[zh_rows] @ mvec)})
        missing = [row for row, _ in ranked if row not in dense and row not in multi]
        if missing:
            # Passages found only by BM25 still need a cosine to be judged on.
            sims = version.vectors[missing] @ qvec[0]
            dense.update({row: float(s) for row, s in zip(missing, sims)})
        hits = [Hit(version.chunks[row], multi[row], score, rank, MULTILINGUAL) if row in multi
                else Hit(version.chunks[row], dense[row], score, rank) for rank, (row, score) in enumerate(ranked)]
        own = [h.dense_score for h in hits if h.space == MINILM]
        best = max(own or [h.dense_score for h in hits], default=-1.0)
        return SearchResult(hits, best, timings, qvec[0], "en", mvec)

    def _search_multilingual(self, version: IndexVersion, query: str, top_k: int, groups: set[str] | None) -> SearchResult:
        """A Chinese question: the multilingual embedding over every passage (either language) + BM25."""
        cfg = self.settings.search
        timings: dict[str, float] = {}
        t0 = time.perf_counter()
        mvec = self.multilingual.embed([query])[0]
        timings["embed_ms"] = (time.perf_counter() - t0) * 1000
        t0 = time.perf_counter()
        scores, ids = version.multi_index.search(mvec, cfg.candidates)
        timings["dense_ms"] = (time.perf_counter() - t0) * 1000
        fused = {int(i): 1.0 / (cfg.rrf_k + r + 1) for r, i in enumerate(i for i in ids[0] if i >= 0)}
        if cfg.hybrid and self._bm25 is not None:
            t0 = time.perf_counter()
            self._add_bm25(fused, query)
            timings["bm25_ms"] = (time.perf_counter() - t0) * 1000
        rendering = ""
        if "en" in version.languages:
            t0 = time.perf_counter()
            rendering = self._add_rendered(fused, query, mvec, version)
            timings["english_ms"] = (time.perf_counter() - t0) * 1000
        allowed = [kv for kv in sorted(fused.items(), key=lambda kv: -kv[1])
                   if audience_allows(version.chunks[kv[0]].audience, groups)]
        ranked = _own_language_first(allowed, version, mvec, "zh")[:top_k]
        rows = [row for row, _ in ranked]
        sims = version.multi_vectors[rows] @ mvec if rows else np.zeros(0)
        hits = [Hit(version.chunks[row], float(sim), score, rank, MULTILINGUAL)
                for rank, ((row, score), sim) in enumerate(zip(ranked, sims))]
        best = max((h.dense_score for h in hits), default=-1.0)
        return SearchResult(hits, best, timings, None, "zh", mvec, rendering)

    def _add_bm25(self, fused: dict[int, float], query: str) -> None:
        """BM25's candidates added to the fusion, by rank."""
        cfg = self.settings.search
        for r, (row, _) in enumerate(self._bm25.top(tokenize(query), cfg.candidates)):
            fused[row] = fused.get(row, 0.0) + 1.0 / (cfg.rrf_k + r + 1)

    def _add_rendered(self, fused: dict[int, float], query: str, mvec: np.ndarray, version: IndexVersion) -> str:
        """The question rendered in English words through the dictionary (glossary.py), searched as English is,
        MiniLM and BM25 over the English passages, each ranking added to the fusion. Returns the rendering."""
        glossary = cedict() if self.settings.multilingual.dictionary == "cc-cedict" else None
        if glossary is None:
            return ""
        known = self._bm25.__contains__ if self._bm25 is not None else (lambda term: False)
        rendering = glossary.render(query, known=known,
                                    closest=lambda senses: int(np.argmax(self.multilingual.embed(senses) @ mvec)))
        if not rendering:
            return ""
        cfg = self.settings.search
        english = lambda row: version.chunks[row].language != "zh"  # noqa: E731
        _, ids = version.index.search(self.embedder.embed([rendering]), cfg.candidates * 2)
        rankings = [[int(i) for i in ids[0] if i >= 0 and english(int(i))][: cfg.candidates]]
        if self._bm25 is not None:
            rankings.append([row for row, _ in self._bm25.top(tokenize(rendering), cfg.candidates * 2)
                             if english(row)][: cfg.candidates])
        for ranking in rankings:
            for r, row in enumerate(ranking):
                fused[row] = fused.get(row, 0.0) + 1.0 / (cfg.rrf_k + r + 1)
        return rendering

    def term_weights(self, terms: list[str]) -> dict[str, float]:
        """How telling each BM25 term is in the current index (its inverse document frequency, at least 0.05);
        a term no passage holds gets the highest weight a term could have, since nothing can state it."""
        self.version()
        if self._bm25 is None:
            return {t: 1.0 for t in terms}
        ceiling = float(np.log(self._bm25.corpus_size + 1.0))
        return {t: max(0.05, ceiling if (idf := self._bm25.idf(t)) is None else idf) for t in terms}

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
