"""A terminal chat through Rasa's REST channel: the same path any web or chat client takes."""
from __future__ import annotations

import getpass
import uuid
from typing import Callable

import requests

from bot.rasa_client import RestClient

__all__ = ["RestClient", "chat_loop", "default_sender", "render_reply"]


def default_sender() -> str:
    try:
        user = getpass.getuser()
    except Exception:
        user = "learner"
    return f"terminal-{user}-{uuid.uuid4().hex[:6]}"


def render_reply(message: dict) -> str:
    """A bot message as terminal text; buttons are listed unless the text already lists them."""
    text = message.get("text") or ""
    buttons = [b.get("title", "") for b in message.get("buttons") or []]
    if buttons and not all(title in text for title in buttons):
        text += "\n" + "\n".join(f"  {i}. {title}" for i, title in enumerate(buttons, 1))
    return text.strip()


def chat_loop(client: RestClient, read: Callable[[str], str], write: Callable[[str], None]) -> None:
    """Read lines until EOF or /quit; print every bot message. Network errors are reported, not fatal."""
    write("Type a question about your courses (/quit to leave).")
    while True:
        try:
            line = read("you> ")
        except (EOFError, KeyboardInterrupt):
            write("")
            return
        if line.strip() in ("/quit", "/exit"):
            return
        try:
            messages = client.send(line)
        except requests.RequestException as exc:
            write(f"(could not reach the tutor: {type(exc).__name__}; is `tutor serve` running?)")
            continue
        if not messages:
            write("tutor> (no reply)")
        for message in messages:
            shown = render_reply(message)
            if shown:  # structured-only messages (for rich channels) have no text
                write("tutor> " + shown)
