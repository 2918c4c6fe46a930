"""The `tutor` command line over the same functions the actions use."""
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app
from tests.support.fakes import minimal_pdf

pytestmark = pytest.mark.unit


@pytest.fixture()
def config(tmp_path: Path, monkeypatch) -> Path:
    path = tmp_path / "tutor.yml"
    path.write_text(f"paths:\n  index_dir: {tmp_path / 'index'}\n  cache_dir: {tmp_path / 'cache'}\n")
    monkeypatch.setenv("TUTOR_CONFIG", str(path))
    monkeypatch.setenv("COLUMNS", "400")  # rich wraps at the terminal width; long temporary paths would break lines
    return path


def test_ingest_reports_bad_files_and_then_does_nothing(config, corpus: Path):
    (corpus / "broken.pdf").write_bytes(b"%PDF-1.4 junk")
    (corpus / "travel.pdf").write_bytes(minimal_pdf(["Travel", "Book trains for trips under four hours."]))
    runner = CliRunner()
    first = runner.invoke(app, ["ingest", str(corpus)])
    assert first.exit_code == 0, first.output
    added = len(list(corpus.glob("*.md"))) + 1  # the courses and travel.pdf
    assert "skipped" in first.output and "broken.pdf" in first.output and f"{added} added" in first.output
    second = runner.invoke(app, ["ingest", str(corpus)])
    assert "Nothing changed" in second.output


def test_ask_prints_answer_with_sources_and_json(config, corpus: Path):
    runner = CliRunner()
    runner.invoke(app, ["ingest", str(corpus)])
    text = runner.invoke(app, ["ask", "what does SBI stand for?"])
    assert "Sources:" in text.output and "Giving Effective Feedback" in text.output
    as_json = runner.invoke(app, ["ask", "--json", "who won the 2018 world cup?"])
    assert json.loads(as_json.output)["abstained"] is True


def test_ask_without_an_index_says_what_to_do(config):
    result = CliRunner().invoke(app, ["ask", "anything"])
    assert result.exit_code == 1 and "tutor ingest" in result.output


def test_bad_settings_file_is_a_clear_error(tmp_path: Path, monkeypatch):
    path = tmp_path / "tutor.yml"
    path.write_text("retrieval:\n  search:\n    top_k: 0\n")
    monkeypatch.setenv("TUTOR_CONFIG", str(path))
    result = CliRunner().invoke(app, ["ask", "x"])
    assert result.exit_code == 2 and "retrieval.search.top_k" in result.output


def test_ingest_missing_path(config, tmp_path: Path):
    result = CliRunner().invoke(app, ["ingest", str(tmp_path / "nope")])
    assert result.exit_code == 2 and "does not exist" in result.output


def test_ingest_reports_catalogue_problems(config, tmp_path: Path):
    folder = tmp_path / "cat"
    folder.mkdir()
    (folder / "a.md").write_text("---\nid: a\ntitle: A\nprerequisites: [b]\n---\n# A\n\n## One\n\nAlpha content about budgeting and forecasts.\n")
    (folder / "b.md").write_text("---\nid: b\ntitle: B\nprerequisites: [a, ghost]\n---\n# B\n\n## One\n\nBeta content about hiring and interviews.\n")
    result = CliRunner().invoke(app, ["ingest", str(folder)])
    assert "prerequisite cycle" in result.output and "'ghost'" in result.output


def test_terminal_rendering_lists_buttons_once_and_skips_structured_only_messages():
    from cli.terminal import render_reply

    assert render_reply({"text": "Pick:\n1. A\n2. B", "buttons": [{"title": "A"}, {"title": "B"}]}) == "Pick:\n1. A\n2. B"
    assert render_reply({"text": "Want a quiz?", "buttons": [{"title": "Quiz me"}]}) == "Want a quiz?\n  1. Quiz me"
    assert render_reply({"custom": {"type": "answer"}}) == ""


def test_services_start_prints_the_variables_and_stop_stops_both(config, tmp_path):
    import glob
    import shutil
    import socket
    import subprocess

    if not (shutil.which("redis-server") and glob.glob("/usr/lib/postgresql/*/bin/pg_ctl")):
        pytest.skip("PostgreSQL and Redis are not installed (scripts/setup.sh installs them)")
    ports = []
    for _ in range(2):
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            ports.append(str(sock.getsockname()[1]))
    runner = CliRunner()
    options = ["--pg-port", ports[0], "--redis-port", ports[1]]
    try:
        started = runner.invoke(app, ["services", "start", *options])
        assert started.exit_code == 0, started.output
        exports = dict(line.removeprefix("export ").split("=", 1) for line in started.stdout.splitlines() if line.startswith("export "))
        assert exports["POSTGRES_PORT"] == ports[0] and exports["REDIS_PORT"] == ports[1] and exports["REDIS_PASSWORD"] == ""
        psql = subprocess.run(["psql", "-h", "127.0.0.1", "-p", ports[0], "-U", exports["POSTGRES_USER"], "-d", exports["POSTGRES_DB"],
                               "-tAc", "select 40 + 2"], env={"PGPASSWORD": exports["POSTGRES_PASSWORD"], "PATH": "/usr/bin:/bin"},
                              capture_output=True, text=True)
        assert psql.stdout.strip() == "42", psql.stderr
    finally:
        stopped = runner.invoke(app, ["services", "stop", *options])
    assert stopped.exit_code == 0, stopped.output
    for port in ports:
        with socket.socket() as sock:
            assert sock.connect_ex(("127.0.0.1", int(port))) != 0, f"port {port} still answers"


def test_config_shows_the_values_in_effect_and_where_they_came_from(config, monkeypatch):
    monkeypatch.setenv("TUTOR_SERVERS__RASA_PORT", "5099")
    shown = CliRunner().invoke(app, ["config"]).output
    assert "servers.rasa_port = 5099    (environment TUTOR_SERVERS__RASA_PORT)" in shown
    assert f"paths.index_dir = {config.parent / 'index'}    (file {config})" in shown
    assert "servers.workers = 1    (default)" in shown


def test_every_evaluation_suite_is_a_module_with_a_main():
    import importlib

    from cli.main import EVAL_SUITES

    for suite, module in EVAL_SUITES.items():
        assert callable(importlib.import_module(module).main), suite


def test_fit_learner_model_waits_for_enough_attempts_then_fits_on_them(config, tmp_path: Path):
    import random

    from assessment import LearnerModel
    from tutor import Tutor, load_settings

    config.write_text(config.read_text() + "assessment:\n  min_attempts_to_fit: 200\n")
    runner = CliRunner()
    out = tmp_path / "learner_model.json"
    early = runner.invoke(app, ["fit-learner-model", "--out", str(out)])
    assert early.exit_code == 1 and "0 quiz attempts recorded" in early.output and not out.exists()

    rng = random.Random(5)
    rows = []
    for n in range(30):
        for i in range(12):
            skill = rng.choice(["infosec-phishing", "sql-joins"])
            rows.append({"attempt_id": f"a{n}-{i}", "created": 1000.0 + i, "session_id": "s", "learner": f"learner-{n}",
                         "question_id": "q", "skill": skill, "answer": "", "correct": int(rng.random() < 0.4 + 0.04 * i),
                         "skipped": 0, "hinted": 0, "score": 0.0, "latency_ms": 0.0})
    Tutor(load_settings(config)).records.learning.db["attempts"].insert_all(rows)
    fitted = runner.invoke(app, ["fit-learner-model", "--out", str(out)])
    assert fitted.exit_code == 0, fitted.output
    assert "Fitted on 360 attempts of 30 learners (2 skills)" in fitted.output and "assessment.success_model" in fitted.output
    model = LearnerModel.load(out)
    assert set(model.difficulty) == {"infosec-phishing", "sql-joins"} and model.meta["attempts"] == 360
