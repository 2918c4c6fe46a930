"""The tutor's replies, typed once and rendered by each channel its own way.

Every reply has `text` (what any channel can show as it is: the terminal, a plain REST client, a notification)
and `buttons` where the learner has choices. A structured reply also has fields that rich channels render
(Slack Block Kit, Teams Adaptive Cards); over Rasa they travel as the message's `custom` payload,
`{"type": TYPE, ...fields}`, and `parse_reply` turns such a message back into the typed reply.
"""
from __future__ import annotations

from dataclasses import MISSING, dataclass, field, fields
from typing import Any, ClassVar, Dict, List, Optional, Type


@dataclass
class Button:
    """A choice the learner can click; `payload` is sent back as if typed."""

    title: str
    payload: str

    def as_dict(self) -> Dict[str, str]:
        return {"title": self.title, "payload": self.payload}


@dataclass
class Citation:
    """Where an answer or a quiz question comes from: a course and a section of it."""

    course_id: str = ""
    title: str = ""
    section: str = ""
    url: str = ""
    source: str = ""

    def label(self) -> str:
        return f"{self.title} › {self.section}" if self.section else self.title


@dataclass
class Reply:
    """A plain message. Subclasses with a TYPE carry structured fields too, and their language (`lang`, on the wire
    with them), so that a channel words its own labels around them (Sources, 👍/👎, Hint, Skip) in the language of
    the reply; a plain message is all text and needs none."""

    text: str
    buttons: List[Button] = field(default_factory=list)
    lang: str = "en"

    TYPE: ClassVar[str] = ""
    # Field name -> key on the wire, where they differ.
    WIRE_NAMES: ClassVar[Dict[str, str]] = {}
    # Fields holding Citation objects (one or a list).
    CITATION_FIELDS: ClassVar[tuple] = ()

    def payload(self) -> Optional[Dict[str, Any]]:
        """The structured form (Rasa's `custom` message), or None for plain text."""
        if not self.TYPE:
            return None
        data: Dict[str, Any] = {"type": self.TYPE}
        for f in fields(self):
            if f.name in ("text", "buttons"):
                continue
            data[self.WIRE_NAMES.get(f.name, f.name)] = _plain(getattr(self, f.name))
        return data

    def message(self) -> Dict[str, Any]:
        """The whole reply as one chat message: text, buttons and the structured payload."""
        message: Dict[str, Any] = {"text": self.text}
        if self.buttons:
            message["buttons"] = [b.as_dict() for b in self.buttons]
        payload = self.payload()
        if payload is not None:
            message["custom"] = payload
        return message

    @classmethod
    def from_payload(cls, payload: Dict[str, Any], text: str = "", buttons: Optional[List[Button]] = None) -> "Reply":
        """The reply a payload describes; missing fields take their defaults, unknown keys are ignored."""
        values: Dict[str, Any] = {"text": text, "buttons": list(buttons or [])}
        for f in fields(cls):
            if f.name in values:
                continue
            key = cls.WIRE_NAMES.get(f.name, f.name)
            if key in payload:
                value = payload[key]
                if f.name in cls.CITATION_FIELDS:
                    value = [_citation(v) for v in value] if isinstance(value, list) else (
                        _citation(value) if isinstance(value, dict) else [])
                values[f.name] = value
            elif f.default is MISSING and f.default_factory is MISSING:  # type: ignore[misc]
                values[f.name] = None
        return cls(**values)


def _citation(value: Any) -> Citation:
    if isinstance(value, Citation):
        return value
    if not isinstance(value, dict):
        return Citation()
    known = {f.name for f in fields(Citation)}
    return Citation(**{k: str(v or "") for k, v in (value or {}).items() if k in known})


def _plain(value: Any) -> Any:
    if isinstance(value, Citation):
        return {f.name: getattr(value, f.name) for f in fields(value)}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


@dataclass
class AnswerReply(Reply):
    """An answer to a course question, with its sources; or an honest "the courses don't cover that"."""

    TYPE: ClassVar[str] = "answer"
    WIRE_NAMES: ClassVar[Dict[str, str]] = {"answer": "text"}
    CITATION_FIELDS: ClassVar[tuple] = ("citations",)

    answer: str = ""
    turn_id: Optional[str] = None
    abstained: bool = False
    confidence: float = 0.0
    mode: str = ""
    notes: List[str] = field(default_factory=list)
    citations: List[Citation] = field(default_factory=list)
    suggestions: List[Dict[str, str]] = field(default_factory=list)
    lead: str = ""  # the sentence that answers; `quotes` support it, from the same section
    quotes: List[str] = field(default_factory=list)
    operation: str = ""  # "more", "simpler" or "example" on the previous answer


@dataclass
class QuizQuestion(Reply):
    """A quiz question waiting for an answer: multiple choice (`kind` "mcq", with options) or a short answer
    (`kind` "short")."""

    TYPE: ClassVar[str] = "quiz_question"

    question_id: str = ""
    kind: str = "short"
    prompt: str = ""
    options: List[str] = field(default_factory=list)
    position: int = 0
    total: int = 0
    skill: str = ""
    course_title: str = ""


@dataclass
class QuizFeedback(Reply):
    """The grade of one quiz answer, with the right answer, why, and where the course says so."""

    TYPE: ClassVar[str] = "quiz_feedback"
    CITATION_FIELDS: ClassVar[tuple] = ("citation",)

    correct: Optional[bool] = None
    skipped: bool = False
    answer: str = ""
    explanation: str = ""
    citation: Citation = field(default_factory=Citation)


@dataclass
class QuizSummary(Reply):
    """The end of a quiz: the score and the mastery it left per skill."""

    TYPE: ClassVar[str] = "quiz_summary"

    correct: int = 0
    total: int = 0
    mastery: Dict[str, float] = field(default_factory=dict)

    def payload(self) -> Optional[Dict[str, Any]]:
        return {**(super().payload() or {}), "summary": self.text}


@dataclass
class Progress(Reply):
    """Mastery per skill and how many questions are due for review."""

    TYPE: ClassVar[str] = "progress"

    mastery: Dict[str, Dict[str, Any]] = field(default_factory=dict)
    due: int = 0


@dataclass
class Recommendations(Reply):
    """Courses to take next, each with its reasons."""

    TYPE: ClassVar[str] = "recommendations"

    items: List[Dict[str, Any]] = field(default_factory=list)


@dataclass
class LearningPath(Reply):
    """The courses leading to a target, in prerequisite order; `found` is False when the target is unknown."""

    TYPE: ClassVar[str] = "path"

    found: bool = False
    target: str = ""
    steps: List[str] = field(default_factory=list)
    total_minutes: int = 0


@dataclass
class FeedbackReceived(Reply):
    """👍 / 👎 / "ask a human" on an answer, as recorded. Channels notify trainers their own way when `value` is
    "human" (the question is included for that message)."""

    TYPE: ClassVar[str] = "feedback"

    turn_id: str = ""
    value: str = ""
    stored: bool = False
    question: str = ""


REPLY_TYPES: Dict[str, Type[Reply]] = {
    cls.TYPE: cls
    for cls in (AnswerReply, QuizQuestion, QuizFeedback, QuizSummary, Progress, Recommendations, LearningPath, FeedbackReceived)
}


def parse_reply(message: Dict[str, Any]) -> Optional[Reply]:
    """The typed reply in one bot message (`text`, `buttons`, `custom`), or None when it carries nothing."""
    if not isinstance(message, dict):
        return None
    text = message.get("text") if isinstance(message.get("text"), str) else ""
    buttons = [Button(str(b.get("title", "")), str(b.get("payload", ""))) for b in message.get("buttons") or []
               if isinstance(b, dict)]
    custom = message.get("custom")
    if isinstance(custom, dict) and custom.get("type") in REPLY_TYPES:
        try:
            return REPLY_TYPES[custom["type"]].from_payload(custom, text or "", buttons)
        except (TypeError, ValueError, AttributeError):
            pass  # a payload of another version: still show its text
    if text or buttons:
        return Reply(text or "", buttons)
    return None
