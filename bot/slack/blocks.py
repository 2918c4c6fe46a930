"""Rasa's replies as Slack Block Kit: answers as sections with their citations in a context block, Rasa
buttons (quiz options, suggestions) as buttons whose clicks go back to Rasa, and feedback / ask-a-human
buttons under every answer. Kept within Slack's limits: 3,000 characters a section, 50 blocks a message.

Renderers are looked up by the `custom.type` the action server sends, so a new kind of message plugs in by
adding one function to RENDERERS.
"""
from __future__ import annotations

from typing import Any, Callable

MAX_SECTION_CHARS = 3000
MAX_BLOCKS = 50
MAX_BUTTON_TEXT = 75


def split_text(text: str, limit: int = MAX_SECTION_CHARS) -> list[str]:
    """Split at paragraph, line or word boundaries so no piece exceeds `limit`."""
    pieces: list[str] = []
    rest = text.strip()
    while len(rest) > limit:
        cut = max(rest.rfind("\n\n", 0, limit), rest.rfind("\n", 0, limit), rest.rfind(" ", 0, limit))
        cut = cut if cut > limit // 2 else limit
        pieces.append(rest[:cut].strip())
        rest = rest[cut:].strip()
    if rest:
        pieces.append(rest)
    return pieces


def section(text: str) -> list[dict[str, Any]]:
    return [{"type": "section", "text": {"type": "mrkdwn", "text": piece}} for piece in split_text(text)]


def rasa_buttons(buttons: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "type": "actions",
        "elements": [
            {"type": "button", "action_id": f"rasa_button_{i}", "text": {"type": "plain_text", "text": b["title"][:MAX_BUTTON_TEXT]},
             "value": str(b["payload"])[:2000]}
            for i, b in enumerate(buttons[:25])
        ],
    }


def render_answer(custom: dict[str, Any]) -> list[dict[str, Any]]:
    blocks = section("\n".join([*custom.get("notes", []), custom["text"]]))
    citations = custom.get("citations") or []
    if citations:
        links = [f"<{c['url']}|{c['title']} › {c['section']}>" if c.get("url") else f"{c['title']} › {c['section']}" for c in citations]
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": "Sources: " + " · ".join(links)}]})
    turn = custom.get("turn_id")
    if turn:
        blocks.append({"type": "actions", "elements": [
            {"type": "button", "action_id": "feedback_up", "text": {"type": "plain_text", "text": "👍"}, "value": turn},
            {"type": "button", "action_id": "feedback_down", "text": {"type": "plain_text", "text": "👎"}, "value": turn},
            {"type": "button", "action_id": "ask_human", "text": {"type": "plain_text", "text": "Ask a human"}, "value": turn},
        ]})
    return blocks


RENDERERS: dict[str, Callable[[dict[str, Any]], list[dict[str, Any]]]] = {"answer": render_answer}


def _renderer_for(message: dict[str, Any] | None):
    return RENDERERS.get(((message or {}).get("custom") or {}).get("type", ""))


def render(messages: list[dict[str, Any]]) -> tuple[str, list[dict[str, Any]]]:
    """(fallback text, blocks) for one Rasa turn."""
    blocks: list[dict[str, Any]] = []
    texts: list[str] = []
    for i, message in enumerate(messages):
        renderer = _renderer_for(message)
        if renderer:
            blocks.extend(renderer(message["custom"]))
            texts.append(message["custom"].get("text", ""))
            continue
        following = messages[i + 1] if i + 1 < len(messages) else None
        if message.get("text") and not (_renderer_for(following) and not message.get("buttons")):
            # (A plain text immediately followed by its structured form is shown once, structured.)
            blocks.extend(section(message["text"]))
            texts.append(message["text"])
        if message.get("buttons"):
            blocks.append(rasa_buttons(message["buttons"]))
    if len(blocks) > MAX_BLOCKS:
        blocks = blocks[: MAX_BLOCKS - 1] + [{"type": "context", "elements": [{"type": "mrkdwn", "text": "(Reply shortened to fit Slack.)"}]}]
    fallback = "\n".join(t for t in texts if t)[:MAX_SECTION_CHARS] or "…"
    return fallback, blocks
