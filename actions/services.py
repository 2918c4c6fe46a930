"""The capabilities the actions call, created once per action-server process on first use.

Nothing is loaded at import: the action server imports this package before it forks its workers, and
loading torch models then crashes it.
"""
from __future__ import annotations

import logging
import threading
from functools import lru_cache

from assessment import Grader, QuizService, sync_question_bank
from retrieval import AnswerChain, build_answer_chain
from store import LearningStore, TurnStore
from tutor.settings import Settings, load_settings

log = logging.getLogger(__name__)
_lock = threading.RLock()


@lru_cache(maxsize=1)
def settings() -> Settings:
    return load_settings()


def answer_chain() -> AnswerChain:
    with _lock:
        return _answer_chain()


@lru_cache(maxsize=1)
def _answer_chain() -> AnswerChain:
    cfg = settings()
    log.info("loading the answer chain (index %s, mode %s)", cfg.path(cfg.paths.index_dir), cfg.retrieval.answer.mode)
    return build_answer_chain(cfg.path(cfg.paths.index_dir), cfg.path(cfg.paths.cache_dir), cfg.retrieval)


@lru_cache(maxsize=1)
def turn_store() -> TurnStore:
    cfg = settings()
    return TurnStore(cfg.path(cfg.paths.store))


@lru_cache(maxsize=1)
def learning_store() -> LearningStore:
    cfg = settings()
    return LearningStore(cfg.path(cfg.paths.store))


_bank_version: dict[str, str] = {}


def quiz_service() -> QuizService:
    """The quiz service, with the question bank brought up to date with the index first."""
    chain = answer_chain()
    with _lock:
        version = chain.retriever.version().root.name
        if _bank_version.get("name") != version:
            courses, chunks = chain.retriever.corpus()
            generate = settings().assessment.generate_questions
            sync_question_bank(learning_store(), courses, chunks if generate else [], chain.embedder)
            _bank_version["name"] = version
        return _quiz_service()


@lru_cache(maxsize=1)
def _quiz_service() -> QuizService:
    cfg = settings().assessment
    embedder = answer_chain().embedder
    grader = Grader(embedder, cfg.grading_threshold, cfg.similarity_weight)
    return QuizService(learning_store(), grader, cfg, embedder)
