"""The vectors an ingest makes for its new and changed files, in groups an interrupted ingest can resume from.

Embedding is most of an ingest's time, so it is done in groups of about GROUP_CHUNKS chunks: each group's chunk
vectors, multilingual vectors and new sentence vectors (sentence_table.py) go to the resume store (resume.py)
before the next group starts, and the next ingest after a crash or a kill takes what is there instead of
embedding it again. ingest.py decides which files need vectors; this module only makes them, in file and chunk
order, fills in the multilingual vectors kept documents lack, and puts the new version's vectors together.
"""
from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Iterator

import numpy as np
from tqdm import tqdm

from .chunking import Chunk
from .embeddings import Embedder
from .ingest_report import IngestReport
from .resume import ResumeStore, texts_digest
from .sentence_table import SentenceTable, build_table, sentence_texts
from .settings import RetrievalSettings

log = logging.getLogger("retrieval.ingest")  # these lines are the ingest's own

# Chunks embedded together (the English chunk vectors, their sentences, the multilingual vectors) and then kept
# in the resume store: an interrupted ingest loses at most one group.
GROUP_CHUNKS = 512


def vectors_variant(embedder: Embedder, multilingual: Embedder | None, settings: RetrievalSettings) -> str:
    """How vectors are made now: a resume store filled another way is not reused."""
    path = getattr(embedder, "path", None)
    return "|".join([type(embedder).__name__, Path(path).name if path else "", settings.embedding.model,
                     type(multilingual).__name__ if multilingual is not None else "none", settings.multilingual.model,
                     str(getattr(embedder, "dimension", ""))])


def embed_files(files: list[tuple[str, list[Chunk]]], embedder: Embedder, multilingual: Embedder | None,
                settings: RetrievalSettings, previous_sentences: SentenceTable | None, store: ResumeStore | None,
                report: IngestReport, progress: bool) -> tuple[np.ndarray, np.ndarray | None, dict[str, np.ndarray]]:
    """Chunk vectors (and multilingual ones) of new files, in file and chunk order, and the vectors of the English
    sentences of their chunks that `previous_sentences` lacks.

    Files are embedded in groups of about GROUP_CHUNKS chunks; each group's vectors go to `store` before the next
    group starts, and a file whose vectors `store` already holds (an ingest that stopped) is not embedded again.
    The progress bar counts chunks, all three embeddings of a group included, so its rate and ETA are the
    ingest's."""
    batch_size = settings.embedding.batch_size
    known: dict[str, np.ndarray] = store.sentences() if store is not None and settings.index.sentence_vectors else {}
    digests = [texts_digest(c.embedding_text() for c in chunks) for _, chunks in files]
    found = _resumed(files, digests, store, multilingual, report)
    todo = [i for i in range(len(files)) if i not in found]
    total = sum(len(files[i][1]) for i in todo)
    with tqdm(total=total, desc="embedding", unit="chunk", disable=not progress, smoothing=0.1) as bar:
        for group in _groups(todo, [len(chunks) for _, chunks in files], GROUP_CHUNKS):
            chunks = [c for i in group for c in files[i][1]]
            t0 = time.perf_counter()
            vectors = _minilm_vectors(embedder, chunks, multilingual is not None, batch_size)
            t1 = time.perf_counter()
            report.chunk_seconds += t1 - t0
            multi = None
            if multilingual is not None:
                multi = _embed(multilingual, [c.embedding_text() for c in chunks], batch_size)
                report.multilingual_seconds += time.perf_counter() - t1
            fresh: dict[str, np.ndarray] = {}
            if settings.index.sentence_vectors:
                fresh = _new_sentences(chunks, embedder, known, previous_sentences, batch_size, report)
            row = 0
            stored = []
            for i in group:
                count = len(files[i][1])
                found[i] = (vectors[row:row + count], multi[row:row + count] if multi is not None else None)
                stored.append((files[i][0], digests[i], *found[i]))
                row += count
            if store is not None:
                store.put(stored, fresh)
            bar.update(len(chunks))
    dim = embedder.dimension
    parts = [found[i][0] for i in range(len(files))]
    vectors_all = np.concatenate(parts) if parts else np.zeros((0, dim), dtype="float32")
    multi_all = None
    if multilingual is not None:
        multi_parts = [found[i][1] for i in range(len(files))]
        multi_all = np.concatenate(multi_parts) if multi_parts else np.zeros((0, multilingual.dimension), "float32")
    return np.ascontiguousarray(vectors_all, dtype="float32"), multi_all, known


def _resumed(files: list[tuple[str, list[Chunk]]], digests: list[str], store: ResumeStore | None,
             multilingual: Embedder | None, report: IngestReport) -> dict[int, tuple[np.ndarray, np.ndarray | None]]:
    """The vectors `store` holds for files whose chunks are the same, by the file's position in `files`."""
    found: dict[int, tuple[np.ndarray, np.ndarray | None]] = {}
    if store is not None and len(store):
        for i, (fingerprint, chunks) in enumerate(files):
            cached = store.file(fingerprint, digests[i])
            if cached is not None and len(cached[0]) == len(chunks) and (cached[1] is None) == (multilingual is None):
                found[i] = cached
        report.resumed = len(found)
        if found:
            log.info("ingest: %d files embedded by an ingest that stopped are not embedded again", len(found))
    return found


def _new_sentences(chunks: list[Chunk], embedder: Embedder, known: dict[str, np.ndarray],
                   previous_sentences: SentenceTable | None, batch_size: int,
                   report: IngestReport) -> dict[str, np.ndarray]:
    """Vectors of the English sentences of `chunks` that neither `known` nor `previous_sentences` has (added to
    `known`)."""
    t2 = time.perf_counter()
    fresh: dict[str, np.ndarray] = {}
    missing = [t for t in sentence_texts(chunks)
               if t not in known and (previous_sentences is None or t not in previous_sentences)]
    if missing:
        fresh = dict(zip(missing, embedder.embed(missing, batch_size=batch_size)))
        known.update(fresh)
    report.sentences_embedded += len(missing)
    report.sentence_seconds += time.perf_counter() - t2
    return fresh


def _groups(items: list[int], sizes: list[int], target: int) -> Iterator[list[int]]:
    """`items` in order, in groups of about `target` by `sizes` (a group holds at least one item)."""
    group: list[int] = []
    count = 0
    for i in items:
        group.append(i)
        count += sizes[i]
        if count >= target:
            yield group
            group, count = [], 0
    if group:
        yield group


def _embed(embedder: Embedder, texts: list[str], batch_size: int) -> np.ndarray:
    if not texts:
        return np.zeros((0, embedder.dimension), dtype="float32")
    return np.asarray(embedder.embed(texts, batch_size=batch_size), dtype="float32")


def _minilm_vectors(embedder: Embedder, chunks: list[Chunk], skip_chinese: bool, batch_size: int) -> np.ndarray:
    """The English embedding of each chunk. With a multilingual embedding beside it, Chinese chunks get a zero
    row instead: MiniLM reads Chinese poorly and only its first 256 tokens, search never uses its vectors for
    Chinese passages then (the multilingual ones serve), and embedding them was most of a Chinese ingest."""
    rows = [i for i, c in enumerate(chunks) if not (skip_chinese and c.language == "zh")]
    if len(rows) == len(chunks):
        return _embed(embedder, [c.embedding_text() for c in chunks], batch_size)
    embedded = _embed(embedder, [chunks[i].embedding_text() for i in rows], batch_size)
    out = np.zeros((len(chunks), embedded.shape[1] if rows else embedder.dimension), dtype="float32")
    if rows:
        out[rows] = embedded
    return out


def multilingual_vectors(embedder: Embedder, kept: list[tuple[list[Chunk], np.ndarray | None]],
                         new: np.ndarray | None, batch_size: int) -> np.ndarray:
    """Multilingual vectors in chunk order: those of the kept documents (their chunks and stored multilingual
    vectors) reused, the rest (kept chunks of a version written without them) embedded now, then the new chunks'
    ones."""
    parts = []
    for chunks, multi in kept:
        if multi is not None and len(multi) == len(chunks):
            parts.append(multi)
        else:
            parts.append(_embed(embedder, [c.embedding_text() for c in chunks], batch_size))
    if new is not None:
        parts.append(new)
    return np.concatenate(parts) if parts else np.zeros((0, embedder.dimension), dtype="float32")


def chunk_vectors(kept: list[np.ndarray], new: np.ndarray, new_count: int, previous: np.ndarray | None,
                  embedder: Embedder) -> tuple[np.ndarray, int]:
    """Every chunk's English vector, the kept documents' (`kept`, one array each) first, and the vectors' dimension:
    the new ones', else the previous version's (`previous`), else the embedder's."""
    dim = new.shape[1] if new_count else (previous.shape[1] if previous is not None else embedder.dimension)
    if kept or new_count:
        return np.concatenate([*kept, new]), dim
    return np.zeros((0, dim), "float32"), dim


def sentence_vectors(chunks: list[Chunk], embedder: Embedder, previous: SentenceTable | None,
                     known: dict[str, np.ndarray], settings: RetrievalSettings, report: IngestReport,
                     progress: bool) -> SentenceTable | None:
    """The version's sentence vectors (None when they are off), reusing the previous version's (`previous`) and
    those embedded with the new files (`known`); the ones still missing are embedded now."""
    if not settings.index.sentence_vectors:
        return None
    t0 = time.perf_counter()
    sentences, embedded = build_table(chunks, embedder, previous, settings.embedding.batch_size, progress,
                                      known=known)
    report.sentences_embedded += embedded
    report.sentence_seconds += time.perf_counter() - t0
    return sentences
