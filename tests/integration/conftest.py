"""The real Rasa server and action server on loopback, in a temporary workspace, stopped after the tests."""
from __future__ import annotations

from pathlib import Path

import pytest

from rest_learner import Learner
from tutor.servers import ServerGroup, train
from tutor.settings import load_settings
from workspace import free_port, write_sqlite_endpoints, write_tutor_config

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
    action_port = free_port()
    write_sqlite_endpoints(work / "endpoints.yml", action_port, work / "tracker.db")
    (work / "credentials.yml").write_text(
        "bot.channels.rest.TutorRestInput:\n"
        f"bot.channels.teams.TeamsInput:\n  app_id: {TEAMS_APP_ID}\n  app_password: secret\n"
        f"  openid_metadata_url: {botframework.url}/openid\n  token_url: {botframework.url}/token\n"
    )
    write_tutor_config(work / "tutor.yml", index_dir=course_index, store=work / "tutor.db", cache_dir=work / "cache",
                       action_port=action_port, endpoints=work / "endpoints.yml", credentials=work / "credentials.yml")
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
