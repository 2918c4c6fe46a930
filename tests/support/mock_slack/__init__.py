"""A local HTTP mock of the Slack Web API that records every call (like slack-bolt's own test server)."""
from .server import MockSlackServer

__all__ = ["MockSlackServer"]
