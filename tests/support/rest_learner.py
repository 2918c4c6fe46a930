"""A learner talking to the Rasa server through the REST channel (for integration tests)."""
from __future__ import annotations

import requests


class Learner:
    """One conversation through the REST channel."""

    def __init__(self, rasa_url: str, sender: str) -> None:
        self.url = f"{rasa_url}/webhooks/rest/webhook"
        self.sender = sender

    def say(self, text: str) -> list[dict]:
        reply = requests.post(self.url, json={"sender": self.sender, "message": text}, timeout=120)
        assert reply.status_code == 200, reply.text
        return reply.json()

    @staticmethod
    def answer_payload(messages: list[dict]) -> dict | None:
        return next((m["custom"] for m in messages if m.get("custom", {}).get("type") == "answer"), None)
