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
    """The section's first example not shown yet. One that opens a worked example or a list ("For example: It
    is June 19th ...", "Here are some examples:") goes on with the sentences after it, where the example is."""
    seen = set(shown)
    for i, sentence in enumerate(ordered):
        if sentence.text in seen or not _EXAMPLE_MARK.search(sentence.text):
            continue
        if not _OPENS.search(sentence.text):
            return [s for s in ordered[i:] if _EXAMPLE_MARK.search(s.text) and s.text not in seen][:limit]
        same_passage = [s for s in ordered[i + 1:] if s.hit.chunk.chunk_id == sentence.hit.chunk.chunk_id]
        return [sentence, *(s for s in same_passage if s.text not in seen)][:limit]
    return []


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
        scores = reader.score(context.question, [reader_input(s.heading, s.text) for s in ordered])
    else:
        terms = set(tokenize(context.question))
        scores = [len(terms & set(tokenize(s.text))) / max(1, len(terms)) for s in ordered]
    best = max(scores)
    fitting = [(float(p), s) for p, s in zip(scores, ordered) if p >= 0.5 * best]
    short = [(p, s) for p, s in fitting if len(s.text.split()) <= _PLAIN_WORDS] or \
        [min(fitting, key=lambda ps: len(ps[1].text.split()))]
    short.sort(key=lambda ps: (ps[1].text in context.shown, -ps[0], len(ps[1].text)))
    return [s for _, s in short[:2]]
