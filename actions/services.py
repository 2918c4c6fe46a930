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
from recommender import Catalogue, LearnerProfile, Recommender
from store import LearningStore, ProfileStore, TurnStore
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


@lru_cache(maxsize=1)
def profile_store() -> ProfileStore:
    cfg = settings()
    return ProfileStore(cfg.path(cfg.paths.store))


def catalogue() -> Catalogue:
    """The catalogue of the index version now serving (rebuilt when an ingest swaps it)."""
    chain = answer_chain()
    version = chain.retriever.version().root.name
    with _lock:
        if _catalogue.get("version") != version:
            courses, _ = chain.retriever.corpus()
            _catalogue["version"], _catalogue["value"] = version, Catalogue.from_metadata(courses)
        return _catalogue["value"]


_catalogue: dict = {}


def recommender() -> Recommender:
    """Rebuilt only when the catalogue or the enrolments changed since the last request."""
    enrolments = profile_store().all_enrolments()
    key = (_catalogue.get("version"), len(enrolments), enrolments[-1]["updated"] if enrolments else 0)
    cat = catalogue()
    with _lock:
        if _recommender.get("key") != key or _recommender.get("catalogue") is not cat:
            _recommender.update(key=key, catalogue=cat, value=Recommender(cat, answer_chain().embedder, settings().recommender, enrolments))
        return _recommender["value"]


_recommender: dict = {}


def learner_profile(learner: str) -> LearnerProfile:
    """Everything the recommender may use about a learner, from the tutor's own records."""
    row = profile_store().profile(learner) or {}
    return LearnerProfile(
        learner=learner,
        role=row.get("role", ""),
        goals=row.get("goals", ""),
        group=row.get("group_name", ""),
        completed=set(profile_store().courses(learner, "completed")),
        mastery={s: {"p_mastery": r["p_mastery"], "attempts": r["attempts"], "correct": r["correct"]}
                 for s, r in learning_store().mastery(learner).items()},
        asked=profile_store().asked_courses(learner),
        since=row.get("created", 0.0),
    )


def learner_groups(learner: str) -> set[str]:
    """The role and team a learner told the tutor; course audiences are matched against them."""
    row = profile_store().profile(learner) or {}
    return {g for g in (row.get("role", ""), row.get("group_name", "")) if g}


def allowed_courses(learner: str) -> set[str]:
    """Courses whose audience includes this learner (quizzes only draw on these)."""
    from retrieval import audience_allows

    groups = learner_groups(learner)
    return {c.course_id for c in catalogue().courses.values() if audience_allows(",".join(c.audience), groups)}
