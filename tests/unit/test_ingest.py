"""Ingest is incremental, reports bad files without losing good ones, and never leaves a half-written index."""
from pathlib import Path

import pytest

from retrieval import RetrievalSettings, ingest
from retrieval.index_store import current_version_dir, load_version
from tests.support.fakes import HashingEmbedder, minimal_pdf

pytestmark = pytest.mark.unit
SETTINGS = RetrievalSettings()


def test_reingesting_unchanged_files_does_no_work(corpus: Path, tmp_path: Path):
    index_dir = tmp_path / "index"
    first = ingest(corpus, index_dir, HashingEmbedder(), SETTINGS)
    assert len(first.added) == 7 and first.chunks_embedded == first.total_chunks > 0
    version = current_version_dir(index_dir)

    embedder = HashingEmbedder()
    again = ingest(corpus, index_dir, embedder, SETTINGS)
    assert not again.changed and embedder.calls == 0
    assert current_version_dir(index_dir) == version


def test_only_changed_files_are_reembedded_and_deleted_files_dropped(corpus: Path, tmp_path: Path):
    index_dir = tmp_path / "index"
    ingest(corpus, index_dir, HashingEmbedder(), SETTINGS)
    meetings = corpus / "effective-meetings.md"
    meetings.write_text(meetings.read_text() + "\n\n## Stand-ups\n\nKeep stand-ups to fifteen minutes, standing.\n")
    (corpus / "giving-feedback.md").unlink()

    embedder = HashingEmbedder()
    report = ingest(corpus, index_dir, embedder, SETTINGS)
    assert [Path(p).name for p in report.updated] == ["effective-meetings.md"]
    assert [Path(p).name for p in report.removed] == ["giving-feedback.md"]
    assert embedder.texts_embedded == report.chunks_embedded < report.total_chunks
    version = load_version(index_dir, SETTINGS.index)
    assert "giving-feedback" not in {c.course_id for c in version.chunks}
    assert any("fifteen minutes" in c.text for c in version.chunks)
    assert len(version.chunks) == len(version.vectors) == version.index.size


def test_unreadable_pdf_is_reported_and_the_rest_ingested(corpus: Path, tmp_path: Path):
    (corpus / "scanned.pdf").write_bytes(b"%PDF-1.4\n\x00\x01garbage")
    (corpus / "travel.pdf").write_bytes(minimal_pdf(["Travel policy", "Book flights through the travel portal."]))
    report = ingest(corpus, tmp_path / "index", HashingEmbedder(), SETTINGS)
    assert [Path(p).name for p in report.failed] == ["scanned.pdf"]
    assert "PDF" in next(iter(report.failed.values()))
    assert {Path(p).name for p in report.added} >= {"travel.pdf", "infosec-basics.md"}


def test_crash_mid_ingest_leaves_the_previous_index_serving(corpus: Path, tmp_path: Path):
    index_dir = tmp_path / "index"
    ingest(corpus, index_dir, HashingEmbedder(), SETTINGS)
    before = load_version(index_dir, SETTINGS.index)
    (corpus / "new-course.md").write_text("# New\n\n## Part\n\n" + "Fresh content about onboarding. " * 200)
    with pytest.raises(RuntimeError, match="simulated"):
        ingest(corpus, index_dir, HashingEmbedder(fail_after_calls=1), RetrievalSettings(embedding={"batch_size": 2}))
    after = load_version(index_dir, SETTINGS.index)
    assert after.root == before.root and len(after.chunks) == len(before.chunks)
    assert not list(index_dir.glob(".staging-*"))
    # The next ingest completes.
    report = ingest(corpus, index_dir, HashingEmbedder(), SETTINGS)
    assert [Path(p).name for p in report.added] == ["new-course.md"]


def test_large_corpora_switch_to_hnsw(tmp_path: Path):
    import numpy as np

    from retrieval.settings import IndexSettings
    from retrieval.vector_index import VectorIndex

    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(500, 32)).astype("float32")
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    flat = VectorIndex.build(vectors, IndexSettings(flat_max_vectors=1000))
    hnsw = VectorIndex.build(vectors, IndexSettings(flat_max_vectors=100))
    assert (flat.kind, hnsw.kind) == ("flat", "hnsw")
    _, ids_flat = flat.search(vectors[:20], 1)
    _, ids_hnsw = hnsw.search(vectors[:20], 1)
    assert (ids_flat[:, 0] == np.arange(20)).all()
    assert (ids_hnsw[:, 0] == np.arange(20)).mean() >= 0.95
    hnsw.save(tmp_path / "h.index")
    assert VectorIndex.load(tmp_path / "h.index", IndexSettings()).kind == "hnsw"
