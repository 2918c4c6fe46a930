"""What `tutor serve` refuses before starting anything, and where the console finds Rasa's conversations."""
from pathlib import Path

import pytest

from cli.rasa_servers import ServerError, ServerGroup, check_endpoints
from tests.support.workspace import ROOT, free_port
from tutor import load_settings, tracker_store_url

pytestmark = pytest.mark.unit

ACTIONS = 'action_endpoint:\n  url: "http://127.0.0.1:{port}/webhook"\n'


def settings_with(tmp_path: Path, endpoints: str, workers: int = 1, credentials: Path = ROOT / "bot" / "credentials.yml"):
    port = free_port()
    (tmp_path / "endpoints.yml").write_text(ACTIONS.format(port=port) + endpoints)
    (tmp_path / "tutor.yml").write_text(
        f"servers:\n  action_port: {port}\n  rasa_port: {free_port()}\n  workers: {workers}\n"
        f"  endpoints: {tmp_path / 'endpoints.yml'}\n  credentials: {credentials}\n")
    return load_settings(tmp_path / "tutor.yml")


def test_several_workers_need_shared_conversations_and_locks(tmp_path):
    sqlite = 'tracker_store:\n  type: SQL\n  dialect: "sqlite"\n  db: "t.db"\n'
    with pytest.raises(ServerError, match="Redis lock store"):
        check_endpoints(settings_with(tmp_path, sqlite + "lock_store:\n  type: in_memory\n", workers=2))
    with pytest.raises(ServerError, match="SQL tracker store"):
        check_endpoints(settings_with(tmp_path, "lock_store:\n  type: redis\n", workers=2))
    check_endpoints(settings_with(tmp_path, sqlite + "lock_store:\n  type: in_memory\n", workers=1))


def test_the_company_endpoints_name_every_missing_variable(tmp_path, monkeypatch):
    for name in ("POSTGRES_HOST", "POSTGRES_PORT", "POSTGRES_DB", "POSTGRES_USER", "POSTGRES_PASSWORD", "REDIS_HOST"):
        monkeypatch.delenv(name, raising=False)
    settings = settings_with(tmp_path, "")
    settings.servers.endpoints = ROOT / "deploy" / "endpoints.yml"
    with pytest.raises(ServerError, match="POSTGRES_HOST.*REDIS_HOST"):
        check_endpoints(settings, {"ACTION_ENDPOINT_URL": f"http://127.0.0.1:{settings.servers.action_port}/webhook"})
    assert tracker_store_url(settings) is None  # said in a warning; forget/retention then skip Rasa's events


def test_tracker_store_url_for_postgres_and_sqlite(tmp_path, monkeypatch):
    settings = settings_with(tmp_path, "")
    settings.servers.endpoints = ROOT / "deploy" / "endpoints.yml"
    for name, value in {"POSTGRES_HOST": "db.internal", "POSTGRES_PORT": "5433", "POSTGRES_DB": "rasa",
                        "POSTGRES_USER": "rasa", "POSTGRES_PASSWORD": "p@ss word"}.items():
        monkeypatch.setenv(name, value)
    from sqlalchemy.engine import make_url

    url = make_url(tracker_store_url(settings))
    assert (url.drivername, url.host, url.port, url.database, url.username, url.password) == \
        ("postgresql+psycopg2", "db.internal", 5433, "rasa", "rasa", "p@ss word")
    sqlite = settings_with(tmp_path, f'tracker_store:\n  type: SQL\n  dialect: "sqlite"\n  db: "{tmp_path / "t.db"}"\n')
    assert tracker_store_url(sqlite) == f"sqlite:///{tmp_path / 't.db'}"


def test_a_missing_credentials_file_is_refused_before_any_server_starts(tmp_path):
    settings = settings_with(tmp_path, "lock_store:\n  type: in_memory\n", credentials=tmp_path / "nope.yml")
    group = ServerGroup(settings, log_dir=tmp_path / "logs")
    with pytest.raises(ServerError, match="credentials file"):
        group.start()
    assert not group.processes
