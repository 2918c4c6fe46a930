"""The answer chain: clean the question, search, abstain or answer (extractive, generative or guarded),
and cite every source used."""
from __future__ import annotations

import logging
import re
import time
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import asdict, dataclass, field

from .embeddings import Embedder
from .errors import GeneratorUnavailable
from .extractive import Quote, select_quotes
from .generator import Generator
from .guard import split_injection
from .search import Hit, Retriever
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
    """The answer's own words (quotes or generated text; empty when the chain abstains), with the evidence
    behind it.

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

    def to_dict(self) -> dict:
        return asdict(self)


def bounded_question(text: str, max_chars: int) -> tuple[str, list[Notice]]:
    """The question as searched: whitespace runs made single, cut at a word boundary to `max_chars`."""
    text = re.sub(r"\s+", " ", text).strip()
    if len(text) <= max_chars:
        return text, []
    return text[:max_chars].rsplit(" ", 1)[0], [Notice("truncated", {"chars": max_chars})]


class AnswerChain:
    """Retriever + answer mode + citations; the one function every shell calls."""

    def __init__(
        self,
        retriever: Retriever,
        embedder: Embedder,
        settings: RetrievalSettings,
        generator: Generator | None = None,
        support: SupportChecker | None = None,
    ) -> None:
        self.retriever = retriever
        self.embedder = embedder
        self.settings = settings
        self.generator = generator
        self.support = support or LexicalSupport(settings.answer.support_threshold)
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="generator")

    def answer(self, question: str, mode: str | None = None, groups: set[str] | None = None) -> Answer:
        """Answer from the passages the learner may see (`groups`: their role and teams; None: unrestricted).

        `question` is clean text (messages.clean_message); it is cut to answer.max_question_chars here.
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
        result = self.retriever.search(question, groups=groups)
        timings = dict(result.timings_ms)
        t0 = time.perf_counter()
        quotes = select_quotes(question, result.hits, self.embedder, self.settings.answer.max_quote_sentences,
                               query_vector=result.query_vector)
        timings["quote_ms"] = (time.perf_counter() - t0) * 1000
        relevance = relevance_score(result.best_dense, quotes)
        if not result.hits or relevance < self.settings.answer.min_relevance:
            answer = self._abstain(result.hits, relevance, notes)
        elif mode == "extractive":
            answer = self._extractive(quotes, result.hits, notes)
        else:
            answer = self._generated(question, result.hits, quotes, notes, guarded=(mode == "guarded"), timings=timings)
        answer.confidence = round(relevance, 4)
        timings["total_ms"] = (time.perf_counter() - started) * 1000
        answer.timings_ms = {k: round(v, 2) for k, v in timings.items()}
        return answer

    def _abstain(self, hits: list[Hit], best: float, notes: list[Notice]) -> Answer:
        log.info("abstained (best cosine %.3f)", best)
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

    def _extractive(self, quotes: list[Quote], hits: list[Hit], notes: list[Notice]) -> Answer:
        if not quotes:
            return self._abstain(hits, hits[0].dense_score if hits else -1, notes)
        text = " ".join(f"“{q.text}”" for q in quotes)
        return Answer(text, citations=_citations([q.hit for q in quotes]), mode="extractive", notices=notes)

    def _generated(self, question: str, hits: list[Hit], quotes: list[Quote], notes: list[Notice], guarded: bool, timings: dict) -> Answer:
        if self.generator is None:
            log.warning("no generator configured; answering extractively")
            return self._extractive(quotes, hits, notes)
        from .prompting import build_messages  # LangChain's prompt templates: only when generating

        system, user = build_messages(question, hits)
        t0 = time.perf_counter()
        try:
            future = self._pool.submit(self.generator.generate, system, user, self.settings.generator.max_new_tokens)
            text = future.result(timeout=self.settings.generator.timeout_s)
        except (GeneratorUnavailable, FutureTimeout, RuntimeError, OSError) as exc:
            log.warning("generator failed (%s); answering extractively", type(exc).__name__)
            fallback = self._extractive(quotes, hits, notes)
            fallback.mode = "extractive-fallback"
            return fallback
        finally:
            timings["generate_ms"] = (time.perf_counter() - t0) * 1000
        not_covered = "NOT COVERED" in text.upper()
        if guarded:
            ok, coverage = self.support.supported(text, [h.chunk.text for h in hits])
            if not_covered or not ok:
                log.info("generated answer not supported (coverage %.2f); quoting instead", coverage)
                fallback = self._extractive(quotes, hits, notes)
                fallback.mode = "guarded-extractive"
                return fallback
            return Answer(text, citations=_citations(hits[:2]), mode="guarded-generative", notices=notes)
        if not_covered:
            return self._abstain(hits, hits[0].dense_score, notes)
        return Answer(text, citations=_citations(hits[:2]), mode="generative", notices=notes)


def relevance_score(best_dense: float, quotes: list[Quote]) -> float:
    """How well the courses cover a question: the better of the best passage's and the best sentence's cosine.

    Short questions match single sentences far better than whole passages, so the sentence score rescues
    covered questions whose passage score is diluted by the rest of the passage.
    """
    return max([best_dense, *(q.similarity for q in quotes)])


def _citations(hits: list[Hit]) -> list[Citation]:
    seen: dict[tuple[str, str], Citation] = {}
    for hit in hits:
        c = hit.chunk
        key = (c.course_id, c.section)
        if key not in seen:
            seen[key] = Citation(c.course_id, c.title, c.section, c.url, c.source, round(hit.dense_score, 4))
    return list(seen.values())
