"""Operations on the last answer: further sentences of its section, plainer ones, or an example.

Without a generator the tutor cannot reword, so "simpler" chooses the section's shortest sentences that still
answer the question, and "an example" the sentences that give one. Each returns [] when the section has nothing
of the kind, which the tutor says rather than padding the reply with other text.
"""
from __future__ import annotations

import re

from .followup import AnswerContext
from .reader import Reader, reader_input
from .reading import Sentence
from .search import tokenize

_EXAMPLE_MARK = re.compile(r"\b(for example|for instance|e\.g\.|such as|examples?|like when|imagine|say you)\b", re.IGNORECASE)
_OPENS = re.compile(r"(:\s*$|^\W*(for example|for instance|e\.g\.|examples?)\s*:)", re.IGNORECASE)
_PLAIN_WORDS = 22


def section_operation(kind: str, context: AnswerContext, sentences: list[Sentence], reader: Reader | None,
                      max_sentences: int) -> list[Sentence]:
    ordered = sorted(sentences, key=lambda s: (s.hit.chunk.position, s.order))
    if kind == "more":
        return further(ordered, context.shown, max_sentences)
    if kind == "example":
        return example(ordered, context.shown, max_sentences)
    if kind == "simpler":
        return plainer(ordered, context, reader)
    raise ValueError(f"unknown operation {kind!r}")


def example(ordered: list[Sentence], shown: list[str], limit: int) -> list[Sentence]:
    """The section's first example not shown yet, preferring one after the sentence that led the last answer (a
    section that explains several things gives an example after each: the one for what was just explained
    follows it).
    One that opens a worked example or a list ("For example: It is June 19th ...", "Here are some examples:")
    goes on with the rest of it (the rest of its paragraph, or the list or table rows after it), up to
    `_EXAMPLE_MAX` sentences: an example cut before its result shows nothing."""
    seen = set(shown)
    lead = next((i for i, s in enumerate(ordered) if shown and s.text == shown[0]), -1)
    marked = [i for i, s in enumerate(ordered) if s.text not in seen and _EXAMPLE_MARK.search(s.text)]
    if not marked:
        return []
    i = next((j for j in marked if j > lead), marked[0])
    if not _OPENS.search(ordered[i].text):
        return [s for s in ordered[i:] if _EXAMPLE_MARK.search(s.text) and s.text not in seen][:limit]
    return worked_example(ordered, i, max(limit, _EXAMPLE_MAX))


_EXAMPLE_MAX = 8


def worked_example(ordered: list[Sentence], start: int, cap: int) -> list[Sentence]:
    """The example opened by `ordered[start]`: the sentences after it on its line, or the list items and table
    rows after it, across the section's passages, until something else begins."""
    opener = ordered[start]
    taken, previous = [opener], opener
    for sentence in ordered[start + 1:]:
        if len(taken) >= cap or sentence.section_key != opener.section_key or _OPENS.search(sentence.text):
            break
        line = _line_of(sentence)[0]
        same_line = sentence.hit.chunk.chunk_id == previous.hit.chunk.chunk_id and line >= 0 and line == _line_of(previous)[0]
        if not (same_line or _is_item(sentence)):
            break
        taken.append(sentence)  # whole, even where the last answer quoted part of it
        previous = sentence
    return taken


_ROW = re.compile(r"^[^—]{1,80} — [^:;]{1,60}: ")  # a table row as ingest writes it ("Monday — Hours: 5; …")
_ITEM = re.compile(r"^\s*(?:[-*•]\s|\d+[.)]\s)")


def _plain(text: str) -> str:
    return " ".join(re.sub(r"[^\w]+", " ", text).lower().split())


def _line_of(sentence: Sentence) -> tuple[int, str]:
    """The line of its passage a sentence is on, and that line (-1 and "" when it cannot be told)."""
    probe = " ".join(_plain(sentence.text).split()[:5])
    for number, line in enumerate(sentence.hit.chunk.text.split("\n")):
        if probe and probe in _plain(line):
            return number, line
    return -1, ""


def _is_item(sentence: Sentence) -> bool:
    """A list item or a table row of its passage."""
    number, line = _line_of(sentence)
    return bool(_ROW.search(sentence.text) or (number >= 0 and _ITEM.search(line)))


def further(ordered: list[Sentence], shown: list[str], limit: int) -> list[Sentence]:
    """The section's sentences after the last one shown, then any earlier ones not shown yet."""
    seen = set(shown)
    last = max((i for i, s in enumerate(ordered) if s.text in seen), default=-1)
    after = [s for s in ordered[last + 1:] if s.text not in seen]
    before = [s for s in ordered[:last + 1] if s.text not in seen]
    return (after + before)[:limit]


def plainer(ordered: list[Sentence], context: AnswerContext, reader: Reader | None) -> list[Sentence]:
    """One or two short sentences of the section that answer the question best (by the reader, or by shared
    words), preferring ones not shown yet."""
    if not ordered:
        return []
    if reader is not None:
        scores = reader.score(context.question, [reader_input(s.heading, s.plain) for s in ordered])
    else:
        terms = set(tokenize(context.question))
        scores = [len(terms & set(tokenize(s.text))) / max(1, len(terms)) for s in ordered]
    best = max(scores)
    fitting = [(float(p), s) for p, s in zip(scores, ordered) if p >= 0.5 * best]
    short = [(p, s) for p, s in fitting if len(s.text.split()) <= _PLAIN_WORDS] or \
        [min(fitting, key=lambda ps: len(ps[1].text.split()))]
    short.sort(key=lambda ps: (ps[1].text in context.shown, -ps[0], len(ps[1].text)))
    return [s for _, s in short[:2]]
