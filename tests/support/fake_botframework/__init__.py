"""A fake Bot Framework on loopback: OpenID metadata and signing keys, the token service, and a connector
that records the activities the bot posts."""
from .server import FakeBotFramework

TEAMS_APP_ID = "00000000-test-app"
TEAMS_TRAINER_CHANNEL = "19:trainers@thread.tacv2"

__all__ = ["FakeBotFramework", "TEAMS_APP_ID", "TEAMS_TRAINER_CHANNEL"]
