"""The one Tutor of this action-server process, and sending its replies through Rasa's dispatcher.

Nothing is loaded at import: the action server imports this package before it forks its workers, and loading
models then crashes it. The Tutor is built on the first action, from $TUTOR_CONFIG (else ./tutor.yml).
"""
from __future__ import annotations

import threading
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from tutor import Outcome, Tutor, Words

from .reading import learner_id, text_of

# The dialogue's slot holding the language of the conversation ("en", "zh"): the NLU sets it from each message
# that shows one, the actions from what the Tutor settled; Rasa's own responses choose their variation by it.
LANGUAGE_SLOT = "language"

_lock = threading.Lock()
_tutor: list[Tutor] = []


def tutor() -> Tutor:
    with _lock:
        if not _tutor:
            _tutor.append(Tutor.from_settings_file())
        return _tutor[0]


def use(instance: Tutor) -> None:
    """Serve with this Tutor instead of one built from the settings file (an embedding server's own wiring)."""
    with _lock:
        _tutor[:] = [instance]


def turn_language(tracker: Tracker) -> str:
    """The language to answer this turn in: the latest message's own, else the `language` slot, else the learner's
    remembered language. A message that shows its language is remembered for the learner (Tutor.note_language)."""
    return tutor().note_language(learner_id(tracker), text_of(tracker), known=tracker.get_slot(LANGUAGE_SLOT))


def language_slot(lang: str) -> dict[str, Any]:
    """The event that keeps the dialogue's `language` slot on the language this turn was answered in."""
    return SlotSet(LANGUAGE_SLOT, lang)


def words(tracker: Tracker, lang: str | None = None) -> Words:
    """The wording of the learner in this conversation: in `lang` (the turn's language) where given."""
    return tutor().words(learner_id(tracker), lang)


def send(dispatcher: CollectingDispatcher, outcome: Outcome) -> None:
    """Each reply as one bot message: its text, its buttons, and its structured form for rich channels."""
    for reply in outcome.replies:
        payload = reply.payload()
        kwargs = {"json_message": payload} if payload is not None else {}
        dispatcher.utter_message(text=reply.text, buttons=[b.as_dict() for b in reply.buttons], **kwargs)
