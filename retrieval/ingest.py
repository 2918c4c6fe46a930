"""Ingestion: files -> chunks -> embeddings -> a new index version, doing no work for unchanged files."""
from __future__ import annotations

import fcntl
import hashlib
import logging
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

import numpy as np
from tqdm import tqdm

from .chunking import Chunk, split_document
from .embeddings import Embedder
from .errors import IndexNotFound, UnreadableDocument
from .index_store import IndexedDocument, load_version, write_version
from .loaders import find_documents, load_document
from .settings import RetrievalSettings

log = logging.getLogger(__name__)


@dataclass
class IngestReport:
    """What an ingest did, for the CLI to print and tests to check."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    chunks_embedded: int = 0
    total_chunks: int = 0
    version: str | None = None
    seconds: float = 0.0
    catalogue_problems: list[str] = field(default_factory=list)  # filled by the caller that builds the catalogue

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.removed)


def file_fingerprint(path: Path, settings: RetrievalSettings) -> str:
    """Content hash plus everything that changes the chunks or vectors made from it."""
    digest = hashlib.sha256(path.read_bytes())
    digest.update(settings.chunking.model_dump_json().encode())
    digest.update(settings.embedding.model.encode())
    return digest.hexdigest()


@contextmanager
def _ingest_lock(index_dir: Path) -> Iterator[None]:
    index_dir.mkdir(parents=True, exist_ok=True)
    with open(index_dir / ".ingest.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def ingest(
    root: Path,
    index_dir: Path,
    embedder: Embedder,
    settings: RetrievalSettings,
    progress: bool = False,
    on_file: Callable[[str, str], None] | None = None,
) -> IngestReport:
    """Bring the index up to date with the files under `root`.

    Unchanged files keep their chunks and vectors; changed and new files are re-read and embedded; files that
    were ingested from under `root` and are gone are dropped. Unreadable files are reported and skipped, the
    rest still go in. Nothing is written when nothing changed.
    """
    started = time.perf_counter()
    root = root.resolve()
    if not root.exists():
        raise FileNotFoundError(f"{root} does not exist")
    report = IngestReport()
    with _ingest_lock(index_dir):
        try:
            previous = load_version(index_dir, settings.index)
        except IndexNotFound:
            previous = None
        old_docs = previous.documents if previous else {}
        offsets = _chunk_offsets(previous) if previous else {}

        keep_docs: list[IndexedDocument] = []
        keep_chunks: list[Chunk] = []
        keep_vectors: list[np.ndarray] = []
        new_docs: list[IndexedDocument] = []
        new_chunks: list[Chunk] = []
        seen: set[str] = set()

        for path in find_documents(root):
            key = str(path.resolve())
            seen.add(key)
            fingerprint = file_fingerprint(path, settings)
            old = old_docs.get(key)
            if old and old.sha256 == fingerprint:
                report.unchanged.append(key)
                start, stop = offsets[key]
                keep_docs.append(old)
                keep_chunks.extend(previous.chunks[start:stop])
                keep_vectors.append(previous.vectors[start:stop])
                continue
            try:
                doc = load_document(path)
                chunks = split_document(doc, settings.chunking)
                if not chunks:
                    raise UnreadableDocument(key, "no passage long enough to index")
            except UnreadableDocument as exc:
                report.failed[key] = exc.reason
                log.warning("skipped %s: %s", key, exc.reason)
                if on_file:
                    on_file(key, f"skipped: {exc.reason}")
                continue
            for chunk in chunks:
                chunk.source = key
            (report.updated if old else report.added).append(key)
            new_docs.append(IndexedDocument(key, fingerprint, doc.course_id, doc.title, len(chunks), doc.metadata))
            new_chunks.extend(chunks)

        untouched = [d for p, d in old_docs.items() if p not in seen and not _is_under(p, root)]
        report.removed = [p for p in old_docs if p not in seen and _is_under(p, root)]
        for doc in untouched:
            start, stop = offsets[doc.path]
            keep_docs.append(doc)
            keep_chunks.extend(previous.chunks[start:stop])
            keep_vectors.append(previous.vectors[start:stop])

        if not report.changed:
            report.total_chunks = len(previous.chunks) if previous else 0
            report.version = previous.root.name if previous else None
            report.seconds = time.perf_counter() - started
            return report

        texts = [c.embedding_text() for c in new_chunks]
        vectors_new = _embed_in_batches(embedder, texts, settings.embedding.batch_size, progress)
        report.chunks_embedded = len(new_chunks)
        all_chunks = keep_chunks + new_chunks
        dim = vectors_new.shape[1] if len(new_chunks) else (previous.vectors.shape[1] if previous else embedder.dimension)
        all_vectors = np.concatenate([*keep_vectors, vectors_new]) if (keep_vectors or len(new_chunks)) else np.zeros((0, dim), "float32")
        manifest = {"embedding_model": settings.embedding.model, "dimension": int(dim), "created": time.time()}
        version = write_version(index_dir, keep_docs + new_docs, all_chunks, all_vectors, settings.index, manifest)
        report.version = version.name
        report.total_chunks = len(all_chunks)
    report.seconds = time.perf_counter() - started
    log.info("ingest: %d added, %d updated, %d removed, %d failed, %d chunks embedded",
             len(report.added), len(report.updated), len(report.removed), len(report.failed), report.chunks_embedded)
    return report


def _chunk_offsets(version) -> dict[str, tuple[int, int]]:
    """Rows of each document's chunks; chunks of one document are stored contiguously."""
    offsets: dict[str, tuple[int, int]] = {}
    for row, chunk in enumerate(version.chunks):
        start, _ = offsets.get(chunk.source, (row, row))
        offsets[chunk.source] = (start, row + 1)
    for path in version.documents:
        offsets.setdefault(path, (0, 0))
    return offsets


def _is_under(path: str, root: Path) -> bool:
    try:
        Path(path).relative_to(root)
        return True
    except ValueError:
        return False


def _embed_in_batches(embedder: Embedder, texts: list[str], batch_size: int, progress: bool) -> np.ndarray:
    if not texts:
        return np.zeros((0, embedder.dimension), dtype="float32")
    parts = []
    with tqdm(total=len(texts), desc="embedding", unit="chunk", disable=not progress) as bar:
        for start in range(0, len(texts), batch_size):
            batch = texts[start:start + batch_size]
            parts.append(embedder.embed(batch, batch_size=batch_size))
            bar.update(len(batch))
    return np.concatenate(parts)
