"""The shipped channel configuration: Rasa credentials name the tutor's REST channel; the Slack manifest asks
for what the app uses."""
from pathlib import Path

import pytest
import yaml

pytestmark = pytest.mark.unit
ROOT = Path(__file__).resolve().parents[2]


def test_credentials_enable_the_rest_channel():
    credentials = yaml.safe_load((ROOT / "bot" / "credentials.yml").read_text())
    assert "bot.channels.rest.TutorRestInput" in credentials


def test_slack_manifest_matches_the_app():
    manifest = yaml.safe_load((ROOT / "bot" / "slack" / "manifest.yml").read_text())
    assert {"app_mention", "message.im", "app_home_opened"} <= set(manifest["settings"]["event_subscriptions"]["bot_events"])
    assert {"chat:write", "commands", "app_mentions:read", "im:history"} <= set(manifest["oauth_config"]["scopes"]["bot"])
    assert manifest["features"]["slash_commands"][0]["command"] == "/tutor"
