"""Ingestion: files -> clean text -> chunks -> embeddings -> a new index version, doing no work for unchanged files.

Documents are keyed by their source, the path relative to the ingested folder (a single file: its name), which
is also what their chunks cite. The manifest remembers where each source is on disk (`locations`), so a later
ingest knows which indexed documents come from the folder it reads (to update or drop) and which from elsewhere
(kept as they are). An index written when sources were absolute paths is migrated as its folders are ingested
again; its other documents keep serving and are reported.

With a multilingual embedding configured (`retrieval.multilingual.model`), every new chunk is embedded a second
time with it, so Chinese questions and passages, and questions across the two languages, can be searched; the
seconds it took are reported apart (`multilingual_seconds`).
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
from typing import Callable, Iterator

import numpy as np
from tqdm import tqdm

from .chunking import Chunk, split_document
from .derived import course_id_from_path
from .embeddings import Embedder, ingest_embedder
from .errors import IndexNotFound, UnreadableDocument
from .index_store import IndexedDocument, load_version, write_version
from .loaders import SourceDocument, find_documents, load_document, source_name
from .resume import ResumeStore, texts_digest
from .sentence_table import SentenceTable, build_table, sentence_texts
from .settings import RetrievalSettings

log = logging.getLogger(__name__)

# Part of every file's fingerprint: change it when loading, cleaning or chunking changes what a file becomes,
# so that the next ingest re-reads every file instead of keeping passages made the old way.
PIPELINE_VERSION = "clean-markup-3-minor-headings"
# Chunks embedded together (the English chunk vectors, their sentences, the multilingual vectors) and then kept
# in the resume store: an interrupted ingest loses at most one group.
GROUP_CHUNKS = 512
# Where the ONNX models go when the caller names no cache directory: the project's default cache (paths.cache_dir).
DEFAULT_CACHE_DIR = Path(__file__).resolve().parents[1] / "var" / "cache"


@dataclass(frozen=True)
class IngestWarning:
    """Something ingest decided for a file that its author should know: a derived field, a changed id."""

    file: str
    field: str
    detail: str


@dataclass
class IngestReport:
    """What an ingest did, for the CLI to print and tests to check."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    warnings: list[IngestWarning] = field(default_factory=list)
    chunks_embedded: int = 0
    chunk_seconds: float = 0.0  # of `seconds`, spent embedding chunks (the English model)
    multilingual_seconds: float = 0.0  # of `seconds`, spent on the multilingual embedding
    sentences_embedded: int = 0  # English sentences embedded for the answer step (sentence_table.py)
    sentence_seconds: float = 0.0  # of `seconds`, spent on them
    read_seconds: float = 0.0  # of `seconds`, spent reading, cleaning and chunking files
    write_seconds: float = 0.0  # of `seconds`, spent writing the new version (database, vectors, search indexes)
    resumed: int = 0  # files whose vectors an interrupted ingest had already made (resume.py)
    total_chunks: int = 0
    version: str | None = None
    seconds: float = 0.0
    catalogue_problems: list[str] = field(default_factory=list)  # filled by the caller that builds the catalogue

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.removed)

    def warnings_by_field(self) -> dict[str, list[IngestWarning]]:
        """Warnings grouped by field, fields in a stable order."""
        grouped: dict[str, list[IngestWarning]] = {}
        for warning in sorted(self.warnings, key=lambda w: (w.field, w.file)):
            grouped.setdefault(warning.field, []).append(warning)
        return grouped

    def warning_summary(self, examples: int = 3) -> list[str]:
        """The warnings in a few lines: per field, how many files and the first few (not one line per file)."""
        grouped = self.warnings_by_field()
        lines: list[str] = []
        derived = [name for name in grouped if name not in _PROBLEMS]
        if derived:
            lines.append("Derived because the files do not declare them (set them in the front matter to choose):")
        for name in derived:
            lines.append(f"  {name} for {_files(grouped[name])}: {_examples(grouped[name], examples)}")
        for name, heading in _PROBLEMS.items():
            if name in grouped:
                lines.append(f"{heading} ({_files(grouped[name])}): {_examples(grouped[name], examples)}")
        return lines


_PROBLEMS = {
    "duplicate id": "Course id already taken, indexed under another id",
    "source": "Source path",
}


def _files(warnings: list[IngestWarning]) -> str:
    return f"{len(warnings)} file{'s' if len(warnings) != 1 else ''}"


def _examples(warnings: list[IngestWarning], count: int) -> str:
    shown = "; ".join(f"{w.file} ({w.detail})" for w in warnings[:count])
    return shown + (f"; and {len(warnings) - count} more" if len(warnings) > count else "")


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
        try:
            previous = load_version(index_dir, settings.index)
        except IndexNotFound:
            previous = None
        old_docs = previous.documents if previous else {}
        offsets = _chunk_offsets(previous) if previous else {}
        locations = _locations(previous)
        key_at = {location: key for key, location in locations.items() if location}
        mine = {key for key, location in locations.items() if location and _is_under(location, root)}

        others = [_slice(previous, old_docs[key], offsets, locations.get(key)) for key in old_docs if key not in mine]
        taken = {kept.document.path: kept.location for kept in others}  # source key -> where that file is
        for kept in others:
            if os.path.isabs(kept.document.path):
                report.warnings.append(IngestWarning(kept.document.path, "source", "indexed by an earlier version under its "
                                                     "absolute path; ingest its folder again to update it"))

        unchanged: list[_Kept] = []
        to_read: list[tuple[Path, str, str, str, IndexedDocument | None]] = []
        seen_old: set[str] = set()
        rekeyed = False
        for path in find_documents(root):
            location = str(path)
            old_key = key_at.get(location) or key_at.get(str(path.resolve()))
            key = source_name(path, base)
            if key in taken:
                prefixed = f"{base.name}/{key}"
                if prefixed in taken:
                    _fail(report, on_file, key, f"'{key}' and '{prefixed}' are both sources of documents from other folders")
                    continue
                report.warnings.append(IngestWarning(prefixed, "source", f"'{key}' is the source of a document from "
                                                     f"another folder ({taken[key]}); this file is cited as '{prefixed}'"))
                key = prefixed
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
                    rekeyed = True
                unchanged.append(kept)
                report.unchanged.append(key)
            else:
                to_read.append((path, key, location, fingerprint, old))

        # Ids already serving keep their holders; new and changed files are fitted around them.
        ids = {kept.document.course_id: kept.document.path for kept in [*others, *unchanged]}
        for _, key, _, _, old in to_read:  # a changed file keeps its id against a new file claiming the same one
            if old is not None:
                ids.setdefault(old.course_id, key)
        new_docs: list[IndexedDocument] = []
        new_chunks: list[Chunk] = []
        new_locations: dict[str, str] = {}
        t_read = time.perf_counter()
        for path, key, location, fingerprint, old in tqdm(to_read, desc="reading", unit="file", disable=not progress,
                                                          leave=False):
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
            new_docs.append(IndexedDocument(key, fingerprint, doc.course_id, doc.title, len(chunks), doc.metadata))
            new_chunks.extend(chunks)
            new_locations[key] = location
        report.read_seconds = time.perf_counter() - t_read

        report.removed = sorted(key for key in mine if key not in seen_old)
        _log_warnings(report)
        # An index written before sentence vectors (or with them off) gains them without re-reading any file.
        adds_sentences = settings.index.sentence_vectors and previous is not None and previous.sentences is None
        if not (report.changed or rekeyed or adds_sentences):
            report.total_chunks = len(previous.chunks) if previous else 0
            report.version = previous.root.name if previous else None
            report.seconds = time.perf_counter() - started
            return report

        kept_all = [*unchanged, *others]
        if multilingual == "settings":
            from .multilingual import multilingual_embedder

            multilingual = multilingual_embedder(settings.multilingual)
        embedder = ingest_embedder(embedder, settings.embedding, Path(cache_dir) if cache_dir else DEFAULT_CACHE_DIR)
        files = [(doc.sha256, new_chunks[start:start + doc.chunk_count])
                 for doc, start in zip(new_docs, np.cumsum([0] + [d.chunk_count for d in new_docs]))]
        store = ResumeStore(index_dir, _variant(embedder, multilingual, settings)) if files else None
        try:
            vectors_new, multi_new, known_sentences = _embed_files(
                files, embedder, multilingual, settings, previous.sentences if previous else None, store, report,
                progress)
        except BaseException:
            if store is not None:
                store.close()
            raise
        report.chunks_embedded = len(new_chunks)
        all_chunks = [c for kept in kept_all for c in kept.chunks] + new_chunks
        keep_vectors = [kept.vectors for kept in kept_all]
        dim = vectors_new.shape[1] if len(new_chunks) else (previous.vectors.shape[1] if previous else embedder.dimension)
        all_vectors = np.concatenate([*keep_vectors, vectors_new]) if (keep_vectors or len(new_chunks)) else np.zeros((0, dim), "float32")
        multi_vectors = None
        if multilingual is not None:
            t0 = time.perf_counter()
            multi_vectors = _multi_vectors(multilingual, kept_all, multi_new, settings.embedding.batch_size)
            report.multilingual_seconds += time.perf_counter() - t0
        sentences = None
        if settings.index.sentence_vectors:
            t0 = time.perf_counter()
            sentences, embedded = build_table(all_chunks, embedder, previous.sentences if previous else None,
                                              settings.embedding.batch_size, progress, known=known_sentences)
            report.sentences_embedded += embedded
            report.sentence_seconds += time.perf_counter() - t0
        sources = {kept.document.path: kept.location for kept in kept_all if kept.location} | new_locations
        manifest = {"embedding_model": settings.embedding.model, "dimension": int(dim), "created": time.time(),
                    "pipeline": PIPELINE_VERSION, "locations": sources,
                    "multilingual_model": settings.multilingual.model if multi_vectors is not None else "none"}
        t0 = time.perf_counter()
        try:
            version = write_version(index_dir, [kept.document for kept in kept_all] + new_docs, all_chunks,
                                    all_vectors, settings.index, manifest, multi_vectors, sentences)
        except BaseException:
            if store is not None:
                store.close()
            raise
        if store is not None:
            store.discard()
        report.write_seconds = time.perf_counter() - t0
        report.version = version.name
        report.total_chunks = len(all_chunks)
    report.seconds = time.perf_counter() - started
    log.info("ingest: %d added, %d updated, %d removed, %d failed, %d chunks and %d sentences embedded (%.1f s, of "
             "which reading %.1f s, chunks %.1f s, multilingual %.1f s, sentences %.1f s, writing %.1f s), %d files "
             "resumed, %d warnings", len(report.added), len(report.updated), len(report.removed), len(report.failed),
             report.chunks_embedded, report.sentences_embedded, report.seconds, report.read_seconds,
             report.chunk_seconds, report.multilingual_seconds, report.sentence_seconds, report.write_seconds,
             report.resumed, len(report.warnings))
    return report


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


def _variant(embedder: Embedder, multilingual: Embedder | None, settings: RetrievalSettings) -> str:
    """How vectors are made now: a resume store filled another way is not reused."""
    path = getattr(embedder, "path", None)
    return "|".join([type(embedder).__name__, Path(path).name if path else "", settings.embedding.model,
                     type(multilingual).__name__ if multilingual is not None else "none", settings.multilingual.model,
                     str(getattr(embedder, "dimension", ""))])


def _embed_files(files: list[tuple[str, list[Chunk]]], embedder: Embedder, multilingual: Embedder | None,
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
    found: dict[int, tuple[np.ndarray, np.ndarray | None]] = {}
    digests = [texts_digest(c.embedding_text() for c in chunks) for _, chunks in files]
    if store is not None and len(store):
        for i, (fingerprint, chunks) in enumerate(files):
            cached = store.file(fingerprint, digests[i])
            if cached is not None and len(cached[0]) == len(chunks) and (cached[1] is None) == (multilingual is None):
                found[i] = cached
        report.resumed = len(found)
        if found:
            log.info("ingest: %d files embedded by an ingest that stopped are not embedded again", len(found))
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
                t2 = time.perf_counter()
                missing = [t for t in sentence_texts(chunks)
                           if t not in known and (previous_sentences is None or t not in previous_sentences)]
                if missing:
                    fresh = dict(zip(missing, embedder.embed(missing, batch_size=batch_size)))
                    known.update(fresh)
                report.sentences_embedded += len(missing)
                report.sentence_seconds += time.perf_counter() - t2
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


def _multi_vectors(embedder: Embedder, kept: list[_Kept], new: np.ndarray | None, batch_size: int) -> np.ndarray:
    """Multilingual vectors in chunk order: kept ones reused, the rest (kept chunks of a version written without
    them) embedded now, then the new chunks' ones."""
    parts = []
    for item in kept:
        if item.multi_vectors is not None and len(item.multi_vectors) == len(item.chunks):
            parts.append(item.multi_vectors)
        else:
            parts.append(_embed(embedder, [c.embedding_text() for c in item.chunks], batch_size))
    if new is not None:
        parts.append(new)
    return np.concatenate(parts) if parts else np.zeros((0, embedder.dimension), dtype="float32")
