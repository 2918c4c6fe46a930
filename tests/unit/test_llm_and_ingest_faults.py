"""Faults the tutor must ride out: a failing LLM endpoint, an ingest killed with SIGKILL."""
import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from retrieval import AnswerChain, RetrievalSettings, Retriever, make_generator
from retrieval.index_store import current_version_dir, load_version
from tests.support.fake_llm import FakeLLM

pytestmark = pytest.mark.unit
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture()
def llm():
    fake = FakeLLM()
    yield fake
    fake.stop()


@pytest.mark.parametrize("mode", ["slow", "garbage", "nonsense"])
def test_llm_endpoint_failures_fall_back_to_quotes(llm, mode, course_index, real_embedder, caplog, tmp_path):
    settings = RetrievalSettings(answer={"mode": "guarded"},
                                 generator={"kind": "openai", "base_url": llm.url, "model": "fake", "timeout_s": 2})
    chain = AnswerChain(Retriever(course_index, real_embedder, settings), real_embedder, settings,
                        make_generator(settings.generator, tmp_path))
    good = chain.answer("how do I report a phishing email?")
    assert good.mode == "guarded-generative" and good.text == llm.reply
    llm.mode = mode
    with caplog.at_level(logging.WARNING):
        answer = chain.answer("how do I report a phishing email?")
    assert answer.mode == "extractive-fallback" and answer.citations and "Report Phish" in answer.text
    assert any("generator failed" in r.message for r in caplog.records)


def test_ingest_killed_mid_run_leaves_the_old_index_serving(tmp_path, course_index):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for i in range(400):
        (corpus / f"note-{i:03d}.md").write_text(f"# Note {i}\n\n## Part\n\n" + f"Topic {i} explains procedure number {i} in detail. " * 30)
    index_dir = tmp_path / "index"
    import shutil

    shutil.copytree(course_index, index_dir, symlinks=True)
    before = current_version_dir(index_dir)
    env = {**os.environ, "TUTOR_CONFIG": str(tmp_path / "tutor.yml")}
    (tmp_path / "tutor.yml").write_text(f"paths:\n  index_dir: {index_dir}\n")
    process = subprocess.Popen([sys.executable, "-m", "cli", "ingest", str(corpus)], cwd=ROOT, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 300
    # Killed once its first group of files is embedded and kept for resuming: mid-run on any machine, however fast.
    while time.time() < deadline and process.poll() is None and not list(index_dir.glob(".ingest-resume*")):
        time.sleep(0.02)
    assert process.poll() is None, "ingest finished before it could be killed"
    os.kill(process.pid, signal.SIGKILL)
    process.wait(10)
    assert current_version_dir(index_dir) == before
    assert len(load_version(index_dir, RetrievalSettings().index).chunks) > 50
    done = subprocess.run([sys.executable, "-m", "cli", "ingest", str(corpus)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0 and "400 added" in done.stderr
    assert current_version_dir(index_dir) != before and not list(index_dir.glob(".staging-*"))
