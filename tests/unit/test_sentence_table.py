"""English sentences are embedded at ingest (links as their labels) and looked up when answering; an index without
them still answers."""
from pathlib import Path

import numpy as np
import pytest

from retrieval import AnswerChain, RetrievalSettings, Retriever, ingest
from retrieval.extractive import split_sentences
from retrieval.index_store import current_version_dir, load_version
from retrieval.reading import SentenceVectors
from retrieval.sentence_table import SENTENCE_VECTORS, SENTENCES
from tests.support.fakes import HashingEmbedder

pytestmark = pytest.mark.unit


def test_every_english_sentence_is_embedded_at_ingest_and_chinese_ones_are_not(corpus: Path, tmp_path: Path):
    report = ingest(corpus, tmp_path / "index", HashingEmbedder(), RetrievalSettings())
    version = load_version(tmp_path / "index", RetrievalSettings().index)
    table = version.sentences
    expected = {s for c in version.chunks if c.language == "en" for s in split_sentences(c.text)}
    assert {c.language for c in version.chunks} == {"en", "zh"}  # Chinese passages are read by the multilingual path
    assert set(table.texts) == expected and report.sentences_embedded == len(table) > report.total_chunks
    some = table.texts[:20]
    stored = np.stack([table.get(t) for t in some])
    assert np.allclose(stored, HashingEmbedder().embed(some), atol=2e-3)  # float16 on disk


def test_answering_looks_sentences_up_instead_of_embedding_them(corpus: Path, tmp_path: Path):
    ingest(corpus, tmp_path / "index", HashingEmbedder(), RetrievalSettings())
    retriever = Retriever(tmp_path / "index", HashingEmbedder(), RetrievalSettings(), multilingual=None)
    table = retriever.version().sentences
    live = HashingEmbedder()
    vectors = SentenceVectors(live, stored=lambda: table)
    known = table.texts[:30]
    assert np.allclose(vectors(known), HashingEmbedder().embed(known), atol=2e-3) and live.texts_embedded == 0
    mixed = vectors([known[0], "A sentence no course holds.", known[1]])
    assert mixed.shape == (3, live.dimension) and live.texts_embedded == 1

    embedder = HashingEmbedder()
    chain = AnswerChain(Retriever(tmp_path / "index", embedder, RetrievalSettings(), multilingual=None), embedder,
                        RetrievalSettings())
    answer = chain.answer("How should I report a phishing email?")
    assert not answer.abstained and embedder.texts_embedded == 1  # the question, and no sentence


def test_an_index_without_sentence_vectors_still_answers(corpus: Path, tmp_path: Path):
    settings = RetrievalSettings()
    settings.index.sentence_vectors = False
    report = ingest(corpus, tmp_path / "index", HashingEmbedder(), settings)
    root = current_version_dir(tmp_path / "index")
    assert report.sentences_embedded == 0 and not (root / SENTENCES).exists() and not (root / SENTENCE_VECTORS).exists()
    embedder = HashingEmbedder()
    chain = AnswerChain(Retriever(tmp_path / "index", embedder, settings, multilingual=None), embedder, settings)
    answer = chain.answer("How should I report a phishing email?")
    assert not answer.abstained and embedder.texts_embedded > 1  # the sentences are embedded while answering


def test_an_older_index_gains_sentence_vectors_without_reembedding_its_chunks(corpus: Path, tmp_path: Path):
    off = RetrievalSettings()
    off.index.sentence_vectors = False
    ingest(corpus, tmp_path / "index", HashingEmbedder(), off)
    embedder = HashingEmbedder()
    report = ingest(corpus, tmp_path / "index", embedder, RetrievalSettings())
    assert report.chunks_embedded == 0 and report.sentences_embedded > 0
    assert embedder.texts_embedded == report.sentences_embedded
    assert load_version(tmp_path / "index", off.index).sentences is not None
    again = HashingEmbedder()
    assert not ingest(corpus, tmp_path / "index", again, RetrievalSettings()).changed and again.calls == 0


def test_sentences_are_embedded_with_link_labels_and_an_older_table_is_brought_up_to_date(tmp_path: Path):
    from retrieval.sentence_table import SentenceTable

    courses = tmp_path / "courses"
    courses.mkdir()
    url = "https://docs.example.gov/document/d/" + "x" * 60
    (courses / "vltp.md").write_text(
        "---\ntitle: Leave transfer\n---\n## Enrolling\n\n"
        f"Your [HR specialist]({url}) reviews the application within ten business days.\n\n"
        "Your supervisor sends an announcement to the whole team once it is approved.\n")
    ingest(courses, tmp_path / "index", HashingEmbedder(), RetrievalSettings())
    table = load_version(tmp_path / "index", RetrievalSettings().index).sentences
    labelled = "Your HR specialist reviews the application within ten business days."
    assert labelled in table.texts and not table.outdated()
    live = HashingEmbedder()
    raw = f"Your [HR specialist]({url}) reviews the application within ten business days."
    assert np.allclose(SentenceVectors(live, stored=lambda: table)([raw]), HashingEmbedder().embed([labelled]), atol=2e-3)
    assert live.texts_embedded == 0  # the quoted sentence is found under its labels

    root = current_version_dir(tmp_path / "index")  # as an older ingest wrote it: keyed by the raw text
    SentenceTable([raw if t == labelled else t for t in table.texts], table.vectors).save(root)
    embedder = HashingEmbedder()
    report = ingest(courses, tmp_path / "index", embedder, RetrievalSettings())
    assert report.chunks_embedded == 0 and report.sentences_embedded == 1 == embedder.texts_embedded
    assert labelled in load_version(tmp_path / "index", RetrievalSettings().index).sentences.texts
