"""Run the Slack app: HTTP mode (Starlette + uvicorn, events at /slack/events) or Socket Mode."""
from __future__ import annotations

import logging

from slack_bolt import App

log = logging.getLogger(__name__)


def http_app(app: App):
    """An ASGI app serving Slack's requests at /slack/events and a health check at /health."""
    from slack_bolt.adapter.starlette import SlackRequestHandler
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    handler = SlackRequestHandler(app)

    async def events(request: Request):
        return await handler.handle(request)

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
