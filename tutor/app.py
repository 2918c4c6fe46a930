"""The Tutor: one object, built once from the settings, that every shell calls (the Rasa actions, the CLI, the
Slack relay through Rasa, the console, the evaluations). Its methods take who is learning and what they said, do
what the tutor does (recording it), and return an Outcome: typed replies in the learner's language, and what the
dialogue needs to carry on."""
from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

from messages import QuizQuestion
from store import Records, pseudonym

from .answering import Answering
from .endpoints import tracker_store_url
from .guidance import Guidance
from .outcome import Outcome
from .parts import Parts
from .quizzing import Quizzing
from .settings import Settings, load_settings
from .wording import Words

log = logging.getLogger(__name__)


class Tutor:
    """Thread-safe; loads nothing until a method needs it (models, the index, the question bank)."""

    def __init__(self, settings: Settings, *, embedder: Any = None, generator: Any = None) -> None:
        self.settings = settings
        self.parts = Parts(settings, embedder=embedder, generator=generator)
        self._answering = Answering(self.parts)
        self._quizzing = Quizzing(self.parts)
        self._guidance = Guidance(self.parts)

    @classmethod
    def from_settings_file(cls, path: Path | None = None) -> "Tutor":
        """The Tutor for the settings file at `path` (default: $TUTOR_CONFIG, else ./tutor.yml)."""
        return cls(load_settings(path))

    def words(self, learner: str) -> Words:
        """The learner's wording (English until a learner's language is known)."""
        return Words("en")

    @property
    def records(self) -> Records:
        return self.parts.records

    @property
    def embedder(self):
        return self.parts.embedder

    # Course content
    def ingest(self, path: Path, progress: bool = False):
        """Add or update the course files under `path` in the index (retrieval.IngestReport), then get the
        question embedder ready so the first question does not wait for it. `catalogue_problems` on the report
        lists prerequisite cycles and unknown prerequisites in the courses' front matter."""
        from retrieval import QueryEmbedder, SentenceEmbedder, ingest

        cfg = self.settings
        report = ingest(path, cfg.path(cfg.paths.index_dir), SentenceEmbedder(cfg.retrieval.embedding), cfg.retrieval,
                        progress=progress)
        if report.total_chunks:
            report.catalogue_problems = self.parts.catalogue().report.problems()
            if cfg.retrieval.embedding.backend != "torch":
                try:
                    QueryEmbedder(cfg.retrieval.embedding, cfg.path(cfg.paths.cache_dir)).prepare()
                except Exception as exc:  # questions then use sentence-transformers, which always works
                    log.warning("could not export the embedding model to ONNX: %s", exc)
        return report

    def index_version(self) -> str:
        """The course index now serving (retrieval.IndexNotFound before the first ingest)."""
        return self.parts.index_version()

    # Questions about the courses
    def answer(self, learner: str, text: str, conversation: str = "", channel: str = "", *, record: bool = True,
               mode: str | None = None, offer_quiz: bool = True, context: dict | None = None) -> Outcome:
        """Answer from the courses the learner may see, with sources; record the turn (unless `record` is False)
        and offer a quick quiz on the answer's section (`quiz_offer`).

        `context` is the previous answer's `values["answer_context"]`, which the dialogue keeps between turns: with
        it, follow-ups ("and for contractors?", "tell me more", "simpler please") are read against that answer."""
        return self._answering.answer(learner, text, self.words(learner), conversation, channel, record=record,
                                      mode=mode, offer_quiz=offer_quiz, context=context)

    def feedback(self, learner: str, turn_id: str, value: str) -> Outcome:
        """👍 'up', 👎 'down' or 'human' (ask a trainer) on an answer. The reply is a FeedbackReceived, which channels
        also use to notify trainers."""
        return self._answering.feedback(learner, turn_id, value, self.words(learner))

    # Quizzes
    def start_quiz(self, learner: str, topic: str = "", review: bool = False) -> Outcome:
        return self._quizzing.start(learner, topic, review, self.words(learner))

    def current_question(self, learner: str) -> Outcome:
        return self._quizzing.current(learner, self.words(learner))

    def quiz_question(self, learner: str) -> QuizQuestion | None:
        """The question waiting for this learner's answer, or None."""
        return self._quizzing.question(learner, self.words(learner))

    def answer_quiz(self, learner: str, text: str, latency_ms: float = 0.0) -> Outcome:
        return self._quizzing.answer(learner, text, latency_ms, self.words(learner))

    def skip_question(self, learner: str) -> Outcome:
        return self._quizzing.skip(learner, self.words(learner))

    def quiz_hint(self, learner: str) -> Outcome:
        return self._quizzing.hint(learner, self.words(learner))

    def pause_quiz(self, learner: str) -> Outcome:
        return self._quizzing.pause(learner, self.words(learner))

    def resume_quiz(self, learner: str) -> Outcome:
        return self._quizzing.resume(learner, self.words(learner))

    def quiz_command_outside(self, learner: str) -> Outcome:
        return self._quizzing.command_outside(learner, self.words(learner))

    @staticmethod
    def reads_as_choice(text: str, options: list[str]) -> bool:
        """Whether `text` picks one of `options` (by number, letter or text)."""
        from assessment import InvalidAnswer, parse_choice

        try:
            parse_choice(text, options)
            return True
        except InvalidAnswer:
            return False

    def progress(self, learner: str) -> Outcome:
        return self._quizzing.progress(learner, self.words(learner))

    def greet(self, learner: str) -> Outcome:
        """The greeting, naming the topics of the ingested courses, with the reviews that are due."""
        return self._quizzing.greeting(learner, self.words(learner), self._guidance.topics(learner))

    def help(self, learner: str) -> Outcome:
        """What the tutor does, naming the topics of the ingested courses this learner may see."""
        return self._guidance.help(learner, self.words(learner))

    # What to learn next
    def recommend(self, learner: str) -> Outcome:
        return self._guidance.recommend(learner, self.words(learner))

    def plan_path(self, learner: str, target: str) -> Outcome:
        return self._guidance.plan_path(learner, target, self.words(learner))

    def set_profile(self, learner: str, role: str | None = None, goals: str | None = None, group: str | None = None) -> Outcome:
        return self._guidance.set_profile(learner, self.words(learner), role, goals, group)

    def set_role(self, learner: str, role: str) -> Outcome:
        return self._guidance.check_role(learner, role, self.words(learner))

    def set_goal(self, learner: str, goal: str) -> Outcome:
        return self._guidance.check_goal(learner, goal, self.words(learner))

    def confirm_profile(self, learner: str) -> Outcome:
        return self._guidance.confirm_profile(learner, self.words(learner))

    def complete_course(self, learner: str, course: str) -> Outcome:
        return self._guidance.set_course_status(learner, course, "completed", self.words(learner))

    def enrol(self, learner: str, course: str) -> Outcome:
        return self._guidance.set_course_status(learner, course, "enrolled", self.words(learner))

    # Privacy
    def tracker_events(self):
        """Rasa's dialogue events (store.TrackerEvents), where endpoints.yml keeps them; None when unreachable."""
        from store import tracker_events

        return tracker_events(tracker_store_url(self.settings))

    def forget(self, learner: str) -> dict[str, int]:
        """Delete everything about one learner: every learner table of the tutor's records, console notes on their
        turns, and Rasa's events of every conversation they spoke in. Returns rows deleted per table."""
        deleted, conversations = self.records.forget(learner)
        events = self.tracker_events()
        if events is not None:
            conversations |= events.conversations_of(learner)
            deleted["tracker events"] = events.delete_conversations(conversations)
        deleted["conversation_reviews"] = deleted.get("conversation_reviews", 0) + self.records.forget_reviews(conversations)
        log.info("forgot %s (%d conversations)", pseudonym(learner), len(conversations))
        return deleted

    def apply_retention(self) -> dict[str, int]:
        """Delete transcripts (turns, their notes, Rasa's events) older than console.retention_days."""
        cutoff = time.time() - self.settings.console.retention_days * 86400
        deleted = self.records.delete_turns_before(cutoff)
        events = self.tracker_events()
        if events is not None:
            deleted["tracker events"] = events.delete_before(cutoff)
        return deleted
