"""Questions that depend on the conversation, resolved before search.

The dialogue keeps what the last answer was (an `AnswerContext`: the question it answered, the section it quoted
and the sentences shown). A new message is read against it:

- "tell me more", "simpler please", "give me an example" are operations on the last answer: further, plainer or
  example sentences of the same section;
- a question that leans on the previous one ("how long does it last?", "and for contractors?", "what about the
  night shift?") is searched and read together with the previous question, preferring its section;
- anything else is a standalone question and is answered as if there were no history.

The decision is made on the message's form (operations and continuation phrases, pronouns with too few words of
its own to stand alone), never on whether history happens to help, so a standalone question is not disturbed.
"""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any

from .search import tokenize

_MORE = re.compile(
    r"\b(tell me more|more (please|details?|info|information)|go on|continue|keep going|elaborate|expand on|"
    r"anything else|what else|more on (that|this|it))\b|^more$"
)
_SIMPLER = re.compile(
    r"\b(simpler|more simply|simply|plain (english|words|language)|in other words|easier (words|way|terms)|"
    r"eli5|like i'?m five|too (long|complicated|complex|technical)|(don'?t|do not) (understand|get it)|"
    r"what does (that|this|it) mean|explain (that|this|it)( again| differently| better)?|rephrase|short version|"
    r"summari[sz]e|in short|tl;?dr)\b"
)
_EXAMPLE = re.compile(r"\b(an? example|examples|for instance|e\.g\.?|show me how|such as what|like what)\b")
_CONTINUATION = re.compile(
    r"^(and|also|plus|or|but|so|then|what about|how about|what if|same (for|with)|and (for|what about|how about|if|"
    r"in|on|with|during|after|before)|is (that|it|this) (also|the same)|does (that|this|it) (also )?apply)\b"
)
_PRONOUNS = frozenset("it its it's that this they them their those these he she him her".split())
_OPERATION_MAX_WORDS = 9
_PRONOUN_MAX_OWN_WORDS = 4


@dataclass
class AnswerContext:
    """What the last answer was, kept by the dialogue between turns (a slot) and given back with the next one."""

    question: str
    course_id: str = ""
    section: str = ""
    shown: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Any) -> "AnswerContext | None":
        """None for anything that is not a context this module wrote (a slot is client-visible data)."""
        if not isinstance(data, dict) or not isinstance(data.get("question"), str) or not data["question"].strip():
            return None
        shown = data.get("shown") if isinstance(data.get("shown"), list) else []
        return cls(data["question"][:2000], str(data.get("course_id") or "")[:500], str(data.get("section") or "")[:500],
                   [str(s)[:2000] for s in shown[:20]])


@dataclass
class Resolved:
    """How a message is to be answered.

    `kind`: "question" (search and read `query`/`question`), "more", "simpler" or "example" (operations on the
    context's section). `contextual` is True when history changed what is searched.
    """

    kind: str
    question: str
    query: str
    contextual: bool = False
    prefer: tuple[str, str] | None = None
    previous: str = ""  # the question the message leans on


def resolve(message: str, context: AnswerContext | None) -> Resolved:
    """Read `message` against the last answer (None: no conversation yet)."""
    if context is None:
        return Resolved("question", message, message)
    lowered = " ".join(message.lower().split()).strip(" ?!.")
    words = lowered.split()
    section = (context.course_id, context.section)
    if len(words) <= _OPERATION_MAX_WORDS:
        for kind, pattern in (("example", _EXAMPLE), ("simpler", _SIMPLER), ("more", _MORE)):
            if pattern.search(lowered) and _only_operation(lowered, pattern):
                return Resolved(kind, context.question, context.question, True, section, context.question)
    if depends_on_context(lowered, _has_pronoun(message)):
        previous = _first_question(context.question)
        topic = topic_phrase(previous)
        query = f"{message} {topic}".strip()
        if _CONTINUATION.search(lowered):  # "and for contractors?": the previous question, then this one
            question = f"{previous} {message}"
        else:  # "who approves it?": the pronoun stands for the previous question's topic
            question = _replace_pronoun(message, topic)
        return Resolved("question", question, query, True, section, context.question)
    return Resolved("question", message, message)


def topic_phrase(question: str) -> str:
    """The longest run of content words in a question ("subject access request" in "How long do we have to
    respond to a subject access request?"): what a pronoun in the next question most likely stands for."""
    runs: list[list[str]] = [[]]
    for word in re.findall(r"[A-Za-z0-9][\w'-]*", question):
        if tokenize(word) and word.lower() not in _GENERIC and word.lower() not in _PRONOUNS:
            runs[-1].append(word)
        elif runs[-1]:
            runs.append([])
    best = max(runs, key=len)
    return " ".join(best)


def _replace_pronoun(message: str, phrase: str) -> str:
    if not phrase:
        return message
    pattern = re.compile(r"\b(it|that|this|they|them|those|these)\b(?!')", re.IGNORECASE)
    for match in pattern.finditer(message):
        if not (match.group(0).isupper() and len(match.group(0)) > 1):
            return f"{message[:match.start()]}the {phrase}{message[match.end():]}"
    return f"{message} ({phrase})"


def _first_question(question: str) -> str:
    """A remembered question without what an earlier follow-up added to it."""
    return question.split(" (")[0]


def _has_pronoun(message: str) -> bool:
    """A pronoun as written: "it" or "It", not the acronym "IT"."""
    return any(w.lower() in _PRONOUNS and not (w.isupper() and len(w) > 1) for w in re.findall(r"[A-Za-z']+", message))


def depends_on_context(lowered: str, has_pronoun: bool | None = None) -> bool:
    """A continuation ("and for …", "what about …"), or a short message with a pronoun and few words of its own
    ("how long does it last?", "who approves that?", "can I carry it over to next year?")."""
    if _CONTINUATION.search(lowered):
        return True
    words = re.findall(r"[a-z']+", lowered)
    if not (has_pronoun if has_pronoun is not None else any(w in _PRONOUNS for w in words)):
        return False
    own = [t for t in tokenize(lowered) if t not in _PRONOUNS and t not in _GENERIC]
    return len(own) <= _PRONOUN_MAX_OWN_WORDS and len(words) <= 12


_GENERIC = frozenset("long much many often last take get need apply work happen mean much does did done "
                     "required allowed okay ok still also".split())


def _only_operation(lowered: str, pattern: re.Pattern) -> bool:
    """The operation is the message's point, not a phrase inside a new question ("give an example of a
    phishing email" names its own topic; "give me an example" does not)."""
    rest = pattern.sub(" ", lowered)
    own = [t for t in tokenize(rest) if t not in _FILLER and t not in _PRONOUNS]
    return len(own) <= 1


_FILLER = frozenset("please give tell show me us say explain put can could would you again just bit little words "
                    "term terms way answer".split())
