"""The answer chain: clean the question, search, abstain or answer (extractive, generative or guarded),
and cite every source used.

An English question whose best passage is English is read as it always was: the MiniLM cosine gate, then the
English reader. A Chinese question, or an English one whose best passage is Chinese, is read by the feature
reader (feature_reader.py: multilingual cosine and word overlap, calibrated on Chinese data) with its own
threshold, since the cosine gate and the English reader mean nothing on Chinese text.
"""
from __future__ import annotations

import logging
import re
import time
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import asdict, dataclass, field
from typing import Sequence

import numpy as np

from .embeddings import Embedder
from .errors import GeneratorUnavailable
from .followup import AnswerContext, Resolved, has_pronoun, lean_on, resolve
from .generator import Generator
from .guard import split_injection
from .reader import Reader, answerability, load_reader
from .reading import (Sentence, SentenceVectors, answer_signals, condition_first, lead_and_support, prerank, read,
                      sentences_of, statement_first)
from .search import MULTILINGUAL, Hit, Retriever, SearchResult, tokenize
from .sections import merge_hits, named_section, prefer_section, section_first, section_hits
from .settings import RetrievalSettings
from .support import LexicalSupport, SupportChecker

log = logging.getLogger(__name__)


@dataclass
class Citation:
    course_id: str
    title: str
    section: str
    url: str
    source: str
    score: float

    def label(self) -> str:
        return f"{self.title} › {self.section}" if self.section else self.title


@dataclass
class Notice:
    """Something the learner should be told beside the answer, by code with its values; the shells word it.

    Codes: "truncated" (values: chars), "instructions_ignored".
    """

    code: str
    values: dict = field(default_factory=dict)


@dataclass
class Answer:
    """The answer's own words (empty when the chain abstains), with the evidence behind it.

    An extractive answer is `lead` (the sentence that answers) then `quotes` (at most two supporting sentences of
    the same section); `text` is both together. `context` is what the next turn needs to read a follow-up
    (retrieval.AnswerContext as a dict), None after an abstention. `operation` is "more", "simpler" or "example"
    when the message asked for that on the previous answer, and `contextual` is True when the previous turn
    changed what was searched.

    `mode` says what happened: extractive, generative, guarded-generative, guarded-extractive,
    extractive-fallback; or, with `abstained`, "abstain" (the courses don't cover it, `suggestions` lists what they
    do cover), "refused" (the message only tried to change the tutor's instructions) or "none" (no question).
    """

    text: str
    citations: list[Citation] = field(default_factory=list)
    abstained: bool = False
    confidence: float = 0.0
    mode: str = "extractive"
    notices: list[Notice] = field(default_factory=list)
    suggestions: list[dict] = field(default_factory=list)
    timings_ms: dict[str, float] = field(default_factory=dict)
    lead: str = ""
    quotes: list[str] = field(default_factory=list)
    context: dict | None = None
    operation: str = ""
    contextual: bool = False
    signals: dict[str, float] = field(default_factory=dict)  # what the "answers or not" decision weighed

    def to_dict(self) -> dict:
        return asdict(self)


def bounded_question(text: str, max_chars: int) -> tuple[str, list[Notice]]:
    """The question as searched: whitespace runs made single, cut at a word boundary to `max_chars`."""
    text = re.sub(r"\s+", " ", text).strip()
    if len(text) <= max_chars:
        return text, []
    return text[:max_chars].rsplit(" ", 1)[0], [Notice("truncated", {"chars": max_chars})]


class AnswerChain:
    """Retriever + reader + answer mode + citations; the one function every shell calls."""

    def __init__(
        self,
        retriever: Retriever,
        embedder: Embedder,
        settings: RetrievalSettings,
        generator: Generator | None = None,
        support: SupportChecker | None = None,
        reader: Reader | None | str = "settings",
    ) -> None:
        self.retriever = retriever
        self.embedder = embedder
        self.settings = settings
        self.generator = generator
        self.support = support or LexicalSupport(settings.answer.support_threshold)
        self._reader = reader
        stored = (lambda: self.retriever.version().sentences) if settings.index.sentence_vectors else None
        self._sentence_vectors = SentenceVectors(embedder, stored=stored)
        self._feature_reader: Reader | None = None
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="generator")

    @property
    def reader(self) -> Reader | None:
        """The configured reader, loaded on first use (ONNX Runtime; a fraction of a second)."""
        if self._reader == "settings":
            self._reader = load_reader(self.settings.answer.reader)
        return self._reader

    @property
    def feature_reader(self) -> Reader | None:
        """The reader for Chinese and cross-language passages; None when no multilingual embedding is configured."""
        if self._feature_reader is None and self.retriever.multilingual is not None:
            from .feature_reader import load_scorer

            self._feature_reader = load_scorer(self.settings.multilingual.scorer, SentenceVectors(self.retriever.multilingual))
        return self._feature_reader

    def _closest(self, phrase: str, candidates: Sequence[str]) -> list[float]:
        """Each candidate's cosine to `phrase` in the embedding (which part of the previous question a
        follow-up's "what about X" stands beside)."""
        vectors = self.embedder.embed([phrase, *candidates])
        vectors = vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-9)
        return [float(c) for c in vectors[1:] @ vectors[0]]

    @property
    def multilingual_threshold(self) -> float:
        """The feature reader's threshold: the configured one, else the one fitted with it."""
        configured = self.settings.multilingual.min_answer_score
        return configured if configured is not None else getattr(self.feature_reader, "threshold", 0.5)

    def answer(self, question: str, mode: str | None = None, groups: set[str] | None = None,
               context: AnswerContext | None = None) -> Answer:
        """Answer from the passages the learner may see (`groups`: their role and teams; None: unrestricted).

        `question` is clean text (messages.clean_message); it is cut to answer.max_question_chars here.
        `context` is the previous answer's (Answer.context), for follow-ups; None answers it standalone.
        """
        started = time.perf_counter()
        mode = mode or self.settings.answer.mode
        question, notes = bounded_question(question, self.settings.answer.max_question_chars)
        question, injected = split_injection(question)
        if injected:
            log.warning("instruction-changing text removed from a question")
            notes.append(Notice("instructions_ignored"))
            if not question:
                return Answer("", abstained=True, mode="refused", notices=notes)
        if len(re.sub(r"\W", "", question)) < 2:
            return Answer("", abstained=True, mode="none", notices=notes)
        resolved = resolve(question, context, self._closest)
        if resolved.kind != "question":
            answer = self._operate(resolved, context, groups, notes)
        else:
            answer = self._answer(resolved, mode, groups, notes)
            if context is not None and not resolved.contextual and has_pronoun(question):
                # "Can I carry it over if I don't use it in time?" has words enough to stand alone, but when
                # nothing answers it so, or it is read as answered far better about the previous question's topic,
                # its pronoun is that topic.
                leaning = lean_on(question, context, self._closest)
                retried = self._answer(leaning, mode, groups, notes)
                if not retried.abstained and (answer.abstained or retried.confidence > answer.confidence + _LEANING_MARGIN):
                    answer, resolved = retried, leaning
        answer.operation = "" if resolved.kind == "question" else resolved.kind
        answer.contextual = resolved.contextual
        answer.timings_ms["total_ms"] = (time.perf_counter() - started) * 1000
        answer.timings_ms = {k: round(v, 2) for k, v in answer.timings_ms.items()}
        return answer

    def _answer(self, resolved: Resolved, mode: str, groups: set[str] | None, notes: list[Notice]) -> Answer:
        result = self.retriever.search(resolved.query, groups=groups)
        if _multilingual(result) and self.feature_reader is not None:
            return self._answer_multilingual(resolved, result, mode, groups, notes)
        hits = [h for h in result.hits if h.space != MULTILINGUAL]  # an English question reads English passages
        # A follow-up reads its section first: the last answer's, or the section of that page the new thing it
        # asks about names ("and sick leave?" on the leave page); it stays there when that section answers.
        named = named_section(self.retriever, resolved.prefer[0], resolved.thing) if resolved.prefer and resolved.thing else None
        first = named or resolved.prefer
        stay_in = named or (resolved.prefer if resolved.stay else None)
        for section in filter(None, (resolved.prefer, named)):
            hits = merge_hits(section_hits(self.retriever, *section, groups), hits)
        timings = dict(result.timings_ms)
        t0 = time.perf_counter()
        same_text = resolved.query == resolved.question
        ranked = prerank(resolved.question, sentences_of(hits), self._sentence_vectors,
                         query_vector=result.query_vector if same_text else None)
        timings["prerank_ms"] = (time.perf_counter() - t0) * 1000
        best_cosine = max([result.best_dense, *(s.similarity for s in ranked[:3])])
        if not hits or not ranked or best_cosine < self.settings.answer.min_relevance:
            answer = self._abstain(hits, notes)
            answer.confidence = round(best_cosine, 4)
            answer.timings_ms = timings
            return answer
        t0 = time.perf_counter()
        reader = self.reader
        limit = self.settings.answer.reader_candidates
        if first:
            ranked = section_first(ranked, first, limit)
        acronyms = self.retriever.version().acronyms
        ranked = read(resolved.question, ranked, reader, limit + (limit // 2 if first else 0), acronyms)
        ranked = condition_first(resolved.condition, ranked, reader, _CONDITION_MARGIN, acronyms)
        threshold = self.settings.answer.min_answer_score if reader is not None else self.settings.answer.min_relevance
        if stay_in and reader is not None:
            ranked = prefer_section(ranked, stay_in, threshold)
        ranked = statement_first(ranked)
        confidence, signals = best_cosine, {}
        if reader is not None:
            signals = answer_signals(resolved.question, ranked, hits, best_cosine,
                                     self.retriever.term_weights(tokenize(resolved.question)))
            decided = answerability(getattr(reader, "decision", None), signals)
            confidence = ranked[0].probability if decided is None else decided
        timings["read_ms"] = (time.perf_counter() - t0) * 1000
        chosen = lead_and_support(ranked, self.settings.answer.max_quote_sentences, reader is not None)
        answer = self._respond(resolved, mode, hits, chosen, confidence, threshold, notes, timings)
        answer.signals = {k: round(v, 4) for k, v in signals.items()}
        return answer

    def _answer_multilingual(self, resolved: Resolved, result: SearchResult, mode: str, groups: set[str] | None,
                             notes: list[Notice]) -> Answer:
        """Chinese or cross-language: every sentence of the passages scored by the feature reader, no cosine gate."""
        hits = result.hits
        if resolved.prefer:
            hits = merge_hits(section_hits(self.retriever, *resolved.prefer, groups), hits)
        timings = dict(result.timings_ms)
        t0 = time.perf_counter()
        sentences = sentences_of(hits)
        if not hits or not sentences:
            answer = self._abstain(hits, notes)
            answer.timings_ms = timings
            return answer
        probabilities = self.feature_reader.score(resolved.question, [s.plain for s in sentences])
        for sentence, p in zip(sentences, probabilities):
            sentence.probability = float(p)
        ranked = sorted(sentences, key=lambda s: -(s.probability or 0.0))
        threshold = self.multilingual_threshold
        if resolved.prefer:
            ranked = prefer_section(ranked, resolved.prefer, threshold)
        ranked = statement_first(ranked)
        timings["read_ms"] = (time.perf_counter() - t0) * 1000
        chosen = lead_and_support(ranked, self.settings.answer.max_quote_sentences, True)
        return self._respond(resolved, mode, hits, chosen, ranked[0].probability or 0.0, threshold, notes, timings)

    def _respond(self, resolved: Resolved, mode: str, hits: list[Hit], chosen: list[Sentence], confidence: float,
                 threshold: float, notes: list[Notice], timings: dict) -> Answer:
        """Abstain below `threshold`, else answer in `mode` from the `chosen` sentences."""
        if confidence < threshold:
            answer = self._abstain(hits, notes)
        elif mode == "extractive" or self.generator is None:
            if mode != "extractive":
                log.warning("no generator configured; answering extractively")
            answer = self._extractive(chosen, notes, in_order=False)
        else:
            answer = self._generated(resolved, hits, chosen, notes, guarded=(mode == "guarded"), timings=timings)
        if not answer.abstained:
            answer.context = AnswerContext(resolved.question, chosen[0].hit.chunk.course_id,
                                           chosen[0].hit.chunk.section, [s.text for s in chosen]).to_dict()
        answer.confidence = round(float(confidence), 4)
        answer.timings_ms = timings
        return answer

    def _operate(self, resolved: Resolved, context: AnswerContext, groups: set[str] | None, notes: list[Notice]) -> Answer:
        """"tell me more", "simpler", "an example": sentences of the last answer's section."""
        from .operations import section_operation

        t0 = time.perf_counter()
        hits = section_hits(self.retriever, context.course_id, context.section, groups)
        sentences = sentences_of(hits)
        chosen = section_operation(resolved.kind, context, sentences, self.reader, self.settings.answer.max_quote_sentences)
        timings = {"section_ms": (time.perf_counter() - t0) * 1000}
        if not chosen:
            # Nothing further, plainer or exemplary in that section: say so, and keep the context.
            answer = Answer("", abstained=True, mode="section-exhausted", notices=notes, context=context.to_dict(),
                            citations=_citations([h for h in hits[:1]]))
            answer.timings_ms = timings
            return answer
        answer = self._extractive(chosen, notes)
        answer.context = AnswerContext(context.question, context.course_id, context.section,
                                       [*context.shown, *(s.text for s in chosen)][-20:]).to_dict()
        answer.confidence = 1.0
        answer.timings_ms = timings
        return answer

    def _abstain(self, hits: list[Hit], notes: list[Notice]) -> Answer:
        log.info("abstained")
        return Answer("", abstained=True, mode="abstain", notices=notes, suggestions=self._suggestions(hits))

    def _suggestions(self, hits: list[Hit]) -> list[dict]:
        """Nearest courses first (even if not close enough to answer), then the rest of the catalogue."""
        order: list[str] = []
        for hit in hits:
            if hit.chunk.course_id not in order:
                order.append(hit.chunk.course_id)
        courses = {c["id"]: c for c in self.retriever.courses()}
        ranked = [courses[c] for c in order if c in courses] + [c for cid, c in courses.items() if cid not in order]
        return ranked

    def _extractive(self, chosen: list[Sentence], notes: list[Notice], in_order: bool = True) -> Answer:
        """The chosen sentences as they read; a list item's number ("2) Use the Report Phish button") is kept only
        when the sentences are in the course's order (`in_order`), not when the answering one leads."""
        texts = [s.text if in_order else _ENUMERATOR.sub("", s.text) for s in chosen]
        lead, quotes = texts[0], texts[1:]
        text = " ".join([lead, *(f"“{q}”" for q in quotes)])
        return Answer(text, citations=_citations([s.hit for s in chosen]), mode="extractive", notices=notes,
                      lead=lead, quotes=quotes)

    def _generated(self, resolved: Resolved, hits: list[Hit], chosen: list[Sentence], notes: list[Notice], guarded: bool,
                   timings: dict) -> Answer:
        from .prompting import build_messages  # LangChain's prompt templates: only when generating

        conversation = f"Previous question: {resolved.previous}" if resolved.previous else ""
        system, user = build_messages(resolved.question, hits, [s.text for s in chosen], conversation)
        t0 = time.perf_counter()
        try:
            future = self._pool.submit(self.generator.generate, system, user, self.settings.generator.max_new_tokens)
            text = future.result(timeout=self.settings.generator.timeout_s)
        except (GeneratorUnavailable, FutureTimeout, RuntimeError, OSError) as exc:
            log.warning("generator failed (%s); answering extractively", type(exc).__name__)
            fallback = self._extractive(chosen, notes)
            fallback.mode = "extractive-fallback"
            return fallback
        finally:
            timings["generate_ms"] = (time.perf_counter() - t0) * 1000
        not_covered = "NOT COVERED" in text.upper()
        citations = _citations([s.hit for s in chosen])
        if guarded:
            # Checked against the sentences chosen to answer, not the whole passages around them.
            ok, coverage = self.support.supported(text, [s.text for s in chosen])
            if not_covered or not ok:
                log.info("generated answer not supported (coverage %.2f); quoting instead", coverage)
                fallback = self._extractive(chosen, notes)
                fallback.mode = "guarded-extractive"
                return fallback
            return Answer(text, citations=citations, mode="guarded-generative", notices=notes, lead=text)
        if not_covered:
            return self._abstain(hits, notes)
        return Answer(text, citations=citations, mode="generative", notices=notes, lead=text)


_ENUMERATOR = re.compile(r"^\(?\d{1,2}[.)]\s+(?=\S)")
# How much more confident a message with a pronoun must be read about the previous topic than on its own.
_LEANING_MARGIN = 0.1
# How close to the best a sentence must be read for a follow-up's condition to decide which of them leads.
_CONDITION_MARGIN = 0.05


def _multilingual(result: SearchResult) -> bool:
    """Whether the feature reader reads this search: a Chinese question, or a Chinese passage found first."""
    return result.language == "zh" or bool(result.hits and result.hits[0].space == MULTILINGUAL)


def _citations(hits: list[Hit]) -> list[Citation]:
    seen: dict[tuple[str, str], Citation] = {}
    for hit in hits:
        c = hit.chunk
        key = (c.course_id, c.section)
        if key not in seen:
            seen[key] = Citation(c.course_id, c.title, c.section, c.url, c.source, round(hit.dense_score, 4))
    return list(seen.values())
