"""The inverted-index BM25 gives BM25Okapi's scores and ranking, saved or not, and old versions still load."""
from pathlib import Path

import numpy as np
import pytest
from rank_bm25 import BM25Okapi

from retrieval import RetrievalSettings, ingest
from retrieval.bm25 import BM25Index
from retrieval.index_store import BM25_DIR, bm25_tokens, current_version_dir, load_version
from retrieval.languages import tokenize
from tests.support.fakes import HashingEmbedder

pytestmark = pytest.mark.unit
COURSES = Path(__file__).resolve().parents[2] / "data" / "courses"

QUERIES = ["how do I report a phishing email", "expense receipts travel", "meeting agenda meeting", "password manager",
           "zyxwvut", "the", "security training deadline for new employees", "vpn access contractor"]


@pytest.fixture(scope="module")
def documents() -> list[list[str]]:
    """Real course text: every paragraph of the sample courses, as BM25 tokens (one document each)."""
    paragraphs = [p for path in sorted(COURSES.rglob("*.md")) for p in path.read_text().split("\n\n") if p.strip()]
    assert len(paragraphs) > 100
    return [tokenize(p) or ["∅"] for p in paragraphs]


def _okapi_ranking(okapi: BM25Okapi, query: list[str], k: int) -> list[tuple[int, float]]:
    scores = okapi.get_scores(query)
    order = np.lexsort((np.arange(len(scores)), -scores))
    return [(int(i), float(scores[i])) for i in order[:k] if scores[i] > 0]


@pytest.mark.parametrize("saved", [False, True])
def test_top_k_equals_bm25okapi(documents, tmp_path: Path, saved: bool):
    okapi = BM25Okapi(documents)
    index = BM25Index.build(documents)
    if saved:
        index.save(tmp_path / "bm25")
        index = BM25Index.load(tmp_path / "bm25")
    for query in map(tokenize, QUERIES):
        expected = _okapi_ranking(okapi, query, 20)
        found = index.top(query, 20)
        assert [row for row, _ in found] == [row for row, _ in expected], query
        assert np.allclose([s for _, s in found], [s for _, s in expected], rtol=1e-5)
        assert np.allclose(index.dense_scores(query), okapi.get_scores(query), rtol=1e-5, atol=1e-6)


def test_idf_and_vocabulary_match_bm25okapi(documents):
    okapi = BM25Okapi(documents)
    index = BM25Index.build(documents)
    assert index.corpus_size == okapi.corpus_size
    for term, idf in okapi.idf.items():
        assert term in index and index.idf(term) == pytest.approx(idf, rel=1e-12)
    assert "zyxwvut" not in index and index.idf("zyxwvut") is None


def test_common_words_and_repeated_words_score_as_bm25okapi():
    """Words in more than half the documents get the epsilon floor; a word said twice counts twice."""
    docs = [["policy", "leave"], ["policy", "travel"], ["policy", "leave", "leave"], ["budget"], ["policy"]] * 30
    okapi, index = BM25Okapi(docs), BM25Index.build(docs)
    for query in (["policy"], ["leave", "leave"], ["policy", "leave", "budget"], ["travel", "unknown"]):
        assert np.allclose(index.dense_scores(query), okapi.get_scores(query), rtol=1e-5)
        assert [r for r, _ in index.top(query, 7)] == [r for r, _ in _okapi_ranking(okapi, query, 7)]


def test_empty_corpus_and_empty_query():
    empty = BM25Index.build([])
    assert empty.corpus_size == 0 and empty.top(["anything"], 5) == []
    assert BM25Index.build([["a", "b"]]).top([], 5) == []


def test_versions_carry_their_bm25_index_and_older_ones_build_it_at_load(corpus: Path, tmp_path: Path):
    index_dir = tmp_path / "index"
    ingest(corpus, index_dir, HashingEmbedder(), RetrievalSettings(), multilingual=None)
    root = current_version_dir(index_dir)
    assert (root / BM25_DIR / "meta.json").exists()
    stored = load_version(index_dir, RetrievalSettings().index)
    query = tokenize("how do I report a phishing email")
    expected = _okapi_ranking(BM25Okapi([bm25_tokens(c) for c in stored.chunks]), query, 10)
    assert [r for r, _ in stored.bm25.top(query, 10)] == [r for r, _ in expected]

    for path in (root / BM25_DIR).iterdir():  # as a version written before BM25 was stored
        path.unlink()
    (root / BM25_DIR).rmdir()
    rebuilt = load_version(index_dir, RetrievalSettings().index)
    assert [r for r, _ in rebuilt.bm25.top(query, 10)] == [r for r, _ in expected]
