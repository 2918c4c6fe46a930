"""Grounded answers from course content: ingestion, chunking, embeddings, FAISS search and the answer chain.

Ingestion (loaders for PDF, Word, HTML…) and sentence-transformers are imported on first use, so answering a
question never pays for them.
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from .answer import Answer, AnswerChain, Citation, Notice
from .embeddings import Embedder, QueryEmbedder
from .errors import ConfigError, GeneratorUnavailable, IndexNotFound, RetrievalError, UnreadableDocument
from .extractive import split_sentences
from .followup import AnswerContext
from .generator import Generator, make_generator
from .reader import Reader, load_reader, reader_input
from .reading import reader_evidence
from .search import Retriever, SearchResult, audience_allows
from .settings import RetrievalSettings

if TYPE_CHECKING:
    from .ingest import IngestReport, ingest
    from .loaders import SUPPORTED_SUFFIXES, SourceDocument, load_document
    from .sentence_embedder import SentenceEmbedder

__all__ = [
    "Answer", "AnswerChain", "AnswerContext", "Citation", "ConfigError", "Embedder", "Generator", "GeneratorUnavailable", "IndexNotFound",
    "IngestReport", "Notice", "QueryEmbedder", "Reader", "RetrievalError", "RetrievalSettings", "Retriever", "SUPPORTED_SUFFIXES",
    "SearchResult", "SentenceEmbedder", "SourceDocument", "UnreadableDocument", "audience_allows", "build_answer_chain",
    "ingest", "load_document", "load_reader", "make_generator", "reader_evidence", "reader_input", "split_sentences",
]

_LAZY = {"IngestReport": "ingest", "ingest": "ingest", "SUPPORTED_SUFFIXES": "loaders", "SourceDocument": "loaders",
         "load_document": "loaders", "SentenceEmbedder": "sentence_embedder"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        module = importlib.import_module(f".{_LAZY[name]}", __name__)
        # Bound here for good: importing `retrieval.ingest` set the package's `ingest` to the module itself.
        for other, home in _LAZY.items():
            if home == _LAZY[name]:
                globals()[other] = getattr(module, other)
        return globals()[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def build_answer_chain(
    index_dir: Path,
    cache_dir: Path,
    settings: RetrievalSettings,
    embedder: Embedder | None = None,
    generator: Generator | None = None,
) -> AnswerChain:
    """Wire embedder, retriever and (for non-extractive modes) the generator. Loads no weights yet."""
    embedder = embedder or QueryEmbedder(settings.embedding, cache_dir)
    retriever = Retriever(index_dir, embedder, settings)
    if generator is None and settings.answer.mode != "extractive":
        generator = make_generator(settings.generator, cache_dir)
    return AnswerChain(retriever, embedder, settings, generator)
