"""The Tutor: one object, built once from the settings, that every shell calls (the Rasa actions, the CLI, the
Slack relay through Rasa, the console, the evaluations). Its methods take who is learning and what they said, do
what the tutor does (recording it), and return an Outcome: typed replies in the learner's language, and what the
dialogue needs to carry on."""
from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

from messages import LANGUAGES, QuizQuestion, Reply
from store import AuditTrail, Records, pseudonym

from .answering import Answering
from .endpoints import tracker_store_url
from .guidance import Guidance
from .outcome import Outcome
from .parts import Parts
from .question_bank import QuestionBank
from .quizzing import Quizzing
from .reports import WeeklySummary
from .settings import Settings, load_settings
from .unsaved import STORE_ERRORS
from .wording import DEFAULT_LANGUAGE, Words, message_language, worded

log = logging.getLogger(__name__)


class Tutor:
    """Thread-safe; loads nothing until a method needs it (models, the index, the question bank)."""

    def __init__(self, settings: Settings, *, embedder: Any = None, generator: Any = None) -> None:
        self.settings = settings
        self.parts = Parts(settings, embedder=embedder, generator=generator)
        self._answering = Answering(self.parts)
        self._quizzing = Quizzing(self.parts)
        self._guidance = Guidance(self.parts)
        self.question_bank = QuestionBank(self.parts)  # trainers' review of the quiz questions (the console)
        self._weekly = WeeklySummary(self.parts, self._top_course)

    @classmethod
    def from_settings_file(cls, path: Path | None = None) -> "Tutor":
        """The Tutor for the settings file at `path` (default: $TUTOR_CONFIG, else ./tutor.yml)."""
        return cls(load_settings(path))

    def words(self, learner: str, lang: str | None = None) -> Words:
        """The wording of a reply to this learner: in `lang` (the language of the turn, where the caller knows it),
        else in the learner's remembered language (English until one is known)."""
        return Words(lang if lang in LANGUAGES else self.language(learner))

    def words_for(self, learner: str, text: str = "") -> Words:
        """The wording of a reply to `text` (what the learner just said): in its language, else the learner's.
        Remembers nothing: for what a channel says before or without the dialogue ("Thinking…", "try again")."""
        return self.words(learner, message_language(text))

    def language(self, learner: str) -> str:
        """The language this learner last wrote in; English until a message showed one."""
        return self._remembered_language(learner) or DEFAULT_LANGUAGE

    def note_language(self, learner: str, text: str, known: str | None = None) -> str:
        """The language to answer this turn in: the message's own when it shows one, else `known` (what the
        dialogue already knows, its `language` slot), else the learner's remembered language, else English.

        A message that shows its language is remembered for the learner, so their next conversation, channel or
        wordless reply ("2", "ok", a button) is answered in it too; a message that shows none changes nothing."""
        remembered = self._remembered_language(learner)
        shown = message_language(text)
        if shown and shown != remembered:
            try:
                self.records.profiles.set_language(learner, shown)
            except STORE_ERRORS as exc:  # this turn is still answered in it; the next may have to be told again
                log.warning("could not remember the language of %s: %s", pseudonym(learner), exc)
        return shown or (known if known in LANGUAGES else None) or remembered or DEFAULT_LANGUAGE

    def _remembered_language(self, learner: str) -> str:
        try:
            lang = self.records.profiles.language(learner)
        except STORE_ERRORS as exc:
            log.warning("could not read the language of %s: %s", pseudonym(learner), exc)
            return ""
        return lang if lang in LANGUAGES else ""

    @property
    def records(self) -> Records:
        return self.parts.records

    @property
    def learning_records(self):
        """xAPI statements for the company's LRS: the outbox, its delivery and dead letters (tutor.learning_records)."""
        return self.parts.learning_records

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
                        progress=progress, cache_dir=cfg.path(cfg.paths.cache_dir))
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

    # Every method below takes `lang`, the language of the turn (see note_language); without it, replies are in
    # the learner's remembered language. Each reply carries its language for the channels' own labels.

    # Questions about the courses
    def answer(self, learner: str, text: str, conversation: str = "", channel: str = "", *, record: bool = True,
               mode: str | None = None, offer_quiz: bool = True, context: dict | None = None,
               lang: str | None = None) -> Outcome:
        """Answer from the courses the learner may see, with sources; record the turn (unless `record` is False)
        and offer a quick quiz on the answer's section (`quiz_offer`). Without `lang`, the answer is framed in the
        question's own language (`tutor ask`), else the learner's; quotes stay in the courses' language.

        `context` is the previous answer's `values["answer_context"]`, which the dialogue keeps between turns: with
        it, follow-ups ("and for contractors?", "tell me more", "simpler please") are read against that answer."""
        w = self.words(learner, lang) if lang else self.words_for(learner, text)
        return worded(self._answering.answer(learner, text, w, conversation, channel, record=record, mode=mode,
                                             offer_quiz=offer_quiz, context=context), w)

    def feedback(self, learner: str, turn_id: str, value: str, *, lang: str | None = None) -> Outcome:
        """👍 'up', 👎 'down' or 'human' (ask a trainer) on an answer. The reply is a FeedbackReceived, which channels
        also use to notify trainers."""
        w = self.words(learner, lang)
        return worded(self._answering.feedback(learner, turn_id, value, w), w)

    # Quizzes
    def start_quiz(self, learner: str, topic: str = "", review: bool = False, *, lang: str | None = None) -> Outcome:
        w = self.words(learner, lang)
        return worded(self._quizzing.start(learner, topic, review, w), w)

    def current_question(self, learner: str, *, lang: str | None = None) -> Outcome:
        w = self.words(learner, lang)
        return worded(self._quizzing.current(learner, w), w)

    def quiz_question(self, learner: str, *, lang: str | None = None) -> QuizQuestion | None:
        """The question waiting for this learner's answer, or None."""
        w = self.words(learner, lang)
        question = self._quizzing.question(learner, w)
        if question is not None:
            question.lang = w.lang
        return question

    def answer_quiz(self, learner: str, text: str, latency_ms: float = 0.0, *, lang: str | None = None) -> Outcome:
        w = self.words(learner, lang)
        return worded(self._quizzing.answer(learner, text, latency_ms, w), w)

    def skip_question(self, learner: str, *, lang: str | None = None) -> Outcome:
        w = self.words(learner, lang)
        return worded(self._quizzing.skip(learner, w), w)

    def quiz_hint(self, learner: str, *, lang: str | None = None) -> Outcome:
        w = self.words(learner, lang)
        return worded(self._quizzing.hint(learner, w), w)

    def pause_quiz(self, learner: str, *, lang: str | None = None) -> Outcome:
        w = self.words(learner, lang)
        return worded(self._quizzing.pause(learner, w), w)

    def resume_quiz(self, learner: str, *, lang: str | None = None) -> Outcome:
        w = self.words(learner, lang)
        return worded(self._quizzing.resume(learner, w), w)

    def flag_question(self, learner: str, reason: str = "", *, previous: bool = False, lang: str | None = None) -> Outcome:
        """A learner flags the quiz question they are looking at ("this question is wrong"), or the one they answered
        last when `previous`, with their `reason` ('' when they gave none): kept, one flag per learner, for the
        trainers' review of the bank (often-flagged questions are listed there). The quiz carries on as it was."""
        w = self.words(learner, lang)
        return worded(self._quizzing.flag(learner, reason, previous, w), w)

    def quiz_command_outside(self, learner: str, *, lang: str | None = None) -> Outcome:
        w = self.words(learner, lang)
        return worded(self._quizzing.command_outside(learner, w), w)

    @staticmethod
    def reads_as_choice(text: str, options: list[str]) -> bool:
        """Whether `text` picks one of `options` (by number, letter or text)."""
        from assessment import InvalidAnswer, parse_choice

        try:
            parse_choice(text, options)
            return True
        except InvalidAnswer:
            return False

    def progress(self, learner: str, *, lang: str | None = None) -> Outcome:
        w = self.words(learner, lang)
        return worded(self._quizzing.progress(learner, w), w)

    def greet(self, learner: str, *, lang: str | None = None) -> Outcome:
        """The greeting, naming the topics of the ingested courses, with a one-line summary of the learner's week
        (when they were active in it) and the reviews that are due."""
        w = self.words(learner, lang)
        outcome = self._quizzing.greeting(learner, w, self._guidance.topics(learner, w.lang))
        week = self._weekly.greeting_line(learner, w)
        if week:
            outcome.replies.insert(1, Reply(week))
        return worded(outcome, w)

    def weekly_summary(self, learner: str, *, lang: str | None = None) -> Outcome:
        """The learner's last 7 days: what they asked, mastered and have due, and the next step
        (`values["week"]` holds the numbers)."""
        w = self.words(learner, lang)
        return worded(self._weekly.summary(learner, w), w)

    def _top_course(self, learner: str, lang: str) -> str | None:
        recommended = self._guidance._recommendations(learner, lang)[1]
        return recommended[0].course.title if recommended else None

    def help(self, learner: str, *, lang: str | None = None) -> Outcome:
        """What the tutor does, naming the topics of the ingested courses this learner may see."""
        w = self.words(learner, lang)
        return worded(self._guidance.help(learner, w), w)

    def say(self, learner: str, key: str, *, lang: str | None = None, **values: Any) -> Outcome:
        """One plain reply from the wording catalogue (`key`), for what the dialogue says without a capability:
        "anything else?", "back to the quiz", "no text there"."""
        w = self.words(learner, lang)
        return worded(Outcome([Reply(w(key, **values))]), w)

    # What to learn next
    def recommend(self, learner: str, *, lang: str | None = None) -> Outcome:
        w = self.words(learner, lang)
        return worded(self._guidance.recommend(learner, w), w)

    def plan_path(self, learner: str, target: str, *, lang: str | None = None) -> Outcome:
        w = self.words(learner, lang)
        return worded(self._guidance.plan_path(learner, target, w), w)

    def set_profile(self, learner: str, role: str | None = None, goals: str | None = None, group: str | None = None,
                    *, lang: str | None = None) -> Outcome:
        w = self.words(learner, lang)
        return worded(self._guidance.set_profile(learner, w, role, goals, group), w)

    def set_role(self, learner: str, role: str, *, lang: str | None = None) -> Outcome:
        w = self.words(learner, lang)
        return worded(self._guidance.check_role(learner, role, w), w)

    def set_goal(self, learner: str, goal: str, *, lang: str | None = None) -> Outcome:
        w = self.words(learner, lang)
        return worded(self._guidance.check_goal(learner, goal, w), w)

    def confirm_profile(self, learner: str, *, lang: str | None = None) -> Outcome:
        w = self.words(learner, lang)
        return worded(self._guidance.confirm_profile(learner, w), w)

    def complete_course(self, learner: str, course: str, *, lang: str | None = None) -> Outcome:
        w = self.words(learner, lang)
        return worded(self._guidance.set_course_status(learner, course, "completed", w), w)

    def enrol(self, learner: str, course: str, *, lang: str | None = None) -> Outcome:
        w = self.words(learner, lang)
        return worded(self._guidance.set_course_status(learner, course, "enrolled", w), w)

    # Privacy
    def fit_learner_model(self, out: Path) -> dict[str, Any]:
        """Fit the learner model on this company's own quiz attempts and save it to `out` (point
        assessment.success_model at it). Refuses with ValueError below assessment.min_attempts_to_fit attempts:
        until then the bundled model is the better guess."""
        from assessment import fit_learner_model

        sequences = list(self.records.learning.attempt_sequences().values())
        attempts = sum(len(s) for s in sequences)
        needed = self.settings.assessment.min_attempts_to_fit
        if attempts < needed:
            raise ValueError(f"{attempts} quiz attempts recorded; fitting needs at least {needed} "
                             "(assessment.min_attempts_to_fit). The bundled model serves until then.")
        model = fit_learner_model(sequences, meta={"made": "tutor fit-learner-model on this tutor's quiz attempts",
                                                   "fitted": time.time()})
        model.save(out)
        log.info("learner model fitted on %d attempts of %d learners → %s", attempts, len(sequences), out)
        return {"attempts": attempts, "learners": len(sequences), "skills": len(model.difficulty), "path": str(out)}

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
        """Delete transcripts (turns, their notes, Rasa's events) older than console.retention_days, and audit
        trail entries older than console.audit_retention_days (unless 0)."""
        now = time.time()
        cutoff = now - self.settings.console.retention_days * 86400
        deleted = self.records.delete_turns_before(cutoff)
        events = self.tracker_events()
        if events is not None:
            deleted["tracker events"] = events.delete_before(cutoff)
        if self.settings.console.audit_retention_days:
            deleted["audit entries"] = AuditTrail(self.records.db).delete_before(
                now - self.settings.console.audit_retention_days * 86400)
        return deleted
