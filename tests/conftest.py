"""Shared fixtures: settings in temporary folders, the real embedding model once per session, the sample
course index, and a fake embedder for fast unit tests."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from retrieval import RetrievalSettings, SentenceEmbedder, ingest

ROOT = Path(__file__).resolve().parents[1]

COURSES = ROOT / "data" / "courses"
EVALDATA = ROOT.parent / "shared" / "evaldata"


@pytest.fixture(scope="session")
def real_embedder() -> SentenceEmbedder:
    return SentenceEmbedder()


@pytest.fixture(scope="session")
def course_index(tmp_path_factory, real_embedder) -> Path:
    """The sample courses ingested once with the real model."""
    index_dir = tmp_path_factory.mktemp("course-index")
    report = ingest(COURSES, index_dir, real_embedder, RetrievalSettings())
    assert not report.failed and report.total_chunks > 50
    return index_dir


@pytest.fixture(scope="session")
def model_cache(tmp_path_factory) -> Path:
    """One cache directory for every tutor the tests start, with the embedding model's ONNX export made once."""
    from retrieval import QueryEmbedder

    cache = tmp_path_factory.mktemp("model-cache")
    QueryEmbedder(RetrievalSettings().embedding, cache).prepare()
    return cache


@pytest.fixture()
def fake_embedder():
    from tests.support.fakes import HashingEmbedder

    return HashingEmbedder()


@pytest.fixture()
def corpus(tmp_path) -> Path:
    """A copy of the sample courses that a test may change."""
    target = tmp_path / "courses"
    shutil.copytree(COURSES, target)
    return target
