"""Reading the passages search found: which sentence answers, what supports it, and whether anything answers.

A cascade keeps it fast: every sentence of the retrieved passages gets a cheap score (cosine to the question plus
word overlap plus the passage's search rank), and only the best few are read by the reader, whose calibrated
probability decides. The answer leads with the best-read sentence; supporting sentences come only from the same
section, so an answer never mixes in a neighbouring section's rule that contradicts it.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from functools import cached_property
from typing import Callable

import numpy as np

from .acronyms import spell_out, words_of
from .embeddings import Embedder
from .extractive import split_sentences
from .guard import looks_like_instructions
from .markup import link_labels, only_links
from .reader import Reader, reader_input
from .search import Hit, tokenize
from .sentence_table import SentenceTable


@dataclass
class Sentence:
    """A sentence of a retrieved passage, with the scores that judged it."""

    text: str
    hit: Hit
    order: int  # position within the passage
    cheap: float = 0.0
    similarity: float = 0.0
    probability: float | None = None  # the reader's; None when not read

    @property
    def section_key(self) -> tuple[str, str]:
        return self.hit.chunk.course_id, self.hit.chunk.section

    @property
    def heading(self) -> str:
        chunk = self.hit.chunk
        return chunk.section.split(" > ")[-1] if chunk.section else chunk.title

    @cached_property
    def plain(self) -> str:
        """The sentence as the readers and the sentence embedding read it: links as their labels (an address can
        fill the reader's 64 tokens before the sentence says what it says). Quotes keep `text`."""
        return link_labels(self.text)


def sentences_of(hits: list[Hit]) -> list[Sentence]:
    """Every quotable sentence of the passages (instructions planted in content are never quoted)."""
    out: list[Sentence] = []
    seen: set[str] = set()
    edges: list[Sentence] = []
    for hit in hits:
        texts = split_sentences(hit.chunk.text)
        for order, text in enumerate(texts):
            if text not in seen and not looks_like_instructions(text):
                seen.add(text)
                out.append(Sentence(text, hit, order))
                if order in (0, len(texts) - 1):
                    edges.append(out[-1])
    cut = {id(s) for s in edges if _part_of_another(s.text, out)}
    return [s for s in out if id(s) not in cut] if cut else out


def _part_of_another(text: str, sentences: list[Sentence]) -> bool:
    """A sentence cut where a passage begins or ends (passages overlap, so the whole one is in its neighbour)."""
    core = text.rstrip(".!?。！？ ")
    return len(core) > 0 and any(len(s.text) > len(text) and (s.text.endswith(text) or s.text.startswith(core))
                                 for s in sentences)


class SentenceVectors:
    """Sentence embeddings, kept for the sentences read recently: questions on one topic keep meeting the same
    sections, and embedding their sentences again is most of a turn's work."""

    def __init__(self, embedder: Embedder, max_items: int = 20_000,
                 stored: Callable[[], SentenceTable | None] | None = None) -> None:
        self.embedder = embedder
        self.max_items = max_items
        self.stored = stored  # the index's sentence table (embedded at ingest), looked up first
        self._vectors: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def __call__(self, texts: list[str]) -> np.ndarray:
        texts = [link_labels(t) for t in texts]  # embedded as read: links as their labels (sentence_table.py)
        table = self.stored() if self.stored is not None else None
        if table is not None:
            found = [table.get(t) for t in texts]
            if all(v is not None for v in found):
                return np.stack(found) if found else np.zeros((0, self.embedder.dimension), dtype="float32")
            rest = self._cached([t for t, v in zip(texts, found) if v is None])
            filled = iter(rest)
            return np.stack([v if v is not None else next(filled) for v in found])
        return self._cached(texts)

    def _cached(self, texts: list[str]) -> np.ndarray:
        with self._lock:
            missing = [t for t in dict.fromkeys(texts) if t not in self._vectors]
        if missing:
            fresh = self.embedder.embed(missing)
            with self._lock:
                for text, vector in zip(missing, fresh):
                    self._vectors[text] = vector
                while len(self._vectors) > self.max_items:
                    self._vectors.popitem(last=False)
        with self._lock:
            for text in texts:
                if text in self._vectors:
                    self._vectors.move_to_end(text)
            return np.stack([self._vectors[t] if t in self._vectors else self.embedder.embed([t])[0] for t in texts])


def prerank(question: str, sentences: list[Sentence], vectors_of: SentenceVectors,
            query_vector: np.ndarray | None = None) -> list[Sentence]:
    """Cheap scores for all sentences, best first: cosine, a little word overlap, a small search-rank prior."""
    if not sentences:
        return []
    if query_vector is None:
        query_vector = vectors_of.embedder.embed([question])[0]
    vectors = vectors_of([s.plain for s in sentences])
    sims = vectors @ query_vector
    q_terms = set(tokenize(question))
    for sentence, sim in zip(sentences, sims):
        overlap = len(q_terms & set(tokenize(sentence.text))) / max(1, len(q_terms))
        sentence.similarity = float(sim)
        sentence.cheap = float(sim) + 0.15 * overlap + 0.05 * sentence.hit.fused_score * 60
    return sorted(sentences, key=lambda s: -s.cheap)


def read(question: str, ranked: list[Sentence], reader: Reader | None, limit: int,
         acronyms: dict[str, str] | None = None) -> list[Sentence]:
    """The reader's probabilities for the `limit` best-ranked sentences, best first (unread ones after them).
    `acronyms` (the courses' own definitions) are spelled out where the question uses their words."""
    if reader is None or not ranked:
        return ranked
    head, tail = ranked[:limit], ranked[limit:]
    texts = as_read(question, head, acronyms)
    evidence = reader_evidence(question, texts, [s.similarity for s in head])
    probabilities = reader.score(question, [reader_input(s.heading, t) for s, t in zip(head, texts)], evidence)
    for sentence, p in zip(head, probabilities):
        sentence.probability = float(p)
    return sorted(head, key=lambda s: -(s.probability or 0.0)) + tail


def statement_first(ranked: list[Sentence]) -> list[Sentence]:
    """A line that is only a link ("[Instructions for applying for a GSA Travel Card](…)") can support an answer but
    not be one: read by its label it can outscore the sentence that answers. The best-read sentence that states
    something leads instead, when the reader read one."""
    if not ranked or ranked[0].probability is None or not only_links(ranked[0].text):
        return ranked
    stating = next((s for s in ranked if s.probability is not None and not only_links(s.text)), None)
    return ranked if stating is None else [stating] + [s for s in ranked if s is not stating]


def as_read(question: str, sentences: list[Sentence], acronyms: dict[str, str] | None) -> list[str]:
    """The sentences as the reader gets them (`Sentence.plain`), with acronyms the question spells out in words
    spelled out too."""
    if not acronyms:
        return [s.plain for s in sentences]
    words = words_of(question)
    return [spell_out(s.plain, words, acronyms) for s in sentences]


def condition_first(condition: str, ranked: list[Sentence], reader: Reader | None, margin: float,
                    acronyms: dict[str, str] | None = None) -> list[Sentence]:
    """A follow-up that adds a condition ("and what if I already clicked the link?") is read as the previous
    question with it; when sentences read about as well (within `margin` of the best), the one that answers the
    condition itself leads ("If you already clicked …" rather than the previous answer's "Do not click any
    links"). Probabilities are left as read."""
    if reader is None or not condition or len(ranked) < 2 or ranked[0].probability is None:
        return ranked
    close = [s for s in ranked if s.probability is not None and s.probability >= ranked[0].probability - margin]
    if len(close) < 2:
        return ranked
    texts = as_read(condition, close, acronyms)
    own = reader.score(condition, [reader_input(s.heading, t) for s, t in zip(close, texts)],
                       reader_evidence(condition, texts, [s.similarity for s in close]))
    lead = close[int(np.argmax(own))]
    return [lead] + [s for s in ranked if s is not lead]


def reader_evidence(question: str, sentences: list[str], similarities: list[float]) -> np.ndarray:
    """What the reader weighs beside its own score, per sentence: cosine to the question and the share of the
    question's words the sentence holds."""
    q_terms = set(tokenize(question))
    return np.array([[sim, len(q_terms & set(tokenize(text))) / max(1, len(q_terms))]
                     for text, sim in zip(sentences, similarities)], dtype="float32").reshape(-1, 2)


def answer_signals(question: str, ranked: list[Sentence], hits: list[Hit], best_cosine: float,
                   term_weights: dict[str, float]) -> dict[str, float]:
    """What decides whether anything answers, beyond the best sentence's probability: how close the best passage
    is, and how much of what the question names (weighted by how rare each word is in the courses) the answering
    sentence and the retrieved passages hold. A question about a thing the courses never mention keeps its rarest
    words unmatched however similar the topic is."""
    lead = ranked[0]
    p = min(max(lead.probability if lead.probability is not None else lead.cheap, 1e-4), 1 - 1e-4)
    q_terms = set(term_weights)
    total = sum(term_weights.values()) or 1.0
    lead_terms = set(tokenize(f"{lead.heading} {lead.text}"))
    passage_terms = {t for hit in hits for t in tokenize(f"{hit.chunk.section} {hit.chunk.text}")}
    missing = [term_weights[t] for t in q_terms - passage_terms]
    ceiling = max([*term_weights.values(), 1.0])
    return {"lead_logit": float(np.log(p / (1 - p))),
            "cosine": float(best_cosine),
            "lead_coverage": sum(term_weights[t] for t in q_terms & lead_terms) / total,
            "passage_coverage": sum(term_weights[t] for t in q_terms & passage_terms) / total,
            "rarest_missing": max(missing, default=0.0) / ceiling}


def lead_and_support(ranked: list[Sentence], max_sentences: int, reader_used: bool) -> list[Sentence]:
    """The answering sentence, then up to `max_sentences - 1` supporting ones from its own section, in the
    section's order. With a reader, a supporting sentence must itself be read as relevant (half the lead's
    probability); without one, it must be close to the lead's cheap score."""
    if not ranked:
        return []
    lead = ranked[0]
    support: list[Sentence] = []
    for sentence in ranked[1:]:
        if len(support) >= max_sentences - 1:
            break
        if sentence.section_key != lead.section_key:
            continue
        if reader_used:
            if sentence.probability is None or sentence.probability < max(0.15, 0.5 * (lead.probability or 0.0)):
                continue
        elif sentence.cheap < lead.cheap - 0.15:
            continue
        support.append(sentence)
    support.sort(key=lambda s: (s.hit.chunk.position, s.order))
    return [lead, *support]
