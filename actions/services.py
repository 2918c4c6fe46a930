"""The capabilities the actions call, created once per action-server process on first use.

Nothing is loaded at import: the action server imports this package before it forks its workers, and
loading torch models then crashes it.
"""
from __future__ import annotations

import logging
import threading
from functools import lru_cache

from retrieval import AnswerChain, build_answer_chain
from store import TurnStore
from tutor.settings import Settings, load_settings

log = logging.getLogger(__name__)
_lock = threading.Lock()


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
