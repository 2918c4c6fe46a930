"""Each capability exposes a small, deliberate surface."""
import pytest

import retrieval
import store

pytestmark = pytest.mark.unit


def test_retrieval_surface():
    assert sorted(retrieval.__all__) == sorted([
        "Answer", "AnswerChain", "Citation", "ConfigError", "Embedder", "Generator", "GeneratorUnavailable",
        "IndexNotFound", "IngestReport", "RetrievalError", "RetrievalSettings", "Retriever", "SUPPORTED_SUFFIXES",
        "SearchResult", "SentenceEmbedder", "SourceDocument", "UnreadableDocument", "audience_allows", "build_answer_chain",
        "clean_question", "ingest", "load_document", "make_generator",
    ])
    assert all(hasattr(retrieval, name) for name in retrieval.__all__)


def test_store_surface():
    assert sorted(store.__all__) == ["LearningStore", "ProfileStore", "TurnStore", "migrate", "open_database", "pseudonym",
                                   "write_transaction"]
