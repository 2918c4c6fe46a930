"""The tutor in Slack: a bolt app relaying to the Rasa server, with Block Kit rendering."""
from .app import SlackConfig, create_app
from .blocks import render
from .server import http_app, serve_http, serve_socket_mode

__all__ = ["SlackConfig", "create_app", "http_app", "render", "serve_http", "serve_socket_mode"]
