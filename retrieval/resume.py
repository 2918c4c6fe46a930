"""What an unfinished ingest had embedded, so that the ingest after a crash starts where it stopped.

Ingest writes a new index version only at its end; until then its vectors live in memory. Every group of files it
embeds is also written here, in one transaction: each file's chunk vectors (and multilingual vectors) under the
file's fingerprint, and the sentence vectors first made for them under the sentence's text. The next ingest
takes a file's vectors from here when the file's fingerprint and its chunks' texts are the same, and only embeds
the rest. The store sits beside the index (`.ingest-resume.sqlite` in the index folder, one per index) and is
deleted once the ingest that filled it has written its version. It is emptied when the way vectors are made
changed since (another model, precision or embedder).
"""
from __future__ import annotations

import hashlib
import logging
import sqlite3
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

log = logging.getLogger(__name__)

RESUME_FILE = ".ingest-resume.sqlite"


def texts_digest(texts: Iterable[str]) -> str:
    digest = hashlib.sha256()
    for text in texts:
        digest.update(text.encode())
        digest.update(b"\x00")
    return digest.hexdigest()


def _blob(vectors: np.ndarray | None) -> bytes | None:
    return None if vectors is None else np.ascontiguousarray(vectors, dtype="float32").tobytes()


def _array(blob: bytes | None, rows: int) -> np.ndarray | None:
    return None if blob is None else np.frombuffer(blob, dtype="float32").reshape(rows, -1).copy()


class ResumeStore:
    """Vectors of files embedded by an ingest that has not written its version yet."""

    def __init__(self, index_dir: Path, variant: str) -> None:
        self.path = Path(index_dir) / RESUME_FILE
        self.variant = variant
        self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)")
        self._db.execute("CREATE TABLE IF NOT EXISTS files (fingerprint TEXT, digest TEXT, rows INTEGER, "
                         "vectors BLOB, multi BLOB, PRIMARY KEY (fingerprint, digest))")
        self._db.execute("CREATE TABLE IF NOT EXISTS sentences (text TEXT PRIMARY KEY, vector BLOB)")
        found = self._db.execute("SELECT value FROM meta WHERE key = 'variant'").fetchone()
        if found is None or found[0] != variant:
            if found is not None:
                log.info("vectors of an unfinished ingest made another way (%s) are not reused", found[0])
            with self._transaction():
                self._db.execute("DELETE FROM files")
                self._db.execute("DELETE FROM sentences")
                self._db.execute("INSERT OR REPLACE INTO meta VALUES ('variant', ?)", (variant,))

    def _transaction(self):
        db = self._db

        class _Tx:
            def __enter__(self):
                db.execute("BEGIN")

            def __exit__(self, kind, value, traceback):
                db.execute("COMMIT" if kind is None else "ROLLBACK")

        return _Tx()

    def __len__(self) -> int:
        return int(self._db.execute("SELECT count(*) FROM files").fetchone()[0])

    def file(self, fingerprint: str, digest: str) -> tuple[np.ndarray, np.ndarray | None] | None:
        """The chunk vectors (and multilingual ones) stored for this file, when its chunks are the same."""
        row = self._db.execute("SELECT rows, vectors, multi FROM files WHERE fingerprint = ? AND digest = ?",
                               (fingerprint, digest)).fetchone()
        if row is None:
            return None
        return _array(row[1], row[0]), _array(row[2], row[0])

    def sentences(self) -> dict[str, np.ndarray]:
        return {text: np.frombuffer(blob, dtype="float32").copy()
                for text, blob in self._db.execute("SELECT text, vector FROM sentences")}

    def put(self, files: Sequence[tuple[str, str, np.ndarray, np.ndarray | None]],
            sentences: dict[str, np.ndarray]) -> None:
        """Store a group of files (fingerprint, digest of their chunks' texts, vectors, multilingual vectors) and
        the sentences embedded with them, all or nothing."""
        with self._transaction():
            self._db.executemany("INSERT OR REPLACE INTO files VALUES (?, ?, ?, ?, ?)",
                                 [(fp, digest, len(vectors), _blob(vectors), _blob(multi))
                                  for fp, digest, vectors, multi in files])
            self._db.executemany("INSERT OR REPLACE INTO sentences VALUES (?, ?)",
                                 [(text, _blob(vector)) for text, vector in sentences.items()])

    def close(self) -> None:
        self._db.close()

    def discard(self) -> None:
        """Close and delete the store: its vectors are in the index now."""
        self.close()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{self.path}{suffix}").unlink(missing_ok=True)
