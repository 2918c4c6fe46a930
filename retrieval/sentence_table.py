"""Every English sentence of the index, embedded at ingest, so that answering reads vectors instead of computing them.

To choose the answering sentence, the answer step compares the question with every sentence of the passages
search found: forty to eighty sentences a question. Embedding them while the learner waits was most of a turn's
time (about a second on two busy cores). They are embedded once at ingest instead, stored beside the chunk vectors
(`sentences.json` and `sentence_vectors.npy`, float16), and looked up by text; a sentence the table lacks (an
index written before it, a splitter changed since) is embedded at answer time as before. A sentence is embedded,
and looked up, with its links as their labels (`markup.link_labels`): an address says nothing of what the
sentence says and can be longer than the sentence. A new ingest embeds only
the sentences no earlier version had. Chinese passages are left out: MiniLM does not read them, and the Chinese
reader uses the multilingual embedding.
"""
from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Iterable

import numpy as np

from .chunking import Chunk
from .embeddings import Embedder
from .extractive import split_sentences
from .markup import link_labels

log = logging.getLogger(__name__)

SENTENCES = "sentences.json"
SENTENCE_VECTORS = "sentence_vectors.npy"


class SentenceTable:
    """Sentence text → its embedding (stored as float16, returned as float32)."""

    def __init__(self, texts: list[str], vectors: np.ndarray) -> None:
        if len(texts) != len(vectors):
            raise ValueError(f"{len(texts)} sentences but {len(vectors)} vectors")
        self.texts = texts
        self.vectors = np.ascontiguousarray(vectors, dtype="float16")
        self._rows = {text: i for i, text in enumerate(texts)}

    def __len__(self) -> int:
        return len(self.texts)

    def __contains__(self, text: str) -> bool:
        return text in self._rows

    def outdated(self) -> bool:
        """Whether the table was written before sentences were embedded with their links as labels: its keys
        hold link markup, and the next ingest rebuilds it (embedding only those sentences again)."""
        return any(link_labels(text) != text for text in self.texts)

    def get(self, text: str) -> np.ndarray | None:
        row = self._rows.get(text)
        return None if row is None else self.vectors[row].astype("float32")

    def save(self, folder: Path) -> None:
        (folder / SENTENCES).write_text(json.dumps(self.texts, ensure_ascii=False))
        np.save(folder / SENTENCE_VECTORS, self.vectors)

    @classmethod
    def load(cls, folder: Path) -> "SentenceTable | None":
        """The table stored in an index version, or None when it has none (or a damaged one)."""
        if not (folder / SENTENCES).exists() or not (folder / SENTENCE_VECTORS).exists():
            return None
        try:
            return cls(json.loads((folder / SENTENCES).read_text()), np.load(folder / SENTENCE_VECTORS))
        except (ValueError, OSError) as exc:
            log.warning("sentence vectors at %s not used (%s): sentences are embedded when answering", folder, exc)
            return None


def sentence_texts(chunks: Iterable[Chunk]) -> list[str]:
    """The distinct sentences of the English passages, as the answer step splits and embeds them."""
    seen: dict[str, None] = {}
    for chunk in chunks:
        if chunk.language != "zh":
            seen.update(dict.fromkeys(link_labels(s) for s in split_sentences(chunk.text)))
    return list(seen)


def build_table(chunks: list[Chunk], embedder: Embedder, previous: SentenceTable | None, batch_size: int,
                progress: bool = False, known: dict[str, np.ndarray] | None = None) -> tuple[SentenceTable, int]:
    """The table for `chunks`, reusing `previous` vectors and `known` ones (embedded already by this ingest) by
    text; returns it and how many sentences were embedded."""
    texts = sentence_texts(chunks)
    known = known or {}
    missing = [t for t in texts if t not in known and (previous is None or t not in previous)]
    fresh = embedder.embed(missing, batch_size=batch_size, progress=progress) if missing else np.zeros((0, embedder.dimension))
    found = dict(zip(missing, fresh))
    rows = [found[t] if t in found else known[t] if t in known else previous.get(t) for t in texts]
    dim = len(rows[0]) if rows else embedder.dimension
    vectors = np.stack(rows) if rows else np.zeros((0, dim), dtype="float32")
    return SentenceTable(texts, vectors), len(missing)
