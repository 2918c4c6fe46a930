"""Rasa's own conversation tests (`rasa test`) on held-out phrasings, against the trained model."""
import os
import subprocess

import pytest

from cli.rasa_servers import PROJECT_ROOT, rasa_bin, train
from tutor import load_settings

pytestmark = pytest.mark.integration


def test_conversation_stories_pass(tmp_path, workspace):
    settings = load_settings(workspace / "tutor.yml")
    model = train(settings)
    env = {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "PYTHONPATH": str(PROJECT_ROOT)}
    result = subprocess.run(
        [str(rasa_bin(settings)), "test", "core", "--model", str(model), "--stories", "tests/rasa/test_stories.yml",
         "--out", str(tmp_path / "results"), "--no-plot", "--fail-on-prediction-errors"],
        cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    failed = (tmp_path / "results" / "failed_test_stories.yml").read_text()
    assert "None of the test stories failed" in failed, failed
