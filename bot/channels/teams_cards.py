"""Adaptive Cards for Microsoft Teams from the tutor's typed replies. Standard library and the project's
`messages` only (runs in Rasa's environment). Renderers are keyed by reply type, so a new kind plugs in with one
function. The labels a card adds (Sources, 👍/👎, Ask a human, Hint, Skip, Flag question, Answer) are in the language of its reply."""
from __future__ import annotations

import json
from typing import Any, Callable, Dict, List, Optional

from messages import AnswerReply, QuizQuestion, Reply, say

CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"


def card(body: List[Dict[str, Any]], actions: Optional[List[Dict[str, Any]]] = None) -> Dict[str, Any]:
    content: Dict[str, Any] = {"type": "AdaptiveCard", "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                               "version": "1.4", "body": body}
    if actions:
        content["actions"] = actions
    return {"contentType": CARD_CONTENT_TYPE, "content": content}


def text_block(text: str, **extra: Any) -> Dict[str, Any]:
    return {"type": "TextBlock", "text": text, "wrap": True, **extra}


def submit(title: str, data: Dict[str, Any]) -> Dict[str, Any]:
    return {"type": "Action.Submit", "title": title[:80], "data": data}


def answer_card(reply: AnswerReply) -> Dict[str, Any]:
    body = [text_block(n, isSubtle=True) for n in reply.notes] + [text_block(reply.answer)]
    if reply.citations:
        links = [f"[{c.label()}]({c.url})" if c.url else c.label() for c in reply.citations]
        body.append(text_block(say("answer.sources", reply.lang) + " " + " · ".join(links), size="Small", isSubtle=True))
    actions = []
    if reply.turn_id:
        actions = [submit(say(f"feedback.{key}", reply.lang), {"feedback": value, "turn_id": reply.turn_id})
                   for key, value in (("up", "up"), ("down", "down"), ("ask_human", "human"))]
    actions += [submit(b.title, {"text": b.payload}) for b in reply.buttons]
    return card(body, actions)


def question_card(reply: QuizQuestion) -> Dict[str, Any]:
    lang = reply.lang
    head = say("quiz.question_label", lang, position=reply.position, total=reply.total)
    body = [text_block(head, weight="Bolder"), text_block(reply.prompt)]
    if reply.kind == "mcq":
        actions = [submit(option, {"text": str(i)}) for i, option in enumerate(reply.options, 1)]
    else:
        body.append({"type": "Input.Text", "id": "text", "placeholder": say("quiz.answer_placeholder", lang)})
        actions = [submit(say("quiz.button_answer", lang), {})]
    actions += [submit(say("quiz.button_hint", lang), {"text": say("say.hint", lang)}),
                submit(say("quiz.button_skip", lang), {"text": say("say.skip", lang)}),
                submit(say("quiz.button_flag", lang), {"text": say("say.flag", lang)})]
    return card(body, actions)


def buttons_card(reply: Reply) -> Dict[str, Any]:
    return card([text_block(reply.text)], [submit(b.title, {"text": b.payload}) for b in reply.buttons])


RENDERERS: Dict[type, Callable[[Any], Dict[str, Any]]] = {AnswerReply: answer_card, QuizQuestion: question_card}


def card_for(reply: Reply) -> Optional[Dict[str, Any]]:
    """The card showing this reply, or None when plain text says it all."""
    renderer = RENDERERS.get(type(reply))
    if renderer:
        return renderer(reply)
    return buttons_card(reply) if reply.buttons else None


def text_from_activity(activity: Dict[str, Any]) -> str:
    """What the learner said: typed text, or a card submit's text; feedback submits become a Rasa intent."""
    value = activity.get("value")
    if isinstance(value, dict):
        if value.get("feedback") in ("up", "down", "human") and value.get("turn_id"):
            return "/give_feedback" + json.dumps({"feedback_value": value["feedback"], "turn_id": str(value["turn_id"])})
        if isinstance(value.get("text"), str):
            return value["text"]
    text = activity.get("text")
    return text if isinstance(text, str) else ""
