"""One measurement of the search benchmark, run in a fresh process so its memory is its own: load one index
version, time the product's whole search path and the bare dense index on the same questions, and LangChain's
FAISS vector store over the same FAISS index.

Questions are embedded beforehand (a lookup table stands in for the embedder), so the figures are search alone;
the parent reports the embedding of a question separately.
"""
from __future__ import annotations

import gc
import json
import logging
import os
import statistics
import time
from pathlib import Path
from typing import Sequence

import numpy as np

log = logging.getLogger("eval")
TOP = 10
WARM_UP = 10


class LookupEmbedder:
    """The product's Embedder protocol (and LangChain's Embeddings methods) over vectors computed beforehand."""

    def __init__(self, texts: Sequence[str], vectors: np.ndarray) -> None:
        self._rows = {text: i for i, text in enumerate(texts)}
        self._vectors = np.ascontiguousarray(vectors, dtype="float32")
        self.dimension = self._vectors.shape[1]

    def embed(self, texts: Sequence[str], batch_size: int = 32, progress: bool = False) -> np.ndarray:
        return self._vectors[[self._rows[t] for t in texts]]

    def embed_query(self, text: str) -> list[float]:  # LangChain's Embeddings interface
        return self.embed([text])[0].tolist()

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.embed(texts).tolist()


def rss_mb() -> float:
    import psutil

    return psutil.Process().memory_info().rss / 2**20


def folder_mb(folder: Path, names: Sequence[str] | None = None) -> float:
    files = [p for p in folder.rglob("*") if p.is_file() and (names is None or p.name in names)]
    return sum(p.stat().st_size for p in files) / 2**20


def measure(job: dict) -> dict:
    """Runs in the child process. `job`: index_dir, kind, use_gpu, gpu_engine, questions (path of a JSON list),
    question_vectors (path of .npy), repeats, langchain (bool), exact (path of the flat run's top-10 ids, or
    None when this run is the flat one and writes them)."""
    logging.basicConfig(level=logging.WARNING)
    from retrieval import RetrievalSettings, Retriever
    from retrieval.languages import tokenize
    from retrieval.settings import IndexSettings

    questions = json.loads(Path(job["questions"]).read_text())
    vectors = np.load(job["question_vectors"])
    settings = RetrievalSettings(index=IndexSettings(kind=job["kind"], use_gpu=job["use_gpu"],
                                                     gpu_engine=job["gpu_engine"]))
    gc.collect()
    before = rss_mb()
    retriever = Retriever(Path(job["index_dir"]), LookupEmbedder(questions, vectors), settings, multilingual=None)
    t0 = time.perf_counter()
    version = retriever.version()
    out = {"load_s": time.perf_counter() - t0, "rss_load_mb": rss_mb() - before, "engine": version.index.engine,
           "kind": version.index.kind, "disk_mb": folder_mb(version.root),
           "dense_disk_mb": folder_mb(version.root, ["faiss.index"]), "build_seconds": version.manifest.get("build_seconds", {})}

    for question in questions[:WARM_UP]:
        retriever.search(question, top_k=TOP)
    runs, stages, fused = [], {"dense_ms": [], "bm25_ms": []}, []
    for repeat in range(job["repeats"]):
        times = []
        for question in questions:
            t0 = time.perf_counter()
            result = retriever.search(question, top_k=TOP)
            times.append((time.perf_counter() - t0) * 1000)
            if repeat == 0:
                fused.append([h.chunk.position for h in result.hits])
                for stage in stages:
                    stages[stage].append(result.timings_ms.get(stage, 0.0))
        runs.append(times)
    out.update(_latency(runs, "path"))
    out["stage_p50_ms"] = {stage: statistics.median(v) for stage, v in stages.items()}
    out["rss_search_mb"] = rss_mb() - before

    index = version.index
    dense_runs, dense_ids = [], None
    for _ in range(job["repeats"]):
        times = []
        for row in range(len(questions)):
            t0 = time.perf_counter()
            index.search(vectors[row:row + 1], TOP)
            times.append((time.perf_counter() - t0) * 1000)
        dense_runs.append(times)
    out.update(_latency(dense_runs, "dense"))
    batch = []
    for _ in range(job["repeats"]):
        t0 = time.perf_counter()
        _, dense_ids = index.search(vectors, TOP)
        batch.append(len(questions) / (time.perf_counter() - t0))
    out["dense_batch_qps"] = statistics.median(batch)
    bm25_runs = []
    for _ in range(job["repeats"]):
        times = []
        for question in questions:
            t0 = time.perf_counter()
            version.bm25.top(tokenize(question), settings.search.candidates)
            times.append((time.perf_counter() - t0) * 1000)
        bm25_runs.append(times)
    out.update(_latency(bm25_runs, "bm25"))

    fused_ids = _padded(fused)
    if job["exact"] is None:
        exact_path = Path(job["index_dir"]).parent / f"exact-{Path(job['index_dir']).name}.npz"
        np.savez(exact_path, fused=fused_ids, dense=dense_ids)
        out["exact"] = str(exact_path)
    exact = np.load(job["exact"] or out["exact"])
    out["path_recall"] = _recall(fused_ids, exact["fused"])
    out["dense_recall"] = _recall(dense_ids, exact["dense"])
    if out["kind"] in ("hnsw", "ivf") and index.faiss_index is not None:
        out["sweep"] = _sweep(index, out["kind"], vectors, exact["dense"])
    if job["langchain"] and index.faiss_index is not None:
        out.update(_langchain(index.faiss_index, version.chunks, questions, vectors, job["repeats"]))
    return out


def _langchain(faiss_index, chunks, questions: list[str], vectors: np.ndarray, repeats: int) -> dict:
    """LangChain's FAISS vector store over the same FAISS index (same vectors, same kind and parameters),
    searched by vector as it would be after embedding: as it runs, and with FAISS held to one thread per
    question as the product does."""
    import warnings

    import faiss
    from langchain_core.documents import Document
    from langchain_core.embeddings import Embeddings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        from langchain_community.docstore.in_memory import InMemoryDocstore
        from langchain_community.vectorstores import FAISS
        from langchain_community.vectorstores.utils import DistanceStrategy

    class LookupEmbeddings(LookupEmbedder, Embeddings):
        pass

    store = FAISS(LookupEmbeddings(questions, vectors), faiss_index,
                  InMemoryDocstore({str(i): Document(page_content=c.text) for i, c in enumerate(chunks)}),
                  {i: str(i) for i in range(len(chunks))}, distance_strategy=DistanceStrategy.MAX_INNER_PRODUCT)
    queries = [v.tolist() for v in vectors]
    for query in queries[:WARM_UP]:
        store.similarity_search_by_vector(query, k=TOP)
    out = {}
    for label, threads in (("langchain", faiss.omp_get_max_threads()), ("langchain_1t", 1)):
        before = faiss.omp_get_max_threads()
        faiss.omp_set_num_threads(threads)
        runs = []
        for _ in range(repeats):
            times = []
            for query in queries:
                t0 = time.perf_counter()
                store.similarity_search_by_vector(query, k=TOP)
                times.append((time.perf_counter() - t0) * 1000)
            runs.append(times)
        faiss.omp_set_num_threads(before)
        out.update(_latency(runs, label))
    return out


SWEEP = {"hnsw": ("efSearch", (32, 64, 128, 256)), "ivf": ("nprobe", (8, 16, 32, 64, 128))}


def _sweep(index, kind: str, vectors: np.ndarray, exact: np.ndarray) -> list[dict]:
    """The bare index's one-question p50 and recall@10 over a range of search breadths (the setting that
    trades one for the other), each left as it was afterwards."""
    import faiss

    name, values = SWEEP[kind]
    target = index.faiss_index.hnsw if kind == "hnsw" else faiss.extract_index_ivf(index.faiss_index)
    before = getattr(target, name)
    rows = []
    for value in values:
        setattr(target, name, value)
        times, found = [], []
        for row in range(len(vectors)):
            t0 = time.perf_counter()
            found.append(index.search(vectors[row:row + 1], TOP)[1][0])
            times.append((time.perf_counter() - t0) * 1000)
        rows.append({"setting": f"{name} {value}", "p50_ms": statistics.median(times),
                     "recall": _recall(np.array(found), exact)})
    setattr(target, name, before)
    return rows


def _latency(runs: list[list[float]], label: str) -> dict:
    """Medians over the repeats of each repeat's p50, p95 and sequential QPS."""
    return {f"{label}_p50_ms": statistics.median(float(np.percentile(r, 50)) for r in runs),
            f"{label}_p95_ms": statistics.median(float(np.percentile(r, 95)) for r in runs),
            f"{label}_qps": statistics.median(1000 * len(r) / sum(r) for r in runs)}


def _padded(rows: list[list[int]]) -> np.ndarray:
    out = np.full((len(rows), TOP), -1, dtype="int64")
    for i, row in enumerate(rows):
        out[i, :len(row)] = row[:TOP]
    return out


def _recall(found: np.ndarray, exact: np.ndarray) -> float:
    scores = [len(set(f[f >= 0]) & set(e[e >= 0])) / max(1, (e >= 0).sum()) for f, e in zip(found, exact)]
    return float(np.mean(scores))


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    import platform

    return platform.processor() or platform.machine()


def machine() -> str:
    import platform

    import faiss
    import psutil

    load = os.getloadavg()
    return (f"{cpu_model()}, {os.cpu_count()} cores, {psutil.virtual_memory().total / 2**30:.0f} GiB; Python "
            f"{platform.python_version()}, faiss {faiss.__version__}; load average {load[0]:.1f} when the run began")
