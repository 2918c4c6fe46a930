"""The on-disk index: versioned directories and an atomically swapped `current` link.

A version holds `chunks.db` (documents and chunks, via sqlite-utils), `vectors.npy` (one row per chunk, in
chunk order), `faiss.index`, `bm25/` (the BM25 inverted index, bm25.py) and `manifest.json`; with a multilingual
embedding configured, also `multi_vectors.npy` and `multi.faiss` (the same chunks in the multilingual space).
Vectors and BM25 postings are mapped into memory rather than read, so loading a large index does not copy them;
a version written before `bm25/` existed gets its BM25 index built when it loads. A version written before
chunks recorded their language loads with every chunk taken as English and no multilingual index: it keeps
serving as it did until the next ingest rebuilds it. A new version is written completely beside the old one and
only then does `current` point at it, so a crash mid-ingest leaves the old index serving.
"""
from __future__ import annotations

import json
import logging
import operator
import os
import shutil
import time
import uuid
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import sqlite_utils

from .acronyms import definitions
from .bm25 import BM25Index
from .chunking import Chunk
from .errors import IndexNotFound
from .languages import tokenize
from .settings import IndexSettings
from .sentence_table import SentenceTable
from .vector_index import VectorIndex

log = logging.getLogger(__name__)

CURRENT = "current"
KEEP_OLD_VERSIONS = 1


@dataclass
class IndexedDocument:
    path: str
    sha256: str
    course_id: str
    title: str
    chunk_count: int
    metadata: dict[str, Any]


@dataclass
class IndexVersion:
    """A complete, immutable index version loaded into memory."""

    root: Path
    manifest: dict[str, Any]
    documents: dict[str, IndexedDocument]
    chunks: list[Chunk]
    vectors: np.ndarray
    index: VectorIndex
    multi_vectors: np.ndarray | None = None  # the multilingual embedding of every chunk, when ingested with one
    multi_index: VectorIndex | None = None
    sentences: SentenceTable | None = None  # every English sentence's embedding, when ingested with them
    bm25: BM25Index | None = None  # None only for a version without passages

    @cached_property
    def languages(self) -> set[str]:
        """The languages of the indexed passages (asked on every question: worked out once)."""
        return {c.language for c in self.chunks}

    @cached_property
    def acronyms(self) -> dict[str, str]:
        """The acronyms the English passages define ("Paid Parental Leave (PPL)"), for the reader (acronyms.py)."""
        return definitions(c.text for c in self.chunks if c.language != "zh")

    @cached_property
    def by_course(self) -> dict[str, list[Chunk]]:
        """Each course's passages in the course's order (a follow-up reads its sections): grouped once per version,
        not looked for among every passage on every turn."""
        grouped: dict[str, list[Chunk]] = {}
        for chunk in self.chunks:
            grouped.setdefault(chunk.course_id, []).append(chunk)
        for chunks in grouped.values():
            chunks.sort(key=lambda c: c.position)
        return grouped


VECTORS = "vectors.npy"
FAISS_INDEX = "faiss.index"
MULTI_VECTORS = "multi_vectors.npy"
MULTI_INDEX = "multi.faiss"
BM25_DIR = "bm25"


def bm25_tokens(chunk: Chunk) -> list[str]:
    """What BM25 indexes of a passage: its embedding text's words (a placeholder for a passage without any)."""
    return tokenize(chunk.embedding_text()) or ["∅"]


def current_version_dir(index_dir: Path) -> Path | None:
    link = index_dir / CURRENT
    if not link.exists():
        return None
    return (index_dir / os.readlink(link)).resolve() if link.is_symlink() else link.resolve()


def load_version(index_dir: Path, settings: IndexSettings) -> IndexVersion:
    """Load the version `current` points at; IndexNotFound when there is none."""
    root = current_version_dir(index_dir)
    if root is None:
        raise IndexNotFound(f"no index at {index_dir}: run `tutor ingest PATH` first")
    manifest = json.loads((root / "manifest.json").read_text())
    db = sqlite_utils.Database(root / "chunks.db")
    documents = {
        row["path"]: IndexedDocument(row["path"], row["sha256"], row["course_id"], row["title"], row["chunk_count"], json.loads(row["metadata"]))
        for row in db["documents"].rows
    }
    chunks = _chunks(db)
    db.close()
    vectors = np.load(root / VECTORS, mmap_mode="r")
    index = VectorIndex.load(root / FAISS_INDEX, settings, vectors)
    if len(chunks) != len(vectors) or index.size != len(chunks):
        raise IndexNotFound(f"index at {root} is inconsistent ({len(chunks)} chunks, {len(vectors)} vectors, {index.size} indexed)")
    multi_vectors = multi_index = None
    if (root / MULTI_VECTORS).exists():
        multi_vectors = np.load(root / MULTI_VECTORS, mmap_mode="r")
        multi_index = VectorIndex.load(root / MULTI_INDEX, settings, multi_vectors)
        if len(multi_vectors) != len(chunks) or multi_index.size != len(chunks):
            raise IndexNotFound(f"index at {root} is inconsistent ({len(chunks)} chunks, {len(multi_vectors)} multilingual vectors)")
    return IndexVersion(root, manifest, documents, chunks, vectors, index, multi_vectors, multi_index,
                        SentenceTable.load(root), _bm25_of(root, chunks))


def _chunks(db: sqlite_utils.Database) -> list[Chunk]:
    """Every chunk in row order, read as tuples (a million rows in seconds; dictionaries took several times
    longer). Columns added since a version was written are left to their defaults."""
    present = db["chunks"].columns_dict
    names = [name for name in Chunk.__dataclass_fields__ if name in present]
    rows = db.execute(f"select {', '.join(f'[{n}]' for n in names)} from chunks order by row_id")
    if names == list(Chunk.__dataclass_fields__)[:len(names)]:
        return [Chunk(*row) for row in rows]
    return [Chunk(**dict(zip(names, row))) for row in rows]


def _bm25_of(root: Path, chunks: list[Chunk]) -> BM25Index | None:
    if not chunks:
        return None
    bm25 = BM25Index.load(root / BM25_DIR)
    if bm25 is not None and bm25.corpus_size == len(chunks):
        return bm25
    t0 = time.perf_counter()
    bm25 = BM25Index.build(bm25_tokens(c) for c in chunks)
    log.info("BM25 index of %s built at load (%d passages, %.1f s): written with the version from the next ingest",
             root.name, len(chunks), time.perf_counter() - t0)
    return bm25


def write_version(
    index_dir: Path,
    documents: list[IndexedDocument],
    chunks: list[Chunk],
    vectors: np.ndarray,
    settings: IndexSettings,
    manifest: dict[str, Any],
    multi_vectors: np.ndarray | None = None,
    sentences: SentenceTable | None = None,
) -> Path:
    """Write a new version beside the current one, then switch `current` to it in one rename. The time each
    part took is recorded in the manifest (`build_seconds`)."""
    index_dir.mkdir(parents=True, exist_ok=True)
    name, staging = _staging(index_dir)
    timings: dict[str, float] = {}
    try:
        t0 = time.perf_counter()
        db = sqlite_utils.Database(staging / "chunks.db")
        db["documents"].insert_all(
            ({**doc.__dict__, "metadata": json.dumps(doc.metadata, default=str)} for doc in documents), pk="path"
        )
        _insert_chunks(db, chunks)
        db.close()
        timings["chunks"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        if chunks:
            BM25Index.build(bm25_tokens(c) for c in chunks).save(staging / BM25_DIR)
        timings["bm25"] = time.perf_counter() - t0
        np.save(staging / VECTORS, np.ascontiguousarray(vectors, dtype="float32"))
        if multi_vectors is not None:
            np.save(staging / MULTI_VECTORS, np.ascontiguousarray(multi_vectors, dtype="float32"))
        timings.update(_build_dense(staging, vectors, multi_vectors, settings))
        if sentences is not None:
            sentences.save(staging)
        manifest = {**manifest, "chunks": len(chunks), "documents": len(documents),
                    "build_seconds": {k: round(v, 3) for k, v in timings.items()}}
        (staging / "manifest.json").write_text(json.dumps(manifest, indent=2))
        return _publish(index_dir, staging, name)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def _insert_chunks(db: sqlite_utils.Database, chunks: list[Chunk]) -> None:
    """The chunks table (`row_id` then Chunk's fields) in one transaction of plain inserts: sqlite-utils'
    `insert_all` built a statement per hundred rows and took minutes for a million chunks."""
    fields = Chunk.__dataclass_fields__
    names = list(fields)
    db["chunks"].create({"row_id": int, **{n: int if fields[n].type in ("int", int) else str for n in names}}, pk="row_id")
    values = operator.attrgetter(*names)
    with db.conn:
        db.conn.executemany(f"insert into chunks (row_id, {', '.join(f'[{n}]' for n in names)}) "
                            f"values ({', '.join('?' * (len(names) + 1))})",
                            ((i, *values(chunk)) for i, chunk in enumerate(chunks)))


def reindex(index_dir: Path, settings: IndexSettings) -> Path:
    """A new version with the dense indexes rebuilt for `settings` (kind, HNSW and IVF parameters) and every
    other file shared with the current version by hard link: a changed `retrieval.index` takes effect without
    reading or embedding anything again."""
    root = current_version_dir(index_dir)
    if root is None:
        raise IndexNotFound(f"no index at {index_dir}: run `tutor ingest PATH` first")
    name, staging = _staging(index_dir)
    staging.rmdir()
    try:
        shutil.copytree(root, staging, copy_function=_link_or_copy,
                        ignore=lambda folder, names: [n for n in names if n in (FAISS_INDEX, MULTI_INDEX)])
        vectors = np.load(root / VECTORS, mmap_mode="r")
        multi = np.load(root / MULTI_VECTORS, mmap_mode="r") if (root / MULTI_VECTORS).exists() else None
        timings = _build_dense(staging, vectors, multi, settings)
        manifest = json.loads((root / "manifest.json").read_text())
        manifest["build_seconds"] = {**manifest.get("build_seconds", {}), **{k: round(v, 3) for k, v in timings.items()}}
        (staging / "manifest.json").unlink()
        (staging / "manifest.json").write_text(json.dumps(manifest, indent=2))
        return _publish(index_dir, staging, name)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def _build_dense(folder: Path, vectors: np.ndarray, multi_vectors: np.ndarray | None,
                 settings: IndexSettings) -> dict[str, float]:
    timings = {}
    t0 = time.perf_counter()
    VectorIndex.build(vectors, settings).save(folder / FAISS_INDEX)
    timings["dense"] = time.perf_counter() - t0
    if multi_vectors is not None:
        t0 = time.perf_counter()
        VectorIndex.build(multi_vectors, settings).save(folder / MULTI_INDEX)
        timings["multilingual"] = time.perf_counter() - t0
    return timings


def _staging(index_dir: Path) -> tuple[str, Path]:
    name = time.strftime("v-%Y%m%dT%H%M%S-") + uuid.uuid4().hex[:6]
    staging = index_dir / f".staging-{name}"
    staging.mkdir()
    return name, staging


def _publish(index_dir: Path, staging: Path, name: str) -> Path:
    """The complete staging folder becomes a version and `current` points at it."""
    _fsync_dir(staging)
    final = index_dir / name
    os.rename(staging, final)
    _point_current_at(index_dir, name)
    _remove_old_versions(index_dir, keep=name)
    return final


def _link_or_copy(source: str, target: str) -> None:
    try:
        os.link(source, target)
    except OSError:  # a file system without hard links
        shutil.copy2(source, target)


def _point_current_at(index_dir: Path, name: str) -> None:
    tmp_link = index_dir / f".{CURRENT}-{uuid.uuid4().hex[:6]}"
    os.symlink(name, tmp_link)
    os.replace(tmp_link, index_dir / CURRENT)
    _fsync_dir(index_dir)
    log.info("index %s now serving", name)


def _remove_old_versions(index_dir: Path, keep: str) -> None:
    versions = sorted(p for p in index_dir.iterdir() if p.is_dir() and p.name.startswith("v-") and p.name != keep)
    for old in versions[: max(0, len(versions) - KEEP_OLD_VERSIONS)]:
        shutil.rmtree(old, ignore_errors=True)
    for stale in index_dir.glob(".staging-*"):
        # Left by an ingest that was killed; nothing points at it.
        shutil.rmtree(stale, ignore_errors=True)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
