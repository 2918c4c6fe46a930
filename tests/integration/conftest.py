"""The real Rasa server and action server on loopback, in a temporary workspace, stopped after the tests."""
from __future__ import annotations

import socket
from pathlib import Path

import pytest

from rest_learner import Learner
from tutor.servers import ServerGroup, train
from tutor.settings import load_settings

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


TEAMS_APP_ID = "00000000-test-app"


@pytest.fixture(scope="session")
def botframework():
    from fake_botframework import FakeBotFramework

    fake = FakeBotFramework(TEAMS_APP_ID)
    yield fake
    fake.stop()


@pytest.fixture(scope="session")
def workspace(tmp_path_factory, course_index: Path, botframework) -> Path:
    """tutor.yml + endpoints.yml for this test run: own ports, own databases, the sample course index."""
    work = tmp_path_factory.mktemp("tutor")
    rasa_port, action_port = free_port(), free_port()
    (work / "endpoints.yml").write_text(
        f'action_endpoint:\n  url: "http://127.0.0.1:{action_port}/webhook"\n'
        f'tracker_store:\n  type: SQL\n  dialect: "sqlite"\n  db: "{work / "tracker.db"}"\n'
        "lock_store:\n  type: in_memory\n"
    )
    (work / "credentials.yml").write_text(
        "bot.channels.rest.TutorRestInput:\n"
        f"bot.channels.teams.TeamsInput:\n  app_id: {TEAMS_APP_ID}\n  app_password: secret\n"
        f"  openid_metadata_url: {botframework.url}/openid\n  token_url: {botframework.url}/token\n"
    )
    (work / "tutor.yml").write_text(
        f"paths:\n  index_dir: {course_index}\n  store: {work / 'tutor.db'}\n  cache_dir: {work / 'cache'}\n"
        f"servers:\n  rasa_port: {rasa_port}\n  action_port: {action_port}\n  endpoints: {work / 'endpoints.yml'}\n"
        f"  credentials: {work / 'credentials.yml'}\n  models_dir: {ROOT / 'models'}\n"
    )
    return work


@pytest.fixture(scope="session")
def servers(workspace: Path):
    settings = load_settings(workspace / "tutor.yml")
    train(settings)
    group = ServerGroup(settings, log_dir=workspace / "logs", extra_env={"TUTOR_CONFIG": str(workspace / "tutor.yml")})
    group.start()
    yield group
    group.stop()


@pytest.fixture()
def learner(servers, request) -> Learner:
    return Learner(servers.rasa_url, sender=f"learner-{request.node.name}")


@pytest.fixture()
def make_learner(servers):
    return lambda sender: Learner(servers.rasa_url, sender)
