"""The one place where settings become working parts: the tutor's records, the answer chain, the quiz service with
its question bank, the catalogue and the recommender. Each part is built on first use (models load lazily), and
the parts that depend on the course index are rebuilt when an ingest swaps it."""
from __future__ import annotations

import ctypes
import functools
import logging
import threading
from typing import Any

from messages import detect_language
from store import Records

from .settings import Settings

DEFAULT_LANGUAGE = "en"

log = logging.getLogger(__name__)


class Parts:
    """Safe to share between the threads of one process; nothing is loaded until a part is first asked for."""

    def __init__(self, settings: Settings, embedder: Any = None, generator: Any = None) -> None:
        self.settings = settings
        self._embedder = embedder
        self._generator = generator
        self._lock = threading.RLock()
        self._built: dict[str, Any] = {}

    def _once(self, name: str, build) -> Any:
        with self._lock:
            if name not in self._built:
                self._built[name] = build()
                give_back_freed_memory()
            return self._built[name]

    @property
    def records(self) -> Records:
        return self._once("records", lambda: Records(self.settings.path(self.settings.paths.store)))

    @property
    def learning_records(self):
        """xAPI statements of what is recorded, queued with it in the outbox (tutor.learning_records)."""
        from .learning_records import LearningRecords

        return self._once("learning_records", lambda: LearningRecords(self))

    @property
    def chain(self):
        """The answer chain (retrieval.AnswerChain) over the index at paths.index_dir."""
        def build():
            from retrieval import build_answer_chain

            cfg = self.settings
            log.info("answer chain over %s (mode %s)", cfg.path(cfg.paths.index_dir), cfg.retrieval.answer.mode)
            return build_answer_chain(cfg.path(cfg.paths.index_dir), cfg.path(cfg.paths.cache_dir), cfg.retrieval,
                                      self._embedder, self._generator)

        return self._once("chain", build)

    @property
    def embedder(self):
        return self.chain.embedder

    def index_version(self) -> str:
        """The name of the index version now serving (IndexNotFound before the first ingest)."""
        return self.chain.retriever.version().root.name

    def _per_index(self, name: str, build) -> Any:
        """A part derived from the course index, rebuilt when an ingest has swapped the index."""
        version = self.index_version()
        with self._lock:
            cached = self._built.get(name)
            if cached is None or cached[0] != version:
                self._built[name] = (version, build())
                give_back_freed_memory()
            return self._built[name][1]

    def sync_bank(self) -> None:
        """Bring the question bank up to date with the index now serving, once per index version (per process);
        trainers' decisions and edits survive it (assessment.sync_question_bank)."""
        from assessment import sync_question_bank

        def sync() -> bool:
            courses, chunks = self.chain.retriever.corpus()
            cfg = self.settings.assessment
            sync_question_bank(self.records.learning, courses, chunks if cfg.generate_questions else [], self.embedder,
                               multilingual=self.chain.retriever.multilingual, auto_approve_score=cfg.auto_approve_score,
                               settings=cfg)
            return True

        self._per_index("question_bank", sync)

    def quiz(self):
        """The quiz service (assessment.QuizService), its question bank brought up to date with the index."""
        from assessment import Grader, QuizService

        self.sync_bank()

        def build():
            cfg = self.settings.assessment
            # One multilingual encoder for search, grading and Chinese quiz topics (None: assessment's own).
            multilingual = self.chain.retriever.multilingual
            grader = Grader.from_settings(self.embedder, cfg, multilingual=multilingual)
            return QuizService(self.records.learning, grader, cfg, self.embedder, multilingual=multilingual)

        return self._once("quiz", build)

    def catalogue(self):
        """The course catalogue (recommender.Catalogue) of the index now serving."""
        from recommender import Catalogue

        return self._per_index("catalogue", lambda: Catalogue.from_metadata(self.chain.retriever.corpus()[0]))

    def recommender(self):
        """Rebuilt only when the catalogue or the enrolments changed since the last request."""
        from recommender import Recommender

        enrolments = self.records.profiles.all_enrolments()
        catalogue = self.catalogue()
        key = (self.index_version(), len(enrolments), enrolments[-1]["updated"] if enrolments else 0)
        with self._lock:
            cached = self._built.get("recommender")
            if cached is None or cached[0] != key:
                cached = self._built["recommender"] = (key, Recommender(catalogue, self.embedder, self.settings.recommender, enrolments))
                give_back_freed_memory()
            return cached[1]

    def profile(self, learner: str):
        """Everything the recommender may use about a learner (recommender.LearnerProfile)."""
        from recommender import LearnerProfile

        records = self.records
        row = records.profiles.profile(learner) or {}
        return LearnerProfile(
            learner=learner, role=row.get("role", ""), goals=row.get("goals", ""), group=row.get("group_name", ""),
            completed=set(records.profiles.courses(learner, "completed")),
            mastery={s: {"p_mastery": r["p_mastery"], "attempts": r["attempts"], "correct": r["correct"]}
                     for s, r in records.learning.mastery(learner).items()},
            asked=records.turns.cited_courses(learner), since=row.get("created", 0.0),
        )

    def groups(self, learner: str) -> set[str]:
        """The role and team a learner told the tutor; course audiences are matched against them."""
        row = self.records.profiles.profile(learner) or {}
        return {g for g in (row.get("role", ""), row.get("group_name", "")) if g}

    def readable_courses(self, learner: str, lang: str) -> set[str]:
        """The visible courses a learner of `lang` is shown in lists (help, greeting, recommendations, "the
        courses cover…"): those written in `lang`, and English ones for everyone, since the tutor frames answers
        from them in the learner's language. Answers still draw on every visible course: a bilingual learner may
        ask in one language about a course in the other."""
        catalogue = self.catalogue()
        return {cid for cid in self.visible_courses(learner)
                if course_language(catalogue.courses[cid]) in (lang, DEFAULT_LANGUAGE)}

    def courses_in(self, course_ids: set[str], lang: str) -> set[str]:
        """Those of `course_ids` written in `lang`."""
        catalogue = self.catalogue()
        return {cid for cid in course_ids if course_language(catalogue.courses[cid]) == lang}

    def visible_courses(self, learner: str) -> set[str]:
        """Courses whose audience includes this learner (answers, quizzes and recommendations draw only on them)."""
        from retrieval import audience_allows

        groups = self.groups(learner)
        return {c.course_id for c in self.catalogue().courses.values() if audience_allows(",".join(c.audience), groups)}


@functools.lru_cache(maxsize=1)
def _libc() -> Any:
    try:
        libc = ctypes.CDLL("libc.so.6")
        return libc if hasattr(libc, "malloc_trim") else None
    except OSError:
        return None


def give_back_freed_memory() -> None:
    """Hand back to the system what building a part allocated and freed again (the question bank's sync, the
    recommender's catalogue vectors): glibc keeps freed memory for reuse, about 60 MB of the action server after
    its first quiz and recommendations (docs/evaluation.md, "Memory"). Does nothing where the C library is not glibc."""
    libc = _libc()
    if libc is not None:
        libc.malloc_trim(0)


def course_language(course) -> str:
    """The language a course is written in: as its front matter declares, else as its title and summary read."""
    return course.language or detect_language(f"{course.title}. {course.summary}") or DEFAULT_LANGUAGE
