"""Reading the learner's words where the NLU gives an intent but not its details: the topic of a quiz, a quiz
command, a role and goal, the target of a path, the course named in "I finished …". English phrasings."""
from __future__ import annotations

import re

from messages.questions import looks_like_question as reads_as_question
from messages.questions import signals

_QUIZ_PREFIX = re.compile(
    r"^\s*(please\s+)?((can|could|would|will)\s+you\s+|i\s*(want|would\s+like|'d\s+like)\s+(you\s+)?(to\s+)?|let'?s\s+|"
    r"(give|send)\s+me\s+)?(do\s+|take\s+|have\s+)?(a\s+(quick\s+|short\s+)?)?"
    r"(quiz|test|check|examine|assess)(zes)?\s*(me|my knowledge|my understanding)?\s*(again\s*)?(on|about|in|for|with|of)?\s*",
    re.IGNORECASE)
_GENERIC_TOPIC = re.compile(r"^(a (quick )?(quiz|test)|quiz|test|me|something|anything|this|that|it)?[\s.!?]*$", re.IGNORECASE)
COMMANDS = {
    "hint": {"hint", "a hint", "hint please", "give me a hint", "clue", "help me", "i need a hint"},
    "skip": {"skip", "skip it", "skip this", "skip this one", "next", "pass", "next question", "i don't know", "dont know", "no idea"},
    "stop": {"stop", "stop quiz", "stop the quiz", "pause", "pause quiz", "quit", "quit quiz", "end quiz", "exit", "enough", "stop for now", "later"},
}
COMMAND_INTENTS = {"quiz_hint": "hint", "quiz_skip": "skip", "quiz_stop": "stop"}
_OPTION_ONLY = re.compile(r"\s*\(?[1-8a-hA-H]\)?\.?\s*")

_ROLE = re.compile(r"\b(?:i'?m|i am|i work as|my role is|working as)\s+(?:an?\s+|the\s+)?(?!in\b|on\b|part\b|at\b)(?P<role>[a-z][a-z /&-]{2,40}?)"
                   r"(?=\s+(?:aiming|who|and|looking|trying|wanting|hoping|with|in|at|on)\b|[,.!]|$)", re.IGNORECASE)
_GOAL = re.compile(r"\b(?:aiming (?:for|to)|want to (?:become|be|learn|get)|wanting to (?:become|be)|hoping to (?:become|be)|"
                   r"trying to (?:become|be)|my goal is(?: to)?|goal:|to become)\s+(?:an?\s+|the\s+)?(?P<goal>[^.,!?]{2,80})", re.IGNORECASE)
_GROUP = re.compile(r"\b(?:in|on|part of) the (?P<group>[a-z][a-z &-]{2,30}?) (?:team|group|department)\b", re.IGNORECASE)
_PATH_PATTERNS = [
    re.compile(r"\b(?:path|route|roadmap|way)\s+(?:to|for|towards?|into)\s+(?P<t>.+)$", re.IGNORECASE),
    re.compile(r"\bplan\s+(?:for\s+|to\s+)?(?:me\s+)?(?P<t>.+)$", re.IGNORECASE),
    re.compile(r"\b(?:become|get to|reach|work towards?|learn|take)\s+(?P<t>.+)$", re.IGNORECASE),
]
_TRAILING = re.compile(r"\s*(?:[—–:;,-]|\bwhere\b|\bhow\b|\bwhat\b).*$", re.IGNORECASE)
ENROL = re.compile(r"\b(?:enrol|enroll|sign|register|add)\s+(?:me\s+)?(?:up\s+)?(?:in|for|on|to)?\s*(?:the\s+)?(?P<course>[^.!?]+?)(?:\s+course)?[.!?]*$", re.IGNORECASE)
COMPLETED = re.compile(r"\b(?:finished|completed|done with|passed|took)\s+(?:the\s+)?(?P<course>[^.!?]+?)(?:\s+course)?[.!?]*$", re.IGNORECASE)


MAX_REPLY_WORDS = 5


def looks_like_question(text: str) -> bool:
    """Whether a message the NLU could not place reads as a question (messages.questions: question marks, also
    full-width, interrogative openings, CJK question particles, length) and should go to the tutor."""
    return reads_as_question(text)


def is_short_reply(text: str) -> bool:
    """A reply to a yes/no offer ("no thanks", "sure, why not", "don't"), not a question that happens to contain
    "no" or "don't" ("don't we get paid for overtime?"): at most five words, and not asking in four or more."""
    found = signals(text)
    if found.words > MAX_REPLY_WORDS:
        return False
    asks = found.question_mark or found.interrogative_start or found.interrogative_clause
    return not (asks and found.words >= 4)


def quiz_topic(text: str) -> str:
    """'quiz me on SQL joins' -> 'SQL joins'; 'test me' -> ''."""
    topic = _QUIZ_PREFIX.sub("", text or "").strip(" ?.!")
    return "" if _GENERIC_TOPIC.match(topic) else topic


def quiz_command(text: str, intent: str, confidence: float) -> str | None:
    """hint / skip / stop, by exact phrase or by a confident intent on a short message."""
    said = (text or "").strip().lower().strip(" .!?")
    for command, phrases in COMMANDS.items():
        if said in phrases:
            return command
    command = COMMAND_INTENTS.get(intent)
    if command and confidence >= 0.8 and len(said.split()) <= 6:
        return command
    return None


def is_option_only(text: str) -> bool:
    """'2', 'b)', '(c).': a multiple-choice pick, never a question."""
    return bool(_OPTION_ONLY.fullmatch(text or ""))


def parse_profile(text: str) -> dict[str, str]:
    """role, goals and group_name found in 'I'm a data analyst aiming for team lead, in the finance team'."""
    found = {}
    for key, pattern in (("role", _ROLE), ("goals", _GOAL), ("group_name", _GROUP)):
        match = pattern.search(text or "")
        if match:
            found[key] = match.group(match.lastgroup).strip()
    return found


def path_target(text: str) -> str:
    """'plan my path to Advanced SQL' -> 'Advanced SQL'; 'I want to become a data analyst — where do I start?'
    -> 'data analyst'."""
    for pattern in _PATH_PATTERNS:
        match = pattern.search(text or "")
        if match:
            target = _TRAILING.sub("", match.group("t"))
            return re.sub(r"^(?:an?|the|my)\s+", "", target.strip(" ?.!"), flags=re.IGNORECASE)
    return (text or "").strip(" ?.!")


def course_named(text: str, pattern: re.Pattern) -> str:
    """The course in 'I finished X' (COMPLETED) or 'enrol me in X' (ENROL); the whole text when neither fits."""
    match = pattern.search(text or "")
    return match.group("course") if match else text
