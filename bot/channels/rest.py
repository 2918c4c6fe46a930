"""Rasa's REST channel with the tutor's input handling, served at the same URL (/webhooks/rest/webhook).

Differences from Rasa's own: malformed requests get a 400 with a sentence saying what to fix (not an HTML
page or a silent empty list), bad bytes in a message are replaced instead of failing the request, a turn
that produces no reply (an action server that died, say) or fails part-way (the conversation store is down)
gets a "please try again" message instead of silence or a reply that was never stored, and each of the tutor's
replies arrives as one message (`text`, `buttons`, and `custom` with its structured form) instead of being split
at blank lines into several.
"""
from __future__ import annotations

import logging
from asyncio import CancelledError
from typing import Any, Awaitable, Callable, Dict, Optional

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from .inbound import BadRequest, RateLimiter, parse_rest_body, slow_down, sorry
from .strict_store import TrackerStoreUnavailable, refuse_fallback_store

log = logging.getLogger(__name__)

_FIELDS = ("text", "buttons", "custom", "image", "attachment")


class ReplyCollector(CollectingOutputChannel):
    """Collects each bot message whole: one reply, one message."""

    async def send_response(self, recipient_id: str, message: Dict[str, Any]) -> None:
        kept = {key: message[key] for key in _FIELDS if message.get(key)}
        if kept:
            await self._persist_message({"recipient_id": recipient_id, **kept})


def shared_counter(app: Any) -> Any:
    """The Redis client of Rasa's Redis lock store, when there is one: the rate limit then holds across all
    Rasa processes instead of per process."""
    store = getattr(getattr(getattr(app, "ctx", None), "agent", None), "lock_store", None)
    return getattr(store, "red", None)


class TutorRestInput(RestInput):
    @classmethod
    def name(cls) -> str:
        return "rest"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[str, Any]]) -> "TutorRestInput":
        return cls(int((credentials or {}).get("rate_limit_per_minute", 30)))

    def __init__(self, rate_limit_per_minute: int = 30) -> None:
        self.limiter = RateLimiter(rate_limit_per_minute)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint("tutor_rest_webhook", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            try:
                sender, text, metadata = parse_rest_body(request.body or b"")
            except BadRequest as exc:
                return response.json({"error": str(exc)}, status=400)
            if not self.limiter.allow(sender, shared=shared_counter(request.app)):
                return response.json([{"recipient_id": sender, "text": slow_down(text)}], status=429)
            refuse_fallback_store(request.app)
            collector = ReplyCollector()
            failed = False
            try:
                await on_new_message(UserMessage(text, collector, sender, input_channel=self.name(), metadata=metadata))
            except CancelledError:
                log.error("turn timed out")
                failed = True
            except Exception as exc:
                log.error("turn failed: %s", exc.__class__.__name__, exc_info=not isinstance(exc, TrackerStoreUnavailable))
                failed = True
            if failed or not collector.messages:
                return response.json([{"recipient_id": sender, "text": sorry(text)}])
            return response.json(collector.messages)

        return webhook
