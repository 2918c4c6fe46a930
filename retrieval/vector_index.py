"""FAISS index construction and search: exact flat search for small corpora, HNSW above a configured size,
moved to a GPU when FAISS GPU and a device are present."""
from __future__ import annotations

import logging
from pathlib import Path

import faiss
import numpy as np

from .settings import IndexSettings

log = logging.getLogger(__name__)


def gpu_count() -> int:
    """GPUs FAISS can use; 0 with the CPU build."""
    get = getattr(faiss, "get_num_gpus", None)
    try:
        return int(get()) if get else 0
    except Exception:  # a GPU build without a driver raises here
        return 0


class VectorIndex:
    """Inner-product search over unit vectors (so scores are cosine similarities)."""

    def __init__(self, index: "faiss.Index", kind: str) -> None:
        self._index = index
        self.kind = kind

    @property
    def size(self) -> int:
        return int(self._index.ntotal)

    @classmethod
    def build(cls, vectors: np.ndarray, settings: IndexSettings) -> "VectorIndex":
        vectors = np.ascontiguousarray(vectors, dtype="float32")
        dim = vectors.shape[1]
        if len(vectors) <= settings.flat_max_vectors:
            index, kind = faiss.IndexFlatIP(dim), "flat"
        else:
            index = faiss.IndexHNSWFlat(dim, settings.hnsw_m, faiss.METRIC_INNER_PRODUCT)
            index.hnsw.efConstruction = max(40, settings.hnsw_m * 2)
            index.hnsw.efSearch = settings.hnsw_ef_search
            kind = "hnsw"
        if len(vectors):
            index.add(vectors)
        log.info("built %s index over %d vectors", kind, len(vectors))
        return cls(index, kind)._maybe_to_gpu(settings)

    @classmethod
    def load(cls, path: Path, settings: IndexSettings) -> "VectorIndex":
        index = faiss.read_index(str(path))
        if isinstance(index, faiss.IndexHNSWFlat):
            index.hnsw.efSearch = settings.hnsw_ef_search
            kind = "hnsw"
        else:
            kind = "flat"
        return cls(index, kind)._maybe_to_gpu(settings)

    def _maybe_to_gpu(self, settings: IndexSettings) -> "VectorIndex":
        # HNSW has no GPU implementation in FAISS; a flat index gains most from a GPU anyway.
        if settings.use_gpu == "never" or self.kind != "flat" or gpu_count() == 0:
            return self
        resources = faiss.StandardGpuResources()
        self._gpu_resources = resources
        self._index = faiss.index_cpu_to_gpu(resources, 0, self._index)
        self.kind = "flat-gpu"
        log.info("index moved to GPU 0")
        return self

    def save(self, path: Path) -> None:
        index = self._index
        if self.kind.endswith("-gpu"):
            index = faiss.index_gpu_to_cpu(index)
        faiss.write_index(index, str(path))

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Top-k (scores, row ids) for each query row; ids are -1 where fewer than k vectors exist."""
        queries = np.ascontiguousarray(np.atleast_2d(queries), dtype="float32")
        k = max(1, min(k, self.size)) if self.size else 1
        if not self.size:
            return np.full((len(queries), 1), -1.0, dtype="float32"), np.full((len(queries), 1), -1, dtype="int64")
        return self._index.search(queries, k)
