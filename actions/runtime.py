"""The one Tutor of this action-server process, and sending its replies through Rasa's dispatcher.

Nothing is loaded at import: the action server imports this package before it forks its workers, and loading
models then crashes it. The Tutor is built on the first action, from $TUTOR_CONFIG (else ./tutor.yml).
"""
from __future__ import annotations

import threading

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from tutor import Outcome, Tutor, Words

from .reading import learner_id

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


def words(tracker: Tracker) -> Words:
    """The wording of the learner in this conversation."""
    return tutor().words(learner_id(tracker))


def send(dispatcher: CollectingDispatcher, outcome: Outcome) -> None:
    """Each reply as one bot message: its text, its buttons, and its structured form for rich channels."""
    for reply in outcome.replies:
        payload = reply.payload()
        kwargs = {"json_message": payload} if payload is not None else {}
        dispatcher.utter_message(text=reply.text, buttons=[b.as_dict() for b in reply.buttons], **kwargs)
