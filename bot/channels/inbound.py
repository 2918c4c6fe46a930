"""Validation of what arrives from a chat client, shared by every channel. Standard library and the project's
`messages` only: this runs inside the Rasa server's own environment.

The error texts here are for the developers of clients (HTTP 400 bodies); what learners read comes from
messages/."""
from __future__ import annotations

import json
import logging
from typing import Any, Dict, Optional, Tuple

from messages import clean_message, language_of, say

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 1_000_000
MAX_SENDER_CHARS = 200

USAGE = 'Send JSON like {"sender": "your-id", "message": "your question"}.'
# In the default language; `sorry(text)` and `slow_down(text)` answer in the language of the learner's message.
SORRY = say("channel.sorry")
SLOW_DOWN = say("channel.slow_down")


def sorry(text: str = "") -> str:
    """"Something went wrong, try again", in the language `text` is written in (English when it shows none): the
    channel says it without the dialogue, which would know the learner's language."""
    return say("channel.sorry", language_of(text))


def slow_down(text: str = "") -> str:
    """"Please wait a few seconds", in the language `text` is written in."""
    return say("channel.slow_down", language_of(text))


class BadRequest(ValueError):
    """The request cannot be turned into a learner message; the text says what to fix."""


def parse_rest_body(body: bytes) -> Tuple[str, str, Optional[Dict[str, Any]]]:
    """(sender, message, metadata) from a REST request body, or BadRequest with a clear reason.

    Invalid UTF-8 inside an otherwise well-formed body is replaced rather than refused, so a learner's
    message is never lost over one bad byte.
    """
    if len(body) > MAX_BODY_BYTES:
        raise BadRequest(f"The request is {len(body):,} bytes; the limit is {MAX_BODY_BYTES:,}.")
    if not body.strip():
        raise BadRequest("The request body is empty. " + USAGE)
    try:
        payload = json.loads(body.decode("utf-8", errors="replace"))
    except ValueError:
        raise BadRequest("The request body is not valid JSON. " + USAGE) from None
    if not isinstance(payload, dict):
        raise BadRequest("The request body must be a JSON object. " + USAGE)
    sender = payload.get("sender")
    if not isinstance(sender, str) or not sender.strip():
        raise BadRequest('"sender" is required and must be a non-empty string. ' + USAGE)
    message = payload.get("message", "")
    if message is None:
        message = ""
    if not isinstance(message, str):
        raise BadRequest('"message" must be a string. ' + USAGE)
    metadata = payload.get("metadata")
    if metadata is not None and not isinstance(metadata, dict):
        raise BadRequest('"metadata" must be a JSON object when given.')
    return clean_message(sender.strip(), MAX_SENDER_CHARS), clean_message(message), metadata


class RateLimiter:
    """At most `per_minute` messages per sender in any 60 seconds (sliding window)."""

    def __init__(self, per_minute: int) -> None:
        from collections import deque

        self.per_minute = per_minute
        self._seen: Dict[str, "deque[float]"] = {}
        self._deque = deque

    def allow(self, sender: str, now: Optional[float] = None, shared: Any = None) -> bool:
        """`shared`: a Redis client (Rasa's Redis lock store has one) to count across all server processes."""
        import time

        if self.per_minute <= 0:
            return True
        if shared is not None:
            try:
                return self._allow_shared(sender, shared, time.time())
            except Exception as exc:  # the counter is a courtesy: never refuse a turn because it is unreachable
                log.warning("shared rate limit unavailable (%s); counting in this process", exc.__class__.__name__)
        now = time.monotonic() if now is None else now
        window = self._seen.setdefault(sender, self._deque())
        while window and now - window[0] >= 60:
            window.popleft()
        if len(window) >= self.per_minute:
            return False
        window.append(now)
        if len(self._seen) > 50_000:  # forget idle senders
            for key in [k for k, v in self._seen.items() if not v or now - v[-1] >= 60]:
                del self._seen[key]
        return True

    def _allow_shared(self, sender: str, redis: Any, now: float) -> bool:
        """A fixed one-minute window per sender in Redis, so several processes enforce one limit."""
        import hashlib

        key = f"tutor:rate:{hashlib.sha256(sender.encode('utf-8', 'replace')).hexdigest()[:24]}:{int(now // 60)}"
        pipe = redis.pipeline()
        pipe.incr(key)
        pipe.expire(key, 120)
        count = pipe.execute()[0]
        return int(count) <= self.per_minute
