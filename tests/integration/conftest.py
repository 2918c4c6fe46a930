"""The real Rasa server and action server on loopback, in a temporary workspace, stopped after the tests."""
from __future__ import annotations

from pathlib import Path

import pytest

from cli.rasa_servers import ServerGroup, train
from tests.support.fake_botframework import TEAMS_APP_ID, TEAMS_TRAINER_CHANNEL, FakeBotFramework
from tests.support.rest_learner import Learner
from tests.support.workspace import free_port, write_sqlite_endpoints, write_tutor_config
from tutor import load_settings


@pytest.fixture(scope="session")
def botframework():
    fake = FakeBotFramework(TEAMS_APP_ID)
    yield fake
    fake.stop()


@pytest.fixture(scope="session")
def workspace(tmp_path_factory, course_index: Path, model_cache: Path, botframework) -> Path:
    """tutor.yml + endpoints.yml for this test run: own ports, own databases, the sample course index."""
    work = tmp_path_factory.mktemp("tutor")
    action_port = free_port()
    write_sqlite_endpoints(work / "endpoints.yml", work / "tracker.db")
    (work / "credentials.yml").write_text(
        "bot.channels.rest.TutorRestInput:\n"
        f"bot.channels.teams.TeamsInput:\n  app_id: {TEAMS_APP_ID}\n  app_password: secret\n"
        f"  openid_metadata_url: {botframework.url}/openid\n  token_url: {botframework.url}/token\n"
        f"  trainer_channel_id: \"{TEAMS_TRAINER_CHANNEL}\"\n"
    )
    write_tutor_config(work / "tutor.yml", index_dir=course_index, store=work / "tutor.db", cache_dir=model_cache,
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
