"""Adaptive Cards for Microsoft Teams from the tutor's messages. Standard library only (runs in Rasa's
environment). Renderers are keyed by the `custom.type` the action server sends, so new kinds plug in."""
from __future__ import annotations

from typing import Any, Callable, Dict, List, Optional

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


def answer_card(custom: Dict[str, Any]) -> Dict[str, Any]:
    body = [text_block(n, isSubtle=True) for n in custom.get("notes", [])] + [text_block(custom["text"])]
    citations = custom.get("citations") or []
    if citations:
        links = [f"[{c['title']} › {c['section']}]({c['url']})" if c.get("url") else f"{c['title']} › {c['section']}" for c in citations]
        body.append(text_block("Sources: " + " · ".join(links), size="Small", isSubtle=True))
    actions = []
    if custom.get("turn_id"):
        actions = [submit("👍", {"feedback": "up", "turn_id": custom["turn_id"]}),
                   submit("👎", {"feedback": "down", "turn_id": custom["turn_id"]}),
                   submit("Ask a human", {"feedback": "human", "turn_id": custom["turn_id"]})]
    return card(body, actions)


def question_card(custom: Dict[str, Any]) -> Dict[str, Any]:
    head = f"Question {custom.get('position')} of {custom.get('total')}"
    body = [text_block(head, weight="Bolder"), text_block(custom["prompt"])]
    if custom.get("kind") == "mcq":
        actions = [submit(option, {"text": str(i)}) for i, option in enumerate(custom.get("options") or [], 1)]
    else:
        body.append({"type": "Input.Text", "id": "text", "placeholder": "Your answer"})
        actions = [submit("Answer", {})]
    actions += [submit("Hint", {"text": "hint"}), submit("Skip", {"text": "skip"})]
    return card(body, actions)


def buttons_card(text: str, buttons: List[Dict[str, Any]]) -> Dict[str, Any]:
    return card([text_block(text)], [submit(b["title"], {"text": b["payload"]}) for b in buttons])


RENDERERS: Dict[str, Callable[[Dict[str, Any]], Dict[str, Any]]] = {"answer": answer_card, "quiz_question": question_card}


def text_from_activity(activity: Dict[str, Any]) -> str:
    """What the learner said: typed text, or a card submit's text; feedback submits become a Rasa intent."""
    value = activity.get("value")
    if isinstance(value, dict):
        if value.get("feedback") in ("up", "down", "human") and value.get("turn_id"):
            import json

            return "/give_feedback" + json.dumps({"feedback_value": value["feedback"], "turn_id": str(value["turn_id"])})
        if isinstance(value.get("text"), str):
            return value["text"]
    text = activity.get("text")
    return text if isinstance(text, str) else ""
