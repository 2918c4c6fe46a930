"""Shared fixtures: settings in temporary folders, the real embedding model once per session, the sample
course index, and a fake embedder for fast unit tests."""
from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from retrieval import RetrievalSettings, SentenceEmbedder, ingest  # noqa: E402

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


@pytest.fixture()
def fake_embedder():
    from fakes import HashingEmbedder

    return HashingEmbedder()


@pytest.fixture()
def corpus(tmp_path) -> Path:
    """A copy of the sample courses that a test may change."""
    target = tmp_path / "courses"
    shutil.copytree(COURSES, target)
    return target
