"""Links in reply text, rendered for each channel.

Course text reaches replies with its links in one neutral form, Markdown's `[text](absolute-url)` (ingest writes
them so, see retrieval/markup.py). Each channel shows them its own way: Slack mrkdwn `<url|text>`, Markdown for
Teams and Markdown clients, `text (address)` for the terminal. A `[text](url)` whose URL is not absolute keeps
only its text. Standard library only: the Rasa channels run on another Python.
"""
from __future__ import annotations

import re

LINK_STYLES = ("slack", "markdown", "plain")

_ABSOLUTE = re.compile(r"^(?:https?|ftp)://\S+$|^(?:mailto|tel):\S+$", re.I)
_LINK = re.compile(r"\[([^\[\]\n]*)\]\(([^()\s]*(?:\([^\s()]*\)[^\s()]*)*)\)")
_STRONG = re.compile(r"\*\*")  # bold markers left around a link or a phrase


def render_links(text: str, style: str) -> str:
    """`text` with its neutral links in the channel's form.

    - "slack": mrkdwn `<url|text>`; the rest of the text has `&`, `<` and `>` escaped as Slack requires, so the
      result is ready to send as mrkdwn (do not escape it again).
    - "markdown": `[text](url)` (Teams, Markdown clients).
    - "plain": `text (address)` (terminal); a link whose text is its address shows the address once.
    """
    if style not in LINK_STYLES:
        raise ValueError(f"unknown link style {style!r} ({', '.join(LINK_STYLES)})")
    text = _STRONG.sub("", text)
    parts: list[str] = []
    last = 0
    for match in _LINK.finditer(text):
        parts.append(_text(text[last:match.start()], style))
        parts.append(_link(match.group(1), match.group(2), style))
        last = match.end()
    parts.append(_text(text[last:], style))
    return "".join(parts)


def _text(text: str, style: str) -> str:
    if style == "slack":
        text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text


def _link(label: str, url: str, style: str) -> str:
    label = " ".join(label.split())
    if not _ABSOLUTE.match(url):
        return _text(label, style)
    address = url.split(":", 1)[1] if url.lower().startswith(("mailto:", "tel:")) else url
    label = label or address
    if style == "markdown":
        return f"[{label}]({url})"
    if style == "plain":
        return label if label == address else f"{label} ({address})"
    if label == url:
        return f"<{url}>"
    escaped = label.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("|", "/")
    return f"<{url}|{escaped}>"
