"""FAISS index construction and search, the index kind chosen by the number of vectors, and the GPU engines.

Three kinds (`IndexSettings`; thresholds from eval/scale/search.py, see docs/evaluation.md):
- flat: exact search; its cost grows with every vector (about 0.7 ms per 10k on one core), so it serves corpora
  up to `flat_max_vectors`;
- IVF: vectors bucketed around centroids trained on them (`ivf_nlist`), `ivf_nprobe` buckets searched: what
  'auto' uses above that;
- HNSW: a graph walked from entry points; 'auto' uses it only up to `hnsw_max_vectors` (0 by default: on the
  benchmark's corpora it found less of the exact top 10 than IVF, no faster, and took longer to build).

On a host with a GPU (`use_gpu: auto`) search is exact whatever the kind on disk: a GPU reads every vector in
well under a millisecond. `gpu_engine` picks torch (bfloat16 matrix product and top-k, torch_topk.py) or FAISS
GPU. `Host` says what the machine offers; tests pass their own to exercise the choice without a GPU.
"""
from __future__ import annotations

import contextlib
import logging
import math
import os
from dataclasses import dataclass
from pathlib import Path

import faiss
import numpy as np

from .settings import IndexSettings

log = logging.getLogger(__name__)

KINDS = ("flat", "hnsw", "ivf")
TRAIN_PER_LIST = 64  # IVF centroids are trained on at most this many vectors per list (FAISS wants 39 or more)


def gpu_count() -> int:
    """GPUs FAISS can use; 0 with the CPU build."""
    get = getattr(faiss, "get_num_gpus", None)
    try:
        return int(get()) if get else 0
    except Exception:  # a GPU build without a driver raises here
        return 0


@dataclass(frozen=True)
class Host:
    """What this machine offers for search: a CUDA device torch can use, GPUs FAISS can use, and the device the
    torch engine runs on (tests set "cpu" to run the GPU path's code on a machine without one)."""

    cuda: bool = False
    faiss_gpus: int = 0
    torch_device: str = "cuda"
    torch_dtype: str = "bfloat16"

    @classmethod
    def detect(cls) -> "Host":
        """Asks torch only where an NVIDIA device node exists, so a CPU host never imports it for this."""
        if not os.path.exists("/dev/nvidiactl"):
            return cls(faiss_gpus=gpu_count())
        try:
            import torch

            cuda = bool(torch.cuda.is_available())
        except ImportError:
            cuda = False
        return cls(cuda=cuda, faiss_gpus=gpu_count())


def choose_kind(count: int, settings: IndexSettings) -> str:
    """The index kind for `count` vectors: the configured one, or by size ('auto')."""
    if settings.kind != "auto":
        return settings.kind
    if count <= settings.flat_max_vectors:
        return "flat"
    return "hnsw" if count <= settings.hnsw_max_vectors else "ivf"


def choose_engine(settings: IndexSettings, host: Host) -> str:
    """Where search runs: 'torch' (exact, on the host's torch device), 'faiss-gpu' or 'faiss' (the CPU)."""
    if settings.use_gpu == "never":
        return "faiss"
    if settings.gpu_engine in ("auto", "torch") and host.cuda:
        return "torch"
    if settings.gpu_engine in ("auto", "faiss") and host.faiss_gpus > 0:
        return "faiss-gpu"
    if settings.gpu_engine != "auto" and (host.cuda or host.faiss_gpus):
        log.warning("index.gpu_engine %r is not available on this host; searching on the CPU", settings.gpu_engine)
    return "faiss"


def ivf_lists(count: int, settings: IndexSettings) -> int:
    """IVF lists for `count` vectors: the configured number, else about 4·√count; never so many that a list
    gets fewer than 39 training vectors."""
    wanted = settings.ivf_nlist or int(4 * math.sqrt(max(count, 1)))
    return max(1, min(wanted, count // 39 or 1))


@contextlib.contextmanager
def _one_thread():
    """FAISS runs one question on one thread anyway; asking OpenMP for more only makes it wait for a second
    thread, which on a busy two-core machine costs tens of milliseconds (the thread count is the caller's own)."""
    before = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(1)
    try:
        yield
    finally:
        faiss.omp_set_num_threads(before)


class VectorIndex:
    """Inner-product search over unit vectors (so scores are cosine similarities).

    `kind` is the index kind ("flat", "hnsw", "ivf"); `engine` where search runs ("faiss", "faiss-gpu",
    "torch-cuda", "torch-cpu")."""

    def __init__(self, index: "faiss.Index | None", kind: str, engine: str = "faiss", exact=None) -> None:
        self._index = index
        self._exact = exact  # a TorchTopK when the torch engine serves
        self.kind = kind
        self.engine = engine

    @property
    def size(self) -> int:
        return self._exact.size if self._exact is not None else int(self._index.ntotal)

    @property
    def faiss_index(self) -> "faiss.Index | None":
        """The FAISS index underneath, for tools that take one (LangChain's FAISS store); None for torch."""
        return self._index

    @classmethod
    def build(cls, vectors: np.ndarray, settings: IndexSettings) -> "VectorIndex":
        """A CPU index of the kind `settings` chooses for this many vectors (what `save` writes to disk)."""
        vectors = np.ascontiguousarray(vectors, dtype="float32")
        count, dim = vectors.shape
        kind = choose_kind(count, settings)
        if kind == "hnsw":
            index = faiss.IndexHNSWFlat(dim, settings.hnsw_m, faiss.METRIC_INNER_PRODUCT)
            index.hnsw.efConstruction = max(40, settings.hnsw_m * 2)
        elif kind == "ivf":
            index = faiss.IndexIVFFlat(faiss.IndexFlatIP(dim), dim, ivf_lists(count, settings), faiss.METRIC_INNER_PRODUCT)
            if count:
                index.train(_training_sample(vectors, index.nlist))
        else:
            index = faiss.IndexFlatIP(dim)
        if count:
            index.add(vectors)
        log.info("built %s index over %d vectors", kind, count)
        return cls(_tuned(index, settings), kind)

    @classmethod
    def load(cls, path: Path, settings: IndexSettings, vectors: np.ndarray | None = None,
             host: Host | None = None) -> "VectorIndex":
        """The index at `path`, placed where `settings` and the host say. With the torch engine the stored index
        is not read at all: exact search runs over `vectors` (the same rows) on the device."""
        host = host or Host.detect()
        engine = choose_engine(settings, host)
        if engine == "torch" and vectors is not None:
            try:
                from .torch_topk import TorchTopK

                exact = TorchTopK(vectors, host.torch_device, host.torch_dtype)
                return cls(None, "flat", f"torch-{exact.device.type}", exact)
            except Exception as exc:  # out of device memory, a broken driver: the CPU index still serves
                log.warning("torch search on %s unavailable (%s); using FAISS on the CPU", host.torch_device, exc)
        index = faiss.read_index(str(path))
        kind = "hnsw" if isinstance(index, faiss.IndexHNSW) else "ivf" if faiss.try_extract_index_ivf(index) else "flat"
        loaded = cls(_tuned(index, settings), kind)
        return loaded._to_faiss_gpu() if engine == "faiss-gpu" and kind != "hnsw" else loaded

    def _to_faiss_gpu(self) -> "VectorIndex":
        # HNSW has no GPU implementation in FAISS; flat and IVF move as they are.
        try:
            resources = faiss.StandardGpuResources()
            self._index = faiss.index_cpu_to_gpu(resources, 0, self._index)
        except Exception as exc:
            log.warning("FAISS GPU unavailable (%s); searching on the CPU", exc)
            return self
        self._gpu_resources = resources
        self.engine = "faiss-gpu"
        log.info("%s index moved to GPU 0", self.kind)
        return self

    def save(self, path: Path) -> None:
        if self._index is None:
            raise ValueError("an index served by torch has no FAISS index to save")
        index = faiss.index_gpu_to_cpu(self._index) if self.engine == "faiss-gpu" else self._index
        faiss.write_index(index, str(path))

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Top-k (scores, row ids) for each query row; ids are -1 where fewer than k vectors exist."""
        queries = np.ascontiguousarray(np.atleast_2d(queries), dtype="float32")
        if not self.size:
            return np.full((len(queries), 1), -1.0, dtype="float32"), np.full((len(queries), 1), -1, dtype="int64")
        k = max(1, min(k, self.size))
        if self._exact is not None:
            return self._exact.search(queries, k)
        if len(queries) == 1 and self.engine == "faiss":
            with _one_thread():
                return self._index.search(queries, k)
        return self._index.search(queries, k)


def _tuned(index: "faiss.Index", settings: IndexSettings) -> "faiss.Index":
    """Search-time parameters from the settings (they are not fixed when the index is built)."""
    if isinstance(index, faiss.IndexHNSW):
        index.hnsw.efSearch = settings.hnsw_ef_search
    ivf = faiss.try_extract_index_ivf(index)
    if ivf is not None:
        ivf.nprobe = min(settings.ivf_nprobe, ivf.nlist)
    return index


def _training_sample(vectors: np.ndarray, nlist: int) -> np.ndarray:
    """At most TRAIN_PER_LIST vectors per list, spread over the whole corpus (a fixed seed: the same corpus
    trains the same centroids)."""
    limit = nlist * TRAIN_PER_LIST
    if len(vectors) <= limit:
        return vectors
    rows = np.sort(np.random.default_rng(0).choice(len(vectors), limit, replace=False))
    return vectors[rows]
