"""The on-disk index: versioned directories and an atomically swapped `current` link.

A version holds `chunks.db` (documents and chunks, via sqlite-utils), `vectors.npy` (one row per chunk, in
chunk order), `faiss.index` and `manifest.json`; with a multilingual embedding configured, also
`multi_vectors.npy` and `multi.faiss` (the same chunks in the multilingual space). A version written before
chunks recorded their language loads with every chunk taken as English and no multilingual index: it keeps
serving as it did until the next ingest rebuilds it. A new version is written completely beside the old one and
only then does `current` point at it, so a crash mid-ingest leaves the old index serving.
"""
from __future__ import annotations

import json
import logging
import os
import shutil
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import sqlite_utils

from .chunking import Chunk
from .errors import IndexNotFound
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

    @property
    def languages(self) -> set[str]:
        """The languages of the indexed passages."""
        return {c.language for c in self.chunks}


MULTI_VECTORS = "multi_vectors.npy"
MULTI_INDEX = "multi.faiss"


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
    fields = Chunk.__dataclass_fields__
    chunks = [Chunk(**{k: row[k] for k in fields if k in row}) for row in db["chunks"].rows_where(order_by="row_id")]
    db.close()
    vectors = np.load(root / "vectors.npy")
    index = VectorIndex.load(root / "faiss.index", settings)
    if len(chunks) != len(vectors) or index.size != len(chunks):
        raise IndexNotFound(f"index at {root} is inconsistent ({len(chunks)} chunks, {len(vectors)} vectors, {index.size} indexed)")
    multi_vectors = multi_index = None
    if (root / MULTI_VECTORS).exists():
        multi_vectors = np.load(root / MULTI_VECTORS)
        multi_index = VectorIndex.load(root / MULTI_INDEX, settings)
        if len(multi_vectors) != len(chunks) or multi_index.size != len(chunks):
            raise IndexNotFound(f"index at {root} is inconsistent ({len(chunks)} chunks, {len(multi_vectors)} multilingual vectors)")
    return IndexVersion(root, manifest, documents, chunks, vectors, index, multi_vectors, multi_index,
                        SentenceTable.load(root))


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
    """Write a new version beside the current one, then switch `current` to it in one rename."""
    index_dir.mkdir(parents=True, exist_ok=True)
    name = time.strftime("v-%Y%m%dT%H%M%S-") + uuid.uuid4().hex[:6]
    staging = index_dir / f".staging-{name}"
    staging.mkdir()
    try:
        db = sqlite_utils.Database(staging / "chunks.db")
        db["documents"].insert_all(
            ({**doc.__dict__, "metadata": json.dumps(doc.metadata, default=str)} for doc in documents), pk="path"
        )
        db["chunks"].insert_all(({"row_id": i, **c.as_row()} for i, c in enumerate(chunks)), pk="row_id")
        db.close()
        np.save(staging / "vectors.npy", np.ascontiguousarray(vectors, dtype="float32"))
        VectorIndex.build(vectors, settings).save(staging / "faiss.index")
        if multi_vectors is not None:
            np.save(staging / MULTI_VECTORS, np.ascontiguousarray(multi_vectors, dtype="float32"))
            VectorIndex.build(multi_vectors, settings).save(staging / MULTI_INDEX)
        if sentences is not None:
            sentences.save(staging)
        (staging / "manifest.json").write_text(json.dumps({**manifest, "chunks": len(chunks), "documents": len(documents)}, indent=2))
        _fsync_dir(staging)
        final = index_dir / name
        os.rename(staging, final)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    _point_current_at(index_dir, name)
    _remove_old_versions(index_dir, keep=name)
    return final


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
