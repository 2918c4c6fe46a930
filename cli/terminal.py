"""A terminal chat through Rasa's REST channel: the same path any web or chat client takes. Replies are shown
as their text, with buttons listed as numbered choices unless the text lists them already. What the loop says itself
(its greeting line, "could not reach the tutor") is in the language the person writes in: the terminal's locale to
begin with, then each line they type that shows one."""
from __future__ import annotations

import getpass
import os
import uuid
from typing import Callable, Mapping, Optional

import requests

from bot.rasa_client import RestClient
from messages import LANGUAGES, detect_language, parse_reply, render_links, say

__all__ = ["RestClient", "chat_loop", "default_sender", "render_reply"]


def default_sender() -> str:
    try:
        user = getpass.getuser()
    except Exception:
        user = "learner"
    return f"terminal-{user}-{uuid.uuid4().hex[:6]}"


def locale_language(environ: Optional[Mapping[str, str]] = None) -> str:
    """The language of the terminal's locale (LC_ALL, LC_MESSAGES, LANG: "zh_CN.UTF-8" is "zh") where the tutor
    speaks it, else English."""
    environ = os.environ if environ is None else environ
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = environ.get(name, "")
        if value:
            lang = value.split("_")[0].split(".")[0].lower()
            return lang if lang in LANGUAGES else "en"
    return "en"


def render_reply(message: dict) -> str:
    """A bot message as terminal text."""
    reply = parse_reply(message)
    if reply is None:
        return ""
    text = render_links(reply.text, "plain")
    titles = [b.title for b in reply.buttons]
    if titles and not all(title in text for title in titles):
        text += "\n" + "\n".join(f"  {i}. {title}" for i, title in enumerate(titles, 1))
    return text.strip()


def chat_loop(client: RestClient, read: Callable[[str], str], write: Callable[[str], None],
              lang: Optional[str] = None) -> None:
    """Read lines until EOF or /quit; print every bot message. Network errors are reported, not fatal. `lang`: the
    language to greet in (default: the locale's)."""
    lang = lang or locale_language()
    write(say("channel.terminal_intro", lang))
    while True:
        try:
            line = read("you> ")
        except (EOFError, KeyboardInterrupt):
            write("")
            return
        if line.strip() in ("/quit", "/exit"):
            return
        lang = detect_language(line) or lang
        try:
            messages = client.send(line)
        except requests.RequestException as exc:
            write(say("channel.terminal_unreachable", lang, error=type(exc).__name__))
            continue
        if not messages:
            write("tutor> " + say("channel.no_reply", lang))
        for message in messages:
            shown = render_reply(message)
            if shown:  # structured-only messages (for rich channels) have no text
                write("tutor> " + shown)
