"""Every turn of a conversation for trainers: the tutor's recorded turns (answers, with sources and feedback)
merged with what Rasa's tracker store holds of every user message (store.TrackerEvents), so turns the dialogue
engine answered by itself — greetings, help, refusals, fallbacks, quiz answers — are seen too, each with the
intent and confidence the NLU gave it; and the questions among them that were never answered, for the content
gaps."""
from __future__ import annotations

from typing import Any, Iterable

from messages.questions import looks_like_question

# What the learner got when the dialogue engine did not send the message to the tutor: its own responses, the
# help or greeting, the fallback's guidance, a yes/no or profile reply. A question that got one of these went
# unanswered.
UNANSWERED_BY = frozenset({
    "utter_out_of_scope", "utter_iamabot", "utter_youre_welcome", "utter_goodbye", "utter_help", "action_help",
    "action_greet", "action_handle_fallback", "action_respond_yes_no", "action_update_profile",
})
ENGINE_MODE = "dialogue"


def merge_turns(recorded: list[dict[str, Any]], user_turns: Iterable) -> list[dict[str, Any]]:
    """The tutor's `recorded` turns (store.Transcripts) with the intent and confidence of the message each
    answered, plus a turn for every message the tutor did not record (mode "dialogue", `handled_by` the actions
    that answered it), in time order."""
    by_id = {t["turn_id"]: t for t in recorded}
    merged = list(recorded)
    for turn in recorded:
        turn.setdefault("intent", None)
        turn.setdefault("intent_confidence", None)
        turn.setdefault("routed_from", "")
        turn.setdefault("handled_by", [])
    for user in user_turns:
        answered = [by_id[i] for i in user.turn_ids if i in by_id]
        for turn in answered:
            turn.update(intent=user.intent, intent_confidence=user.confidence, routed_from=user.routed_from,
                        handled_by=list(user.actions))
        if answered:
            continue
        merged.append({
            "turn_id": None, "channel": user.channel, "created": user.created, "question": user.text,
            "answer": "\n".join(user.replies), "mode": ENGINE_MODE, "abstained": 0, "confidence": None, "sources": [],
            "notes": "[]", "latency_ms": None, "feedback": "", "annotations": [], "intent": user.intent,
            "intent_confidence": user.confidence, "routed_from": user.routed_from, "handled_by": list(user.actions),
        })
    return sorted(merged, key=lambda t: t["created"] or 0.0)


def unanswered(user) -> bool:
    """A message the dialogue engine answered without the tutor (no answer among its replies) although it reads
    as a question: a content gap, or a question the NLU sent the wrong way."""
    return (not user.turn_ids and bool(user.actions) and user.actions[0] in UNANSWERED_BY
            and looks_like_question(user.text))


def gap_rows(user_turns: Iterable) -> list[dict[str, Any]]:
    """Unanswered questions from Rasa's events, shaped like store.Transcripts.gap_questions rows."""
    return [{"turn_id": None, "question": u.text, "abstained": 0, "feedback": "", "created": u.created,
             "intent": u.intent, "handled_by": u.actions[0]} for u in user_turns if unanswered(u)]
