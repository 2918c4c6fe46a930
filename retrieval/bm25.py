"""Okapi BM25 over an inverted index: the scores `rank_bm25.BM25Okapi` gives, without scoring every passage.

`BM25Okapi.get_scores` walks every document's term dictionary for every query word: at 100k passages that is
tens of milliseconds a word, and its per-document dictionaries take gigabytes at a million. Here each term keeps
a posting list (the rows that hold it and their precomputed Okapi weight), so a question costs the length of its
words' lists. The weights are the same formula with the same constants (k1 1.5, b 0.75, and negative idfs set
to a quarter of the average idf), so the top results equal `BM25Okapi`'s (tests/unit/test_bm25.py checks it).

The index is built once when a version is written and saved beside it as plain `.npy` arrays, which loading
maps into memory instead of reading (`BM25Index.load`).
"""
from __future__ import annotations

import json
import logging
import math
from array import array
from collections import Counter
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

log = logging.getLogger(__name__)

__all__ = ["BM25Index"]

K1, B, EPSILON = 1.5, 0.75, 0.25
FORMAT = 1  # bump when the arrays or the weights change: older files are then rebuilt at load
_ARRAYS = ("indptr", "rows", "weights", "idf")


class BM25Index:
    """Posting lists in CSR form: the rows holding term t are `rows[indptr[t]:indptr[t+1]]` (ascending), with
    their Okapi weights in `weights` at the same positions."""

    def __init__(self, terms: Sequence[str], indptr: np.ndarray, rows: np.ndarray, weights: np.ndarray,
                 idf: np.ndarray, corpus_size: int) -> None:
        self._column = {term: i for i, term in enumerate(terms)}
        self._terms = list(terms)
        self._indptr, self._rows, self._weights, self._idf = indptr, rows, weights, idf
        self.corpus_size = int(corpus_size)

    # -- building -------------------------------------------------------------------------------------------

    @classmethod
    def build(cls, documents: Iterable[Sequence[str]]) -> "BM25Index":
        """The index of tokenised documents (row i is the i-th document)."""
        column: dict[str, int] = {}
        term_ids, freqs, unique_per_doc, lengths = array("i"), array("i"), array("i"), array("q")
        for tokens in documents:
            counts = Counter(tokens)
            term_ids.extend(column.setdefault(t, len(column)) for t in counts)
            freqs.extend(counts.values())
            unique_per_doc.append(len(counts))
            lengths.append(len(tokens))
        n = len(lengths)
        terms = sorted(column, key=column.__getitem__)
        if n == 0:
            return cls([], np.zeros(1, "int64"), np.zeros(0, "int32"), np.zeros(0, "float32"), np.zeros(0), 0)
        term = np.frombuffer(term_ids, dtype="int32")
        tf = np.frombuffer(freqs, dtype="int32").astype("float64")
        doc_len = np.frombuffer(lengths, dtype="int64").astype("float64")
        row = np.repeat(np.arange(n, dtype="int32"), np.frombuffer(unique_per_doc, dtype="int32"))
        df = np.bincount(term, minlength=len(terms))
        idf = okapi_idf(df, n)
        avgdl = float(doc_len.sum()) / n
        norm = K1 * (1 - B + B * doc_len[row] / avgdl)
        weight = (idf[term] * (tf * (K1 + 1) / (tf + norm))).astype("float32")
        order = np.argsort(term, kind="stable")  # by term; rows stay ascending within a term
        indptr = np.zeros(len(terms) + 1, dtype="int64")
        np.cumsum(df, out=indptr[1:])
        log.debug("bm25: %d documents, %d terms, %d postings", n, len(terms), len(term))
        return cls(terms, indptr, row[order], weight[order], idf, n)

    # -- searching ------------------------------------------------------------------------------------------

    def __contains__(self, term: object) -> bool:
        return term in self._column

    def idf(self, term: str) -> float | None:
        """The term's inverse document frequency (as BM25Okapi floors it); None for a term no passage holds."""
        col = self._column.get(term)
        return None if col is None else float(self._idf[col])

    def _postings(self, query: Sequence[str]) -> tuple[np.ndarray, np.ndarray, int]:
        """Every (row, weight) posting of the query's words, a repeated word's twice (as BM25Okapi counts it),
        and how many lists that was."""
        cols = [c for c in (self._column.get(t) for t in query) if c is not None]
        spans = [(int(self._indptr[c]), int(self._indptr[c + 1])) for c in cols]
        if not spans:
            return np.zeros(0, "int32"), np.zeros(0, "float32"), 0
        rows = np.concatenate([self._rows[a:b] for a, b in spans])
        weights = np.concatenate([self._weights[a:b] for a, b in spans])
        return rows, weights, len(spans)

    def scores(self, query: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """(rows, scores) of every passage holding at least one query word."""
        rows, weights, _ = self._postings(query)
        unique, inverse = np.unique(rows, return_inverse=True)
        return unique.astype("int64"), np.bincount(inverse, weights=weights, minlength=len(unique))

    def top(self, query: Sequence[str], k: int) -> list[tuple[int, float]]:
        """The `k` best (row, score) with a positive score, best first; equal scores by row.

        Costs one pass over the query's postings and one over a score per passage (a few milliseconds at a
        million passages): the totals are summed by `bincount`, and only postings at or above the score of the
        (k × lists)-th best posting can belong to the k best rows, since a row appears at most once per list."""
        rows, weights, lists = self._postings(query)
        if not len(rows):
            return []
        total = np.bincount(rows, weights=weights, minlength=self.corpus_size)
        scores = total[rows]
        wanted = k * lists
        if len(scores) > wanted:
            cut = np.partition(scores, len(scores) - wanted)[len(scores) - wanted]
            keep = scores >= cut
            rows = rows[keep]
        rows = np.unique(rows)
        scores = total[rows]
        rows, scores = rows[scores > 0], scores[scores > 0]
        order = np.lexsort((rows, -scores))[:k]
        return [(int(rows[i]), float(scores[i])) for i in order]

    def dense_scores(self, query: Sequence[str]) -> np.ndarray:
        """One score per passage (zeros included), as `BM25Okapi.get_scores` returns them."""
        total = np.zeros(self.corpus_size)
        rows, scores = self.scores(query)
        total[rows] = scores
        return total

    # -- storing --------------------------------------------------------------------------------------------

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        for name in _ARRAYS:
            np.save(folder / f"{name}.npy", np.asarray(getattr(self, f"_{name}")))
        (folder / "terms.json").write_text(json.dumps(self._terms, ensure_ascii=False))
        (folder / "meta.json").write_text(json.dumps({"format": FORMAT, "k1": K1, "b": B, "epsilon": EPSILON,
                                                      "corpus_size": self.corpus_size}))

    @classmethod
    def load(cls, folder: Path) -> "BM25Index | None":
        """The saved index, its arrays mapped rather than read; None when absent or written by another format."""
        try:
            meta = json.loads((folder / "meta.json").read_text())
        except (OSError, ValueError):
            return None
        if meta.get("format") != FORMAT or (meta.get("k1"), meta.get("b"), meta.get("epsilon")) != (K1, B, EPSILON):
            return None
        arrays = {name: np.load(folder / f"{name}.npy", mmap_mode="r") for name in _ARRAYS}
        terms = json.loads((folder / "terms.json").read_text())
        return cls(terms, **arrays, corpus_size=meta["corpus_size"])


def okapi_idf(df: np.ndarray, n: int) -> np.ndarray:
    """BM25Okapi's idf: log((n - df + 0.5) / (df + 0.5)), with negative values replaced by EPSILON times the
    average idf (computed in the same order and precision as rank_bm25, so the floor is the same number)."""
    idf = np.array([math.log(n - f + 0.5) - math.log(f + 0.5) for f in df.tolist()])
    if len(idf):
        average = sum(idf.tolist()) / len(idf)
        idf[idf < 0] = EPSILON * average
    return idf
