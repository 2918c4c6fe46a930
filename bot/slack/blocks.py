"""The tutor's replies as Slack Block Kit: answers as sections with their citations in a context block and
👍 / 👎 / "Ask a human" buttons, quiz questions with their options as buttons (and Hint, Skip, Flag question), other
replies as sections with their buttons. Button clicks go back to Rasa as what the learner would have typed. The
labels added here (Sources, 👍/👎, Ask a human, Hint, Skip, Flag question) are in the language of the reply they sit
on. Kept within Slack's limits: 3,000 characters a section, 50 blocks a message.

Renderers are keyed by reply type, so a new kind of reply plugs in with one function. Each reply's first block
carries a `block_id` naming its type ("answer.0", "quiz_question.mcq.1"), so tools reading a message (the load
test) can tell replies apart without reading the text.
"""
from __future__ import annotations

from typing import Any, Callable

from messages import AnswerReply, Button, QuizQuestion, Reply, parse_reply, render_links, say

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


def section(text: str, block_id: str | None = None) -> list[dict[str, Any]]:
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": piece}} for piece in split_text(text)]
    if blocks and block_id:
        blocks[0]["block_id"] = block_id
    return blocks


def reply_buttons(buttons: list[Button]) -> dict[str, Any]:
    return {
        "type": "actions",
        "elements": [
            {"type": "button", "action_id": f"rasa_button_{i}", "text": {"type": "plain_text", "text": b.title[:MAX_BUTTON_TEXT]},
             "value": b.payload[:2000]}
            for i, b in enumerate(buttons[:25])
        ],
    }


def render_answer(reply: AnswerReply, index: int) -> list[dict[str, Any]]:
    blocks = section(render_links("\n".join([*reply.notes, reply.answer]), "slack"), f"{reply.TYPE}.{index}")
    if reply.citations:
        links = [f"<{c.url}|{c.label()}>" if c.url else c.label() for c in reply.citations]
        sources = say("answer.sources", reply.lang)
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": sources + " " + " · ".join(links)}]})
    if reply.turn_id:
        blocks.append({"type": "actions", "elements": [
            {"type": "button", "action_id": action, "text": {"type": "plain_text", "text": say(key, reply.lang)}, "value": reply.turn_id}
            for action, key in (("feedback_up", "feedback.up"), ("feedback_down", "feedback.down"), ("ask_human", "feedback.ask_human"))
        ]})
    if reply.buttons:
        blocks.append(reply_buttons(reply.buttons))
    return blocks


def render_question(reply: QuizQuestion, index: int) -> list[dict[str, Any]]:
    blocks = section(reply.text, f"{reply.TYPE}.{reply.kind}.{index}")
    lang = reply.lang
    choices = list(reply.buttons) + [Button(say("quiz.button_hint", lang), say("say.hint", lang)),
                                     Button(say("quiz.button_skip", lang), say("say.skip", lang)),
                                     Button(say("quiz.button_flag", lang), say("say.flag", lang))]
    blocks.append(reply_buttons(choices))
    return blocks


def render_plain(reply: Reply, index: int) -> list[dict[str, Any]]:
    blocks = section(reply.text, f"{reply.TYPE}.{index}" if reply.TYPE else None) if reply.text else []
    if reply.buttons:
        blocks.append(reply_buttons(reply.buttons))
    return blocks


RENDERERS: dict[type, Callable[[Any, int], list[dict[str, Any]]]] = {AnswerReply: render_answer, QuizQuestion: render_question}


def render(messages: list[dict[str, Any]]) -> tuple[str, list[dict[str, Any]]]:
    """(fallback text, blocks) for one Rasa turn."""
    blocks: list[dict[str, Any]] = []
    texts: list[str] = []
    replies = [r for r in map(parse_reply, messages) if r is not None]
    for i, reply in enumerate(replies):
        renderer = RENDERERS.get(type(reply), render_plain)
        blocks.extend(renderer(reply, i))
        texts.append(render_links(reply.answer, "plain") if isinstance(reply, AnswerReply) else reply.text)
    if len(blocks) > MAX_BLOCKS:
        # Plain replies travel without their language; a typed one in the turn says which it was.
        lang = next((r.lang for r in replies if r.TYPE), "en")
        shortened = {"type": "context", "elements": [{"type": "mrkdwn", "text": say("channel.shortened", lang)}]}
        blocks = blocks[: MAX_BLOCKS - 1] + [shortened]
    fallback = "\n".join(t for t in texts if t)[:MAX_SECTION_CHARS] or "…"
    return fallback, blocks
