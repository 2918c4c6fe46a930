"""Run the Slack app: HTTP mode (Starlette + uvicorn, events at /slack/events) or Socket Mode."""
from __future__ import annotations

import json
import logging
from urllib.parse import parse_qs

from slack_bolt import App

log = logging.getLogger(__name__)


def malformed(raw: bytes, content_type: str) -> str | None:
    """Why a request body is not something Slack sends, or None. Bolt itself fails with a 500 (or an exception)
    on bodies that are not JSON objects and on event callbacks without an event; those get a 400 here."""
    try:
        text = raw.decode("utf-8")
        if "application/x-www-form-urlencoded" in content_type:
            form = parse_qs(text)
            if "payload" not in form:
                return None  # slash commands and other plain forms
            text = form["payload"][0]
        elif "json" not in content_type:
            return None
        body = json.loads(text)
    except (UnicodeDecodeError, ValueError):
        return "the body is not valid UTF-8 JSON"
    if not isinstance(body, dict):
        return "the body must be a JSON object"
    if body.get("type") == "event_callback":
        event = body.get("event")
        if not isinstance(event, dict):
            return "an event callback needs an `event` object"
        needed = _EVENT_FIELDS.get(event.get("type"), ())
        if not all(isinstance(event.get(name), str) for name in needed):
            return f"a {event.get('type')} event needs the text fields {', '.join(needed)}"
    return None


# Fields the tutor's event listeners read, per event type (Slack always sends them).
_EVENT_FIELDS = {"message": ("channel", "ts"), "app_mention": ("channel", "ts"), "app_home_opened": ("user",)}


def http_app(app: App):
    """An ASGI app serving Slack's requests at /slack/events and a health check at /health."""
    from slack_bolt.adapter.starlette import SlackRequestHandler
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    handler = SlackRequestHandler(app)

    async def events(request: Request):
        problem = malformed(await request.body(), request.headers.get("content-type", ""))
        if problem:
            log.warning("refused a malformed Slack request: %s", problem)
            return JSONResponse({"error": problem}, status_code=400)
        try:
            return await handler.handle(request)
        except Exception:  # bolt fails on some odd shapes (a boolean channel, say) before any listener runs
            log.exception("could not read a Slack request")
            return JSONResponse({"error": "the request could not be read as a Slack payload"}, status_code=400)

    async def health(request: Request):
        return JSONResponse({"status": "ok"})

    return Starlette(routes=[Route("/slack/events", events, methods=["POST"]), Route("/health", health)])


def serve_http(app: App, host: str, port: int) -> None:
    import uvicorn

    uvicorn.run(http_app(app), host=host, port=port, log_level="warning")


def serve_socket_mode(app: App, app_token: str) -> None:
    """Socket Mode: no public URL needed; Slack connects out over a websocket with the app-level token."""
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    SocketModeHandler(app, app_token).start()
