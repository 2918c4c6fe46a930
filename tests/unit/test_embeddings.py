"""Questions embedded through ONNX Runtime get the vectors sentence-transformers gives (an index built by one is
searched with the other), and answering a question never imports torch."""
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from retrieval import QueryEmbedder, RetrievalSettings

pytestmark = pytest.mark.unit
ROOT = Path(__file__).resolve().parents[2]
TEXTS = ["how do I report a phishing email?", "MFA", "What does an inner join return when two tables are joined on a key? " * 30,
         "如何报告钓鱼邮件？", ""]


def test_onnx_vectors_match_sentence_transformers(model_cache, real_embedder):
    onnx = QueryEmbedder(RetrievalSettings().embedding, model_cache)
    assert type(onnx.backend).__name__ == "OnnxEmbedder"
    ours, reference = onnx.embed(TEXTS, batch_size=2), real_embedder.embed(TEXTS)
    assert ours.shape == reference.shape == (len(TEXTS), 384)
    assert np.abs(ours - reference).max() < 1e-4
    assert onnx.embed([]).shape == (0, 384)


def test_torch_backend_when_asked(model_cache):
    settings = RetrievalSettings(embedding={"backend": "torch"}).embedding
    assert type(QueryEmbedder(settings, model_cache).backend).__name__ == "SentenceEmbedder"


def test_tutor_ask_answers_without_importing_torch(tmp_path, course_index, model_cache):
    (tmp_path / "tutor.yml").write_text(f"paths:\n  index_dir: {course_index}\n  cache_dir: {model_cache}\n")
    script = ("import sys, json; from typer.testing import CliRunner; from cli.main import app; "
              "r = CliRunner().invoke(app, ['ask', '--json', 'how do I report a phishing email?']); "
              "print(json.dumps({'out': r.output, 'heavy': sorted(m for m in ('torch', 'sentence_transformers', 'transformers', "
              "'langchain_text_splitters', 'pypdf') if m in sys.modules)}))")
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=300,
                            env={**os.environ, "TUTOR_CONFIG": str(tmp_path / "tutor.yml")})
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert json.loads(report["out"])["citations"][0]["course_id"] == "infosec-basics"
    assert report["heavy"] == []
