"""Questions that depend on the conversation, resolved before search.

The dialogue keeps what the last answer was (an `AnswerContext`: the question it answered, the section it quoted
and the sentences shown). A new message is read against it:

- "tell me more", "simpler please", "give me an example" are operations on the last answer: further, plainer or
  example sentences of the same section;
- a question that leans on the previous one is rewritten to stand alone, preferring the previous section: a
  pronoun takes the previous question's topic ("how long does it last?"); "what about X" / "and for X" puts X in
  place of the part of the previous question it stands beside ("How much annual leave do I earn?" + "and sick
  leave?" -> "How much sick leave do I earn?"), and a condition ("what if I'm a term employee?") is added to it.
  What the last answer showed is not shown again as the answer to a different thing;
- anything else is a standalone question and is answered as if there were no history.

The decision is made on the message's form (operations and continuation phrases, pronouns with too few words of
its own to stand alone), never on whether history happens to help, so a standalone question is not disturbed.
"""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any, Callable, Sequence

from .search import tokenize

# How near a phrase is to each of several others in meaning (cosines): which part of the previous question a
# follow-up's new thing stands beside.
Closest = Callable[[str, Sequence[str]], Sequence[float]]

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
    stay: bool = True  # whether the previous section leads when it answers (not when a new thing is asked about)
    thing: str = ""  # the new thing asked about in place of part of the previous question ("sick leave")
    condition: str = ""  # the message, when it adds a condition to the previous question ("what if I'm a term employee?")


def resolve(message: str, context: AnswerContext | None, closest: Closest | None = None) -> Resolved:
    """Read `message` against the last answer (None: no conversation yet). `closest` picks the phrase of the
    previous question that a "what about X" stands beside (by meaning); without it, the previous question's topic."""
    if context is None:
        return Resolved("question", message, message)
    lowered = " ".join(message.lower().split()).strip(" ?!.")
    words = lowered.split()
    section = (context.course_id, context.section)
    if len(words) <= _OPERATION_MAX_WORDS:
        for kind, pattern in (("example", _EXAMPLE), ("simpler", _SIMPLER), ("more", _MORE)):
            if pattern.search(lowered) and _only_operation(lowered, pattern):
                return Resolved(kind, context.question, context.question, True, section, context.question)
    if depends_on_context(lowered, has_pronoun(message)):
        return lean_on(message, context, closest)
    return Resolved("question", message, message)


def lean_on(message: str, context: AnswerContext, closest: Closest | None = None) -> Resolved:
    """`message` rewritten as a question of its own with the previous one's help (see the module's docstring)."""
    previous = _first_question(context.question)
    section = (context.course_id, context.section)
    lowered = " ".join(message.lower().split()).strip(" ?!.")
    if _CONTINUATION.search(lowered):
        question, query = continued(message, previous, closest)
        # A new thing in place of part of the previous question ("and sick leave?") may be in another section; a
        # condition added to it ("what if I'm a term employee?") is asked of the same one.
        condition = bool(_CONDITION.search(_LEAD.sub("", message.strip())))
        new_thing = question == query and not condition
        return Resolved("question", question, query, True, section, context.question, stay=not new_thing,
                        thing=thing_of(message) if new_thing else "", condition=message.strip() if condition else "")
    topic = topic_phrase(previous)
    question = _replace_pronoun(message, topic)
    return Resolved("question", question, f"{message} {topic}".strip(), True, section, context.question)


_LEAD = re.compile(r"^\W*(?:(?:and|also|plus|or|but|so|then|ok(?:ay)?|well)\b[\s,]*)*"
                   r"(?:what about|how about|same (?:for|with)|is (?:that|it|this) (?:also|the same) for|"
                   r"does (?:that|this|it) (?:also )?apply to)?\s*", re.IGNORECASE)
_CONDITION = re.compile(r"^(?:what if\b|if\b|when\b|while\b|during\b|after\b|before\b|in case\b|"
                        r"i'?m\b|i am\b|we'?re\b|we are\b|i have\b|i'?ve\b|i work\b)", re.IGNORECASE)
_PREPOSITION = re.compile(r"^(?:for|with|in|on|at|to|about|regarding)\s+", re.IGNORECASE)
_DETERMINER = re.compile(r"^(?:my|the|a|an|our|your|their|his|her|its)\s+", re.IGNORECASE)


def continued(message: str, previous: str, closest: Closest | None = None) -> tuple[str, str]:
    """The question to read and the query to search for a continuation of `previous`.

    A condition is added to the previous question ("... if I'm a term employee?"); a second sentence of the
    message with a pronoun ("What about the mid-year review? When is that due?") is asked about the new thing.
    A thing is put in place of the phrase of the previous question it stands beside ("How much sick leave do I
    earn?"), and that question is both searched and read: read as the two questions together, the first one's
    sentences kept winning. Without such a phrase, the two questions together are read."""
    first, _, rest = message.strip().partition("?")
    part = _part_of(first)
    stem = previous.strip().rstrip("?.! ")
    together = f"{stem}? {message.strip()}"
    if not part:
        return together, together
    if _CONDITION.search(part):
        condition = re.sub(r"^what if\s+", "if ", part, flags=re.IGNORECASE)
        return f"{stem} {condition}?", f"{stem} {condition}?"
    thing = thing_of(first)
    rest = rest.strip()
    if rest and has_pronoun(rest):  # "What about X? When is that due?"
        asked = _replace_pronoun(rest, thing).replace("the the ", "the ")
        return asked, asked
    spans = replaceable_spans(stem, thing)
    chosen = choose_span(thing, spans, closest) if spans else None
    if chosen is None:
        return together, f"{message.strip()} {topic_phrase(stem)}".strip()
    _, start, end = spans[chosen]
    rewritten = f"{stem[:start]}{thing}{stem[end:]}?"
    return rewritten, rewritten


def _part_of(first_sentence: str) -> str:
    return _LEAD.sub("", first_sentence.strip()).strip(" ,.!")


def thing_of(message: str) -> str:
    """What a continuation asks about: "and for local vouchers?" → "local vouchers"."""
    part = _part_of(message.strip().partition("?")[0])
    return _DETERMINER.sub("", _PREPOSITION.sub("", part)).strip()


def replaceable_spans(question: str, thing: str) -> list[tuple[str, int, int]]:
    """Phrases of `question` a new thing can stand in for, with their character offsets: up to five words that
    begin and end on a content word, with only "of", "in", "a" and the like between ("vote in an election",
    "days of administrative leave"). A span whose every word is in `thing` is left out (replacing "leave" by
    "sick leave" would only add a modifier)."""
    words = [(m.group(0), m.start(), m.end()) for m in re.finditer(r"[A-Za-z0-9$][\w'$.,-]*(?<![.,])", question)]
    content = [bool(tokenize(w)) and w.lower() not in _GENERIC and w.lower() not in _PRONOUNS for w, _, _ in words]
    inner = [w.lower() in _INNER for w, _, _ in words]
    own = word_stems(thing)
    spans: list[tuple[str, int, int]] = []
    for a in range(len(words)):
        if not content[a]:
            continue
        for b in range(a, min(len(words), a + _SPAN_WORDS)):
            if not (content[b] or inner[b]):
                break
            if content[b]:
                text = question[words[a][1]:words[b][2]]
                if not word_stems(text) <= own:
                    spans.append((text, words[a][1], words[b][2]))
    return spans


_INNER = frozenset("of in on at to for a an the as".split())
_SPAN_WORDS = 5


def choose_span(thing: str, spans: list[tuple[str, int, int]], closest: Closest | None) -> int | None:
    """The span `thing` stands beside. The shortest that ends on the word `thing` ends on ("annual leave" for
    "sick leave"), else one sharing a word with it; among several, and among all when none shares a word, the nearest
    in meaning, the longest of those nearly as near ("bone marrow donor" rather than "donor" for "donating
    blood"). None when no span shares a word and there is no way to compare meanings."""
    own = word_stems(thing)
    head = word_stems(thing.split()[-1]) if thing.split() else set()
    heads = [i for i, (text, _, _) in enumerate(spans) if head and head <= word_stems(text.split()[-1])]
    if heads:  # the fewest words around the shared head: "travel voucher", not "deadline for the travel voucher"
        return min(heads, key=lambda i: len(spans[i][0]))
    sharing = [i for i, (text, _, _) in enumerate(spans) if own & word_stems(text)]
    if closest is None:
        return min(sharing, key=lambda i: len(spans[i][0])) if sharing else None
    pool = sharing or list(range(len(spans)))
    near = list(closest(thing, [spans[i][0] for i in pool]))
    best = max(near)
    return max((i for i, cos in zip(pool, near) if cos >= best - _NEARLY), key=lambda i: len(spans[i][0].split()))


_NEARLY = 0.08


def word_stems(text: str) -> set[str]:
    """Content words, a plural's s dropped: what two phrases must share to name the same thing."""
    return {t[:-1] if len(t) > 3 and t.endswith("s") else t for t in tokenize(text)}


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


def has_pronoun(message: str) -> bool:
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
