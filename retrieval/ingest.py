"""Ingestion: files -> clean text -> chunks -> embeddings -> a new index version, doing no work for unchanged files.

Documents are keyed by their source, the path relative to the ingested folder (a single file: its name), which
is also what their chunks cite. The manifest remembers where each source is on disk (`locations`), so a later
ingest knows which indexed documents come from the folder it reads (to update or drop) and which from elsewhere
(kept as they are). An index written when sources were absolute paths is migrated as its folders are ingested
again; its other documents keep serving and are reported.

With a multilingual embedding configured (`retrieval.multilingual.model`), every new chunk is embedded a second
time with it, so Chinese questions and passages, and questions across the two languages, can be searched; the
seconds it took are reported apart (`multilingual_seconds`).

The report of what an ingest did is in ingest_report.py; the vectors, made in groups a stopped ingest resumes
from, in ingest_vectors.py.
"""
from __future__ import annotations

import fcntl
import hashlib
import logging
import os
import time
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Iterator, NamedTuple

import numpy as np
from tqdm import tqdm

from .chunking import Chunk, split_document
from .derived import course_id_from_path
from .embeddings import Embedder, ingest_embedder
from .errors import IndexNotFound, UnreadableDocument
from .index_store import IndexedDocument, IndexVersion, load_version, write_version
from .ingest_report import IngestReport, IngestWarning  # imported from here as well: retrieval.ingest.IngestReport
from .ingest_vectors import chunk_vectors, embed_files, multilingual_vectors, sentence_vectors, vectors_variant
from .loaders import SourceDocument, find_documents, load_document, source_name
from .resume import ResumeStore
from .settings import RetrievalSettings

log = logging.getLogger(__name__)

# Part of every file's fingerprint: change it when loading, cleaning or chunking changes what a file becomes,
# so that the next ingest re-reads every file instead of keeping passages made the old way.
PIPELINE_VERSION = "clean-markup-5-line-breaks"
# Where the ONNX models go when the caller names no cache directory: the project's default cache (paths.cache_dir).
DEFAULT_CACHE_DIR = Path(__file__).resolve().parents[1] / "var" / "cache"


def file_fingerprint(path: Path, settings: RetrievalSettings) -> str:
    """Content hash plus everything that changes the chunks or vectors made from it."""
    digest = hashlib.sha256(path.read_bytes())
    digest.update(PIPELINE_VERSION.encode())
    digest.update(settings.chunking.model_dump_json().encode())
    digest.update(settings.embedding.model.encode())
    digest.update(settings.multilingual.model.encode())
    if settings.embedding.precision != "fp32":  # int8 vectors differ a little: a change re-embeds every file
        digest.update(settings.embedding.precision.encode())
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


@dataclass
class _Kept:
    document: IndexedDocument
    chunks: list[Chunk]
    vectors: np.ndarray
    location: str | None
    multi_vectors: np.ndarray | None = None


class _ToRead(NamedTuple):
    """A new or changed file: the source it is cited under, where it is, and what the index had for it."""

    path: Path
    key: str
    location: str
    fingerprint: str
    old: IndexedDocument | None


@dataclass
class _Plan:
    """The files under the ingested folder sorted against the current version."""

    others: list[_Kept]  # documents from other folders, kept as they are
    unchanged: list[_Kept] = field(default_factory=list)
    to_read: list[_ToRead] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)  # ingested from under the folder before, gone now
    rekeyed: bool = False  # an unchanged file is cited under another source now


@dataclass
class _NewFiles:
    """The new and changed files that could be read: their documents, chunks (in document order), locations."""

    documents: list[IndexedDocument] = field(default_factory=list)
    chunks: list[Chunk] = field(default_factory=list)
    locations: dict[str, str] = field(default_factory=dict)


def ingest(
    root: Path,
    index_dir: Path,
    embedder: Embedder,
    settings: RetrievalSettings,
    progress: bool = False,
    on_file: Callable[[str, str], None] | None = None,
    multilingual: Embedder | None | str = "settings",
    cache_dir: Path | None = None,
) -> IngestReport:
    """Bring the index up to date with the files under `root`.

    Unchanged files keep their chunks and vectors; changed and new files are re-read and embedded; files that
    were ingested from under `root` and are gone are dropped. Unreadable files are reported and skipped, the
    rest still go in. Course ids stay unique: a file claiming an id another document has is indexed under
    another id, with a warning. Nothing is written when nothing changed. `multilingual` replaces the
    multilingual embedder the settings name (None: none).

    The project's own embedders are replaced on a CPU by the model's ONNX export (embeddings.ingest_embedder),
    made once into `cache_dir` (default: the project's var/cache). Files are embedded in groups, each group's
    vectors kept in a resume store beside the index until the new version is written, so an ingest interrupted
    by a crash or a kill is resumed by the next one without embedding again what it had finished (resume.py).
    """
    started = time.perf_counter()
    root = root.resolve()
    if not root.exists():
        raise FileNotFoundError(f"{root} does not exist")
    base = root if root.is_dir() else root.parent
    report = IngestReport()
    with _ingest_lock(index_dir):
        previous = _current_version(index_dir, settings)
        plan = _sort_files(root, base, previous, settings, report, on_file)
        new = _read_files(plan, base, settings, report, on_file, progress)
        report.removed = plan.removed
        _log_warnings(report)
        # An index written before sentence vectors (or with them off, or before links were embedded as their labels)
        # gains them without re-reading any file.
        adds_sentences = settings.index.sentence_vectors and previous is not None and (
            previous.sentences is None or previous.sentences.outdated())
        if not (report.changed or plan.rekeyed or adds_sentences):
            report.total_chunks = len(previous.chunks) if previous else 0
            report.version = previous.root.name if previous else None
            report.seconds = time.perf_counter() - started
            return report

        if multilingual == "settings":
            from .multilingual import multilingual_embedder

            multilingual = multilingual_embedder(settings.multilingual)
        embedder = ingest_embedder(embedder, settings.embedding, Path(cache_dir) if cache_dir else DEFAULT_CACHE_DIR)
        _embed_and_write(index_dir, previous, [*plan.unchanged, *plan.others], new, embedder, multilingual,
                         settings, report, progress)
    report.seconds = time.perf_counter() - started
    _log_done(report)
    return report


def _current_version(index_dir: Path, settings: RetrievalSettings) -> IndexVersion | None:
    try:
        return load_version(index_dir, settings.index)
    except IndexNotFound:
        return None


def _sort_files(root: Path, base: Path, previous: IndexVersion | None, settings: RetrievalSettings,
                report: IngestReport, on_file: Callable[[str, str], None] | None) -> _Plan:
    """Sort the files under `root` against `previous`: unchanged (kept with their chunks and vectors), to read
    (new or changed) and removed; documents from other folders are kept, under the sources they have."""
    old_docs = previous.documents if previous else {}
    offsets = _chunk_offsets(previous) if previous else {}
    locations = _locations(previous)
    key_at = {location: key for key, location in locations.items() if location}
    mine = {key for key, location in locations.items() if location and _is_under(location, root)}

    plan = _Plan([_slice(previous, old_docs[key], offsets, locations.get(key)) for key in old_docs if key not in mine])
    taken = {kept.document.path: kept.location for kept in plan.others}  # source key -> where that file is
    for kept in plan.others:
        if os.path.isabs(kept.document.path):
            report.warnings.append(IngestWarning(kept.document.path, "source", "indexed by an earlier version under "
                                                 "its absolute path; ingest its folder again to update it"))
    seen_old: set[str] = set()
    for path in find_documents(root):
        location = str(path)
        old_key = key_at.get(location) or key_at.get(str(path.resolve()))
        key = _source_key(source_name(path, base), base, taken, report, on_file)
        if key is None:
            continue
        taken[key] = location
        if old_key:
            seen_old.add(old_key)
        old = old_docs.get(old_key) if old_key else None
        fingerprint = file_fingerprint(path, settings)
        if old and old.sha256 == fingerprint:
            kept = _slice(previous, old, offsets, location)
            if old.path != key:  # the same file, now seen from another folder: only its source changes
                kept = _Kept(replace(old, path=key), [replace(c, source=key) for c in kept.chunks], kept.vectors,
                             location, kept.multi_vectors)
                plan.rekeyed = True
            plan.unchanged.append(kept)
            report.unchanged.append(key)
        else:
            plan.to_read.append(_ToRead(path, key, location, fingerprint, old))
    plan.removed = sorted(key for key in mine if key not in seen_old)
    return plan


def _source_key(key: str, base: Path, taken: dict[str, str | None], report: IngestReport,
                on_file: Callable[[str, str], None] | None) -> str | None:
    """The source a file is cited under: `key`, or `key` under its folder's name when a document from another
    folder has that source; None (the file is skipped) when that is taken too."""
    if key not in taken:
        return key
    prefixed = f"{base.name}/{key}"
    if prefixed in taken:
        _fail(report, on_file, key, f"'{key}' and '{prefixed}' are both sources of documents from other folders")
        return None
    report.warnings.append(IngestWarning(prefixed, "source", f"'{key}' is the source of a document from "
                                         f"another folder ({taken[key]}); this file is cited as '{prefixed}'"))
    return prefixed


def _read_files(plan: _Plan, base: Path, settings: RetrievalSettings, report: IngestReport,
                on_file: Callable[[str, str], None] | None, progress: bool) -> _NewFiles:
    """Read, clean and chunk the new and changed files; those that cannot be read are reported and skipped."""
    # Ids already serving keep their holders; new and changed files are fitted around them.
    ids = {kept.document.course_id: kept.document.path for kept in [*plan.others, *plan.unchanged]}
    for item in plan.to_read:  # a changed file keeps its id against a new file claiming the same one
        if item.old is not None:
            ids.setdefault(item.old.course_id, item.key)
    new = _NewFiles()
    t_read = time.perf_counter()
    for path, key, location, fingerprint, old in tqdm(plan.to_read, desc="reading", unit="file",
                                                      disable=not progress, leave=False):
        try:
            doc = load_document(path, base)
            if doc.path != key:  # cited under its folder's name: another folder has a file at the same path
                doc.path = key
                if "id" in doc.derived:
                    doc.derived["id"] = f"'{doc.course_id}' from the path"
            _unique_id(doc, ids, report)
            chunks = split_document(doc, settings.chunking)
            if not chunks:
                raise UnreadableDocument(key, "no passage long enough to index")
        except UnreadableDocument as exc:
            _fail(report, on_file, key, exc.reason)
            continue
        ids[doc.course_id] = key
        report.warnings.extend(IngestWarning(key, name, detail) for name, detail in doc.derived.items())
        (report.updated if old else report.added).append(key)
        new.documents.append(IndexedDocument(key, fingerprint, doc.course_id, doc.title, len(chunks), doc.metadata))
        new.chunks.extend(chunks)
        new.locations[key] = location
    report.read_seconds = time.perf_counter() - t_read
    return new


def _embed_and_write(index_dir: Path, previous: IndexVersion | None, kept: list[_Kept], new: _NewFiles,
                     embedder: Embedder, multilingual: Embedder | None, settings: RetrievalSettings,
                     report: IngestReport, progress: bool) -> None:
    """Embed the new files and write the next version: the kept documents' chunks and vectors, then the new ones.
    Each embedded group waits in the resume store until the version is written (then the store is deleted)."""
    files = [(doc.sha256, new.chunks[start:start + doc.chunk_count])
             for doc, start in zip(new.documents, np.cumsum([0] + [d.chunk_count for d in new.documents]))]
    with _resume_store(index_dir, vectors_variant(embedder, multilingual, settings), bool(files)) as store:
        vectors_new, multi_new, known_sentences = embed_files(
            files, embedder, multilingual, settings, previous.sentences if previous else None, store, report,
            progress)
        report.chunks_embedded = len(new.chunks)
        all_chunks = [c for item in kept for c in item.chunks] + new.chunks
        all_vectors, dim = chunk_vectors([item.vectors for item in kept], vectors_new, len(new.chunks),
                                         previous.vectors if previous else None, embedder)
        multi_vectors = None
        if multilingual is not None:
            t0 = time.perf_counter()
            multi_vectors = multilingual_vectors(multilingual, [(item.chunks, item.multi_vectors) for item in kept],
                                                 multi_new, settings.embedding.batch_size)
            report.multilingual_seconds += time.perf_counter() - t0
        sentences = sentence_vectors(all_chunks, embedder, previous.sentences if previous else None, known_sentences,
                                     settings, report, progress)
        manifest = _manifest(kept, new, settings, dim, multi_vectors is not None)
        t0 = time.perf_counter()
        version = write_version(index_dir, [item.document for item in kept] + new.documents, all_chunks,
                                all_vectors, settings.index, manifest, multi_vectors, sentences)
        if store is not None:
            store.discard()
        report.write_seconds = time.perf_counter() - t0
    report.version = version.name
    report.total_chunks = len(all_chunks)


@contextmanager
def _resume_store(index_dir: Path, variant: str, needed: bool) -> Iterator[ResumeStore | None]:
    """The resume store while new files are embedded and the version is written (None when there are none).
    On any error it is closed and left in place: the next ingest resumes from what it holds."""
    store = ResumeStore(index_dir, variant) if needed else None
    try:
        yield store
    except BaseException:
        if store is not None:
            store.close()
        raise


def _manifest(kept: list[_Kept], new: _NewFiles, settings: RetrievalSettings, dim: int,
              with_multilingual: bool) -> dict[str, Any]:
    """How the version was made and where each of its documents' files is."""
    sources = {item.document.path: item.location for item in kept if item.location} | new.locations
    return {"embedding_model": settings.embedding.model, "dimension": int(dim), "created": time.time(),
            "pipeline": PIPELINE_VERSION, "locations": sources,
            "multilingual_model": settings.multilingual.model if with_multilingual else "none"}


def _log_done(report: IngestReport) -> None:
    log.info("ingest: %d added, %d updated, %d removed, %d failed, %d chunks and %d sentences embedded (%.1f s, of "
             "which reading %.1f s, chunks %.1f s, multilingual %.1f s, sentences %.1f s, writing %.1f s), %d files "
             "resumed, %d warnings", len(report.added), len(report.updated), len(report.removed), len(report.failed),
             report.chunks_embedded, report.sentences_embedded, report.seconds, report.read_seconds,
             report.chunk_seconds, report.multilingual_seconds, report.sentence_seconds, report.write_seconds,
             report.resumed, len(report.warnings))


def _fail(report: IngestReport, on_file: Callable[[str, str], None] | None, key: str, reason: str) -> None:
    report.failed[key] = reason
    log.warning("skipped %s: %s", key, reason)
    if on_file:
        on_file(key, f"skipped: {reason}")


def _unique_id(doc: SourceDocument, ids: dict[str, str], report: IngestReport) -> None:
    """Give `doc` another id when the one it claims belongs to another document, and say so."""
    wanted = doc.course_id
    holder = ids.get(wanted)
    if holder is None or holder == doc.path:
        return
    candidates = [course_id_from_path(doc.path), course_id_from_path(doc.path, keep_index=True)]
    candidates += [f"{wanted}-{n}" for n in range(2, len(ids) + 3)]
    doc.assigned_id = next(c for c in candidates if c not in ids)
    doc.derived.pop("id", None)  # the warning below says where the id came from
    doc.metadata["derived"] = sorted({*doc.metadata.get("derived", []), "id"})
    detail = f"'{wanted}' is already the id of {holder}; indexed as '{doc.assigned_id}'"
    report.warnings.append(IngestWarning(doc.path, "duplicate id", detail))
    log.warning("%s: %s", doc.path, detail)


def _log_warnings(report: IngestReport) -> None:
    for line in report.warning_summary():
        log.info("ingest: %s", line.strip())
    for warning in report.warnings:
        log.debug("%s: %s: %s", warning.file, warning.field, warning.detail)


def _locations(version) -> dict[str, str | None]:
    """Where each indexed document's file is: from the manifest, or the key itself for an index whose keys were
    absolute paths; None when unknown."""
    if version is None:
        return {}
    recorded = version.manifest.get("locations") or {}
    return {key: recorded.get(key) or (key if os.path.isabs(key) else None) for key in version.documents}


def _slice(version, document: IndexedDocument, offsets: dict[str, tuple[int, int]], location: str | None) -> _Kept:
    start, stop = offsets[document.path]
    multi = version.multi_vectors[start:stop] if version.multi_vectors is not None else None
    return _Kept(document, version.chunks[start:stop], version.vectors[start:stop], location, multi)


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
