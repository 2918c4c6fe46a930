"""Grounded answers from course content: ingestion, chunking, embeddings, FAISS search and the answer chain."""
from pathlib import Path

from .answer import Answer, AnswerChain, Citation, clean_question
from .embeddings import Embedder, SentenceEmbedder
from .errors import ConfigError, GeneratorUnavailable, IndexNotFound, RetrievalError, UnreadableDocument
from .generator import Generator, make_generator
from .ingest import IngestReport, ingest
from .loaders import SUPPORTED_SUFFIXES, SourceDocument, load_document
from .search import Retriever, SearchResult, audience_allows
from .settings import RetrievalSettings

__all__ = [
    "Answer",
    "AnswerChain",
    "Citation",
    "ConfigError",
    "Embedder",
    "Generator",
    "GeneratorUnavailable",
    "IndexNotFound",
    "IngestReport",
    "RetrievalError",
    "RetrievalSettings",
    "Retriever",
    "SUPPORTED_SUFFIXES",
    "SearchResult",
    "SentenceEmbedder",
    "SourceDocument",
    "UnreadableDocument",
    "audience_allows",
    "build_answer_chain",
    "clean_question",
    "ingest",
    "load_document",
    "make_generator",
]


def build_answer_chain(
    index_dir: Path,
    cache_dir: Path,
    settings: RetrievalSettings,
    embedder: Embedder | None = None,
) -> AnswerChain:
    """Wire embedder, retriever and (for non-extractive modes) the generator. Loads no weights yet."""
    embedder = embedder or SentenceEmbedder(settings.embedding)
    retriever = Retriever(index_dir, embedder, settings)
    generator = make_generator(settings.generator, cache_dir) if settings.answer.mode != "extractive" else None
    return AnswerChain(retriever, embedder, settings, generator)
