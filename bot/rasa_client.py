"""A client for the Rasa server's REST channel, used by the terminal chat and the Slack and Teams apps."""
from __future__ import annotations

from typing import Any

import requests

REST_PATH = "/webhooks/rest/webhook"


class RestClient:
    """Sends one learner message to Rasa and returns the bot's messages."""

    def __init__(self, rasa_url: str, sender: str = "", timeout: float = 120.0) -> None:
        self.url = rasa_url.rstrip("/") + REST_PATH
        self.sender = sender
        self.timeout = timeout
        self._session = requests.Session()

    def send(self, text: str, sender: str | None = None, metadata: dict[str, Any] | None = None) -> list[dict]:
        body: dict[str, Any] = {"sender": sender or self.sender, "message": text}
        if metadata:
            body["metadata"] = metadata
        reply = self._session.post(self.url, json=body, timeout=self.timeout)
        reply.raise_for_status()
        return reply.json()
