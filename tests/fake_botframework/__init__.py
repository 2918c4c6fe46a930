"""A fake Bot Framework on loopback: OpenID metadata and signing keys, the token service, and a connector
that records the activities the bot posts."""
from .server import FakeBotFramework

__all__ = ["FakeBotFramework"]
