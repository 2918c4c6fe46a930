"""Corpora of any size for the search benchmark: real passages embedded once, then perturbed copies.

The real part: the 18F handbook cut by the product's own loader and chunker, SQuAD 2.0 contexts and SciQ support
paragraphs (read in place from ../shared, never copied), then two-sentence windows of them until the requested
number of distinct texts is reached; questions are SciQ's and SQuAD's. They are embedded with the product's
embedder (`QueryEmbedder`: the same MiniLM the index holds) and cached in var/cache/eval, so a second run embeds
nothing. A corpus of N vectors repeats the real ones with small Gaussian noise, renormalised (no two rows are
equal, and copies stay near their original as paraphrases would); the copies reuse their original's text, which
is all BM25 timing needs. `synthetic=True` makes clustered random vectors and word-salad texts instead (tests, or
where ../shared is absent).
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import random
from dataclasses import dataclass
from pathlib import Path

import numpy as np

log = logging.getLogger("eval")

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared"
EVALDATA = Path(os.environ.get("TUTOR_EVALDATA", SHARED / "evaldata"))
CORPORA = Path(os.environ.get("TUTOR_CORPORA", SHARED / "corpora"))
CACHE = ROOT / "var" / "cache" / "eval"
NOISE = 0.01  # per dimension: a copy's cosine to its original is about 0.98
DIM = 384


@dataclass
class Base:
    """The distinct passages and the questions, with their embeddings."""

    texts: list[str]
    vectors: np.ndarray
    questions: list[str]
    question_vectors: np.ndarray
    origin: str  # what the rows are, for the report


def shared_data_present() -> bool:
    return (EVALDATA / "sciq").exists() and (EVALDATA / "squad_v2").exists() and (CORPORA / "18f-handbook").exists()


def real_passages(limit: int) -> list[str]:
    """Up to `limit` distinct real passages: product chunks of the handbook, SQuAD contexts, SciQ supports, then
    two-sentence windows of all of them."""
    from retrieval import split_sentences
    from retrieval.chunking import split_document
    from retrieval.loaders import load_document
    from retrieval.settings import ChunkSettings

    from retrieval.errors import UnreadableDocument

    handbook = CORPORA / "18f-handbook"
    whole = []
    for path in sorted(handbook.rglob("*.md")):
        try:
            whole += [c.text for c in split_document(load_document(path, handbook), ChunkSettings())]
        except UnreadableDocument as exc:
            log.info("skipped %s: %s", path.name, exc)
    squad = json.loads((EVALDATA / "squad_v2" / "cs224n_dev-v2.0.json").read_text())
    whole += [p["context"] for a in squad["data"] for p in a["paragraphs"]]
    whole += [json.loads(line).get("support", "") for line in (EVALDATA / "sciq" / "sciq_dev.jsonl").open()]
    texts = list(dict.fromkeys(t.strip() for t in whole if len(t.strip()) >= 80))
    seen = set(texts)
    for passage in list(texts):
        if len(texts) >= limit:
            break
        sentences = split_sentences(passage)
        for window in (" ".join(sentences[i:i + 2]) for i in range(0, max(0, len(sentences) - 1))):
            if len(window) >= 80 and window not in seen:
                seen.add(window)
                texts.append(window)
    random.Random(5).shuffle(texts)
    return texts[:limit]


def real_questions(limit: int) -> list[str]:
    squad = json.loads((EVALDATA / "squad_v2" / "cs224n_dev-v2.0.json").read_text())
    questions = [q["question"] for a in squad["data"] for p in a["paragraphs"] for q in p["qas"]]
    questions += [json.loads(line)["question"] for line in (EVALDATA / "sciq" / "sciq_dev.jsonl").open()]
    questions = list(dict.fromkeys(q.strip() for q in questions if q.strip()))
    return random.Random(7).sample(questions, min(limit, len(questions)))


def embedded(texts: list[str], cache: Path = CACHE) -> np.ndarray:
    """The texts' vectors from the product's embedder, cached under the texts' and the model's fingerprint."""
    from retrieval import QueryEmbedder, RetrievalSettings

    settings = RetrievalSettings().embedding
    digest = hashlib.sha256("\n\u0000".join([settings.model, *texts]).encode()).hexdigest()[:16]
    path = cache / f"scale-vectors-{digest}.npy"
    if path.exists():
        return np.load(path)
    log.info("embedding %d texts (cached in %s)", len(texts), path)
    embedder = QueryEmbedder(settings, ROOT / "var" / "cache")
    vectors = np.concatenate([embedder.embed(texts[i:i + 512], batch_size=32) for i in range(0, len(texts), 512)])
    cache.mkdir(parents=True, exist_ok=True)
    np.save(path, vectors.astype("float32"))
    return vectors


def real_base(passages: int, questions: int) -> Base:
    texts, asked = real_passages(passages), real_questions(questions)
    return Base(texts, embedded(texts), asked, embedded(asked),
                f"{len(texts):,} real passages (18F handbook chunks, SQuAD 2.0 contexts, SciQ supports and "
                f"two-sentence windows of them), {len(asked)} SQuAD/SciQ questions, MiniLM vectors")


def synthetic_base(passages: int, questions: int, seed: int = 3) -> Base:
    """Clustered unit vectors and texts drawn from a small vocabulary per cluster (so BM25 and dense search
    roughly agree, as on real text); questions lie near random passages."""
    rng = np.random.default_rng(seed)
    clusters = max(2, passages // 50)
    centres = rng.normal(size=(clusters, DIM))
    label = rng.integers(0, clusters, passages)
    vectors = _unit(centres[label] + 0.8 * rng.normal(size=(passages, DIM)))
    words = [f"w{i}" for i in range(clusters * 8)]
    texts = [" ".join(rng.choice(words[c * 8:(c + 1) * 8] + words[:40], 30)) for c in label]
    picks = rng.integers(0, passages, questions)
    question_vectors = _unit(vectors[picks] + 0.05 * rng.normal(size=(questions, DIM)))
    asked = [" ".join(texts[p].split()[:6]) for p in picks]
    return Base(texts, vectors, asked, question_vectors,
                f"{passages:,} synthetic clustered vectors and word-salad texts, {questions} questions")


def scaled(base: Base, size: int, seed: int = 11) -> tuple[np.ndarray, list[str]]:
    """`size` rows: the real ones first, then noisy copies of them in turn, each renormalised."""
    rows = len(base.vectors)
    vectors = np.empty((size, base.vectors.shape[1]), dtype="float32")
    rng = np.random.default_rng(seed)
    step = 100_000
    for start in range(0, size, step):
        stop = min(size, start + step)
        source = base.vectors[np.arange(start, stop) % rows]
        vectors[start:stop] = _unit(source + rng.normal(scale=NOISE, size=source.shape).astype("float32"))
        originals = max(0, min(stop, rows) - start)
        vectors[start:start + originals] = source[:originals]  # the real rows stay as they are
    return vectors, [base.texts[i % rows] for i in range(size)]


def _unit(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype="float32")
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
