"""The dense index: its kind chosen by size, approximate kinds near exact search, the engine chosen by what the
host offers, and the torch engine (the GPU path, run here on the CPU) equal to flat FAISS search."""
import os
from pathlib import Path

import numpy as np
import pytest

from retrieval.index_store import FAISS_INDEX, current_version_dir, load_version, reindex, write_version
from retrieval.settings import IndexSettings
from retrieval.vector_index import Host, VectorIndex, choose_engine, choose_kind, ivf_lists

pytestmark = pytest.mark.unit


def unit_rows(rows: int, dim: int = 64, seed: int = 0, clusters: int = 40) -> np.ndarray:
    """Clustered unit vectors (as embeddings are), with no two alike."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(clusters, dim))
    vectors = centres[rng.integers(0, clusters, rows)] + 0.6 * rng.normal(size=(rows, dim))
    return (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype("float32")


@pytest.fixture(scope="module")
def data() -> tuple[np.ndarray, np.ndarray]:
    return unit_rows(4000), unit_rows(60, seed=1)


def recall_at(found: np.ndarray, exact: np.ndarray) -> float:
    return float(np.mean([len(set(f) & set(e)) / len(e) for f, e in zip(found, exact)]))


def test_kind_follows_size_and_settings():
    settings = IndexSettings(flat_max_vectors=1000, hnsw_max_vectors=50_000)
    assert [choose_kind(n, settings) for n in (0, 1000, 1001, 50_000, 50_001)] == ["flat", "flat", "hnsw", "hnsw", "ivf"]
    assert choose_kind(10, IndexSettings(kind="ivf")) == "ivf"
    assert choose_kind(10**7, IndexSettings(kind="flat")) == "flat"
    defaults = IndexSettings()  # flat, then IVF; HNSW only where hnsw_max_vectors asks for it
    assert choose_kind(defaults.flat_max_vectors, defaults) == "flat"
    assert [choose_kind(n, defaults) for n in (defaults.flat_max_vectors + 1, 10**6)] == ["ivf", "ivf"]
    assert choose_kind(5000, IndexSettings(flat_max_vectors=1000, hnsw_max_vectors=500)) == "ivf"


def test_ivf_lists_follow_size_and_stay_trainable():
    assert ivf_lists(1_000_000, IndexSettings()) == 4000
    assert ivf_lists(100_000, IndexSettings()) == int(4 * 100_000 ** 0.5)
    assert ivf_lists(2000, IndexSettings()) == 2000 // 39  # at least 39 training vectors a list
    assert ivf_lists(5, IndexSettings()) == 1
    assert ivf_lists(100_000, IndexSettings(ivf_nlist=256)) == 256


@pytest.mark.parametrize("kind", ["hnsw", "ivf"])
def test_approximate_kinds_find_what_exact_search_finds(data, kind, tmp_path: Path):
    vectors, queries = data
    _, exact = VectorIndex.build(vectors, IndexSettings(kind="flat")).search(queries, 10)
    settings = IndexSettings(kind=kind, ivf_nprobe=16)
    built = VectorIndex.build(vectors, settings)
    assert built.kind == kind
    _, found = built.search(queries, 10)
    assert recall_at(found, exact) >= 0.9
    built.save(tmp_path / "index")
    loaded = VectorIndex.load(tmp_path / "index", settings, vectors, host=Host())
    assert (loaded.kind, loaded.engine) == (kind, "faiss")
    assert (loaded.search(queries, 10)[1] == found).all()


def test_search_parameters_come_from_the_settings_at_load(data, tmp_path: Path):
    vectors, _ = data
    VectorIndex.build(vectors, IndexSettings(kind="ivf")).save(tmp_path / "ivf")
    import faiss

    loaded = VectorIndex.load(tmp_path / "ivf", IndexSettings(ivf_nprobe=7), host=Host())
    assert faiss.extract_index_ivf(loaded.faiss_index).nprobe == 7
    VectorIndex.build(vectors, IndexSettings(kind="hnsw")).save(tmp_path / "hnsw")
    assert VectorIndex.load(tmp_path / "hnsw", IndexSettings(hnsw_ef_search=33), host=Host()).faiss_index.hnsw.efSearch == 33


def test_engine_follows_the_host_and_the_settings():
    gpu, faiss_gpu, cpu = Host(cuda=True), Host(faiss_gpus=1), Host()
    assert choose_engine(IndexSettings(), cpu) == "faiss"
    assert choose_engine(IndexSettings(), gpu) == "torch"
    assert choose_engine(IndexSettings(), Host(cuda=True, faiss_gpus=1)) == "torch"
    assert choose_engine(IndexSettings(), faiss_gpu) == "faiss-gpu"
    assert choose_engine(IndexSettings(gpu_engine="faiss"), Host(cuda=True, faiss_gpus=1)) == "faiss-gpu"
    assert choose_engine(IndexSettings(gpu_engine="faiss"), gpu) == "faiss"
    assert choose_engine(IndexSettings(gpu_engine="torch"), faiss_gpu) == "faiss"
    assert choose_engine(IndexSettings(use_gpu="never"), Host(cuda=True, faiss_gpus=1)) == "faiss"


@pytest.mark.parametrize("dtype", ["float32", "bfloat16"])
def test_torch_engine_on_the_cpu_equals_flat_search(data, dtype):
    from retrieval.torch_topk import TorchTopK

    vectors, queries = data
    scores, ids = VectorIndex.build(vectors, IndexSettings(kind="flat")).search(queries, 10)
    t_scores, t_ids = TorchTopK(vectors, "cpu", dtype).search(queries, 10)
    assert t_ids.dtype == np.int64 and t_scores.dtype == np.float32
    assert (t_ids == ids).all()
    assert np.allclose(t_scores, scores, atol=1e-5)
    one_scores, one_ids = TorchTopK(vectors, "cpu", dtype).search(queries[0], 3)
    assert (one_ids[0] == ids[0, :3]).all() and one_scores.shape == (1, 3)


def test_a_host_with_a_gpu_serves_exact_search_whatever_the_kind_on_disk(data, tmp_path: Path):
    """The whole load path with a GPU host (its torch device set to the CPU here): the HNSW file is not read,
    search is exact over the vectors."""
    vectors, queries = data
    VectorIndex.build(vectors, IndexSettings(kind="hnsw")).save(tmp_path / "hnsw")
    host = Host(cuda=True, torch_device="cpu")
    served = VectorIndex.load(tmp_path / "hnsw", IndexSettings(), vectors, host=host)
    assert (served.kind, served.engine, served.size) == ("flat", "torch-cpu", len(vectors))
    exact = VectorIndex.build(vectors, IndexSettings(kind="flat")).search(queries, 5)
    found = served.search(queries, 5)
    assert (found[1] == exact[1]).all() and np.allclose(found[0], exact[0], atol=1e-5)
    assert VectorIndex.load(tmp_path / "hnsw", IndexSettings(use_gpu="never"), vectors, host=host).engine == "faiss"


def test_empty_and_small_indexes_answer(data):
    empty = VectorIndex.build(np.zeros((0, 64), "float32"), IndexSettings(kind="ivf"))
    scores, ids = empty.search(data[1][:2], 5)
    assert ids.shape == (2, 1) and (ids == -1).all()
    few = VectorIndex.build(data[0][:3], IndexSettings(kind="ivf"))
    assert sorted(few.search(data[0][0], 10)[1][0].tolist()) == [0, 1, 2]


def test_reindex_changes_the_kind_and_shares_everything_else(tmp_path: Path, data):
    from retrieval.chunking import Chunk
    from retrieval.index_store import IndexedDocument

    vectors, queries = data
    chunks = [Chunk(f"c{i}", "course", "Course", "Part", f"passage {i} about topic {i % 7}", "course.md", "", i)
              for i in range(len(vectors))]
    documents = [IndexedDocument("course.md", "x", "course", "Course", len(chunks), {})]
    index_dir = tmp_path / "index"
    write_version(index_dir, documents, chunks, vectors, IndexSettings(kind="flat"), {"dimension": 64})
    before = current_version_dir(index_dir)
    reindex(index_dir, IndexSettings(kind="ivf"))
    after = current_version_dir(index_dir)
    assert after != before and not (after / FAISS_INDEX).samefile(before / FAISS_INDEX)
    assert os.stat(after / "chunks.db").st_ino == os.stat(before / "chunks.db").st_ino
    version = load_version(index_dir, IndexSettings())
    assert version.index.kind == "ivf" and len(version.chunks) == len(vectors)
    assert set(version.manifest["build_seconds"]) >= {"chunks", "bm25", "dense"}
    assert version.bm25.top(["topic", "3"], 3)
