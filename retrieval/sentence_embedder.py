"""all-MiniLM-L6-v2 (or a configured local model) through sentence-transformers on torch: what ingest embeds
with, and what questions are embedded with on a GPU. It also satisfies LangChain's `Embeddings` interface so
the same model plugs into LangChain vector stores. Importing this module imports no model; loading happens on
first use."""
from __future__ import annotations

import logging
import os
import threading
from typing import Sequence

import numpy as np
from langchain_core.embeddings import Embeddings

from .embeddings import resolve_device
from .settings import EmbeddingSettings

log = logging.getLogger(__name__)


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

                from .onnx_embedder import model_dir

                path = model_dir(self.settings)
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
