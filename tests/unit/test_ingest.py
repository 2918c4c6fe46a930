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
    assert len(first.added) == len(list(corpus.glob("*.md"))) and first.chunks_embedded == first.total_chunks > 0
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

    before = load_version(index_dir, SETTINGS.index).sentences
    embedder = HashingEmbedder()
    report = ingest(corpus, index_dir, embedder, SETTINGS)
    assert [Path(p).name for p in report.updated] == ["effective-meetings.md"]
    assert [Path(p).name for p in report.removed] == ["giving-feedback.md"]
    assert report.chunks_embedded < report.total_chunks
    version = load_version(index_dir, SETTINGS.index)
    # Only the sentences no earlier version had are embedded for the answer step.
    new_sentences = [t for t in version.sentences.texts if t not in before]
    assert new_sentences == ["Keep stand-ups to fifteen minutes, standing."] and report.sentences_embedded == 1
    assert embedder.texts_embedded == report.chunks_embedded + report.sentences_embedded
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
    hnsw = VectorIndex.build(vectors, IndexSettings(flat_max_vectors=100, hnsw_max_vectors=1000))
    assert (flat.kind, hnsw.kind) == ("flat", "hnsw")
    _, ids_flat = flat.search(vectors[:20], 1)
    _, ids_hnsw = hnsw.search(vectors[:20], 1)
    assert (ids_flat[:, 0] == np.arange(20)).all()
    assert (ids_hnsw[:, 0] == np.arange(20)).mean() >= 0.95
    hnsw.save(tmp_path / "h.index")
    assert VectorIndex.load(tmp_path / "h.index", IndexSettings()).kind == "hnsw"


def _write(folder: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text)
    return folder


PAGE = "## Requests\n\nSubmit the request in the portal two weeks ahead. Your supervisor approves it.\n"


def test_sources_are_relative_and_two_index_files_get_distinct_ids(tmp_path: Path):
    folder = _write(tmp_path / "handbook", {"benefits/index.md": PAGE, "travel/index.md": PAGE, "travel/per-diem.md": PAGE})
    report = ingest(folder, tmp_path / "index", HashingEmbedder(), SETTINGS)
    assert sorted(report.added) == ["benefits/index.md", "travel/index.md", "travel/per-diem.md"]
    version = load_version(tmp_path / "index", SETTINGS.index)
    assert {c.source for c in version.chunks} == set(report.added)
    assert sorted({c.course_id for c in version.chunks}) == ["benefits", "travel", "travel/per-diem"]
    assert sorted(d.course_id for d in version.documents.values()) == ["benefits", "travel", "travel/per-diem"]
    assert version.manifest["locations"]["travel/index.md"] == str(folder / "travel/index.md")


def test_derived_metadata_is_reported_compactly_and_reaches_the_catalogue(tmp_path: Path):
    from recommender.catalogue import Catalogue
    from retrieval import Retriever

    files = {f"guide-{i}.md": f"# Guide {i}\n\n## Expense claims\n\n" + "Claim travel costs within thirty days. " * 80 for i in range(6)}
    files["declared.md"] = "---\nid: declared\ntitle: Declared\nskills: [budgeting]\nduration_minutes: 15\n---\n" + PAGE
    folder = _write(tmp_path / "courses", files)
    report = ingest(folder, tmp_path / "index", HashingEmbedder(), SETTINGS)
    grouped = report.warnings_by_field()
    assert {name: len(w) for name, w in grouped.items()} == {"duration_minutes": 6, "id": 6, "skills": 6, "title": 6}
    assert all(w.file.startswith("guide-") for w in report.warnings)
    summary = report.warning_summary()
    assert len(summary) == 5 and "skills for 6 files" in summary[3] and "and 3 more" in summary[3]

    courses, _ = Retriever(tmp_path / "index", HashingEmbedder(), SETTINGS).corpus()
    catalogue = Catalogue.from_metadata(courses)
    guide = catalogue.courses["guide-0"]
    assert (guide.title, guide.skills, guide.duration_minutes) == ("Guide 0", ["expense-claims"], 3)
    declared = catalogue.courses["declared"]
    assert (declared.skills, declared.duration_minutes) == (["budgeting"], 15)
    assert "derived" not in next(c for c in courses if c["course_id"] == "declared")["metadata"]


def test_files_claiming_the_same_id_are_not_merged(tmp_path: Path):
    folder = _write(tmp_path / "courses", {
        "a/security.md": "---\nid: security\ntitle: Security A\n---\n" + PAGE,
        "b/security.md": "---\nid: security\ntitle: Security B\n---\n" + PAGE,
    })
    report = ingest(folder, tmp_path / "index", HashingEmbedder(), SETTINGS)
    assert len(report.added) == 2
    conflict = report.warnings_by_field()["duplicate id"]
    assert [(w.file, w.detail) for w in conflict] == [
        ("b/security.md", "'security' is already the id of a/security.md; indexed as 'b/security'")]
    version = load_version(tmp_path / "index", SETTINGS.index)
    assert {d.path: d.course_id for d in version.documents.values()} == {"a/security.md": "security", "b/security.md": "b/security"}
    assert any("already taken" in line for line in report.warning_summary())

    # The first holder keeps its id when it changes, even if a new file sorted before it claims the same id.
    (folder / "a/security.md").write_text("---\nid: security\ntitle: Security A\n---\n" + PAGE + "\nAlso lock your screen.\n")
    (folder / "0-new.md").write_text("---\nid: security\n---\n" + PAGE)
    ingest(folder, tmp_path / "index", HashingEmbedder(), SETTINGS)
    version = load_version(tmp_path / "index", SETTINGS.index)
    assert {d.path: d.course_id for d in version.documents.values()} == {
        "a/security.md": "security", "b/security.md": "b/security", "0-new.md": "0-new"}


def test_a_single_file_is_cited_by_its_name_and_a_later_folder_ingest_does_not_duplicate_it(tmp_path: Path):
    folder = _write(tmp_path / "courses", {"sub/leave.md": PAGE, "other.md": PAGE})
    index_dir = tmp_path / "index"
    first = ingest(folder / "sub" / "leave.md", index_dir, HashingEmbedder(), SETTINGS)
    assert first.added == ["leave.md"]
    second = ingest(folder, index_dir, HashingEmbedder(), SETTINGS)
    assert second.added == ["other.md"] and second.unchanged == ["sub/leave.md"] and not second.removed
    version = load_version(index_dir, SETTINGS.index)
    assert sorted(version.documents) == ["other.md", "sub/leave.md"]
    assert sorted({c.source for c in version.chunks}) == ["other.md", "sub/leave.md"]


def test_folders_with_the_same_relative_paths_both_stay(tmp_path: Path):
    one = _write(tmp_path / "one", {"guide.md": PAGE})
    two = _write(tmp_path / "two", {"guide.md": PAGE.replace("portal", "travel portal")})
    index_dir = tmp_path / "index"
    ingest(one, index_dir, HashingEmbedder(), SETTINGS)
    report = ingest(two, index_dir, HashingEmbedder(), SETTINGS)
    assert report.added == ["two/guide.md"] and not report.removed
    assert report.warnings_by_field()["source"][0].file == "two/guide.md"
    assert report.warnings_by_field()["id"][0].detail == "'two/guide' from the path"
    assert not ingest(two, index_dir, HashingEmbedder(), SETTINGS).changed
    assert not ingest(one, index_dir, HashingEmbedder(), SETTINGS).changed
    assert sorted(load_version(index_dir, SETTINGS.index).documents) == ["guide.md", "two/guide.md"]


def test_an_index_keyed_by_absolute_paths_is_migrated(corpus: Path, tmp_path: Path):
    """An index written before sources were relative: the folder's files are re-read and keyed relatively; a
    document from another folder keeps serving and is reported."""
    import dataclasses

    from retrieval.chunking import split_document
    from retrieval.index_store import IndexedDocument, write_version
    from retrieval.loaders import load_document

    elsewhere = _write(tmp_path / "elsewhere", {"old.md": PAGE})
    index_dir = tmp_path / "index"
    documents, chunks = [], []
    for path in [corpus / "giving-feedback.md", corpus / "infosec-basics.md", elsewhere / "old.md"]:
        doc = load_document(path)
        pieces = [dataclasses.replace(c, source=str(path)) for c in split_document(doc, SETTINGS.chunking)]
        documents.append(IndexedDocument(str(path), "old-fingerprint", path.stem, doc.title, len(pieces), doc.metadata))
        chunks += pieces
    vectors = HashingEmbedder().embed([c.embedding_text() for c in chunks])
    write_version(index_dir, documents, chunks, vectors, SETTINGS.index, {"embedding_model": "x", "dimension": 128})

    report = ingest(corpus, index_dir, HashingEmbedder(), SETTINGS)
    assert sorted(report.updated) == ["giving-feedback.md", "infosec-basics.md"]
    assert len(report.added) == len(list(corpus.glob("*.md"))) - 2
    assert not report.removed
    assert [w.file for w in report.warnings_by_field()["source"]] == [str(elsewhere / "old.md")]
    version = load_version(index_dir, SETTINGS.index)
    assert sorted(version.documents) == sorted([*report.added, *report.updated, str(elsewhere / "old.md")])
    assert {c.source for c in version.chunks if c.source.startswith("/")} == {str(elsewhere / "old.md")}
    assert len(version.chunks) == len(version.vectors) == version.index.size
    assert not ingest(corpus, index_dir, HashingEmbedder(), SETTINGS).changed
