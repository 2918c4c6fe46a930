"""A quiz in a conversation: choose questions for the learner's level, grade each answer at once, update mastery
(BKT) and the review schedule (FSRS) in the same transaction as the attempt, and keep the session in the store so
a quiz survives restarts. What to tell the learner is returned as data; the shells word it."""
from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass, field
from typing import Any, Iterable

import numpy as np

from store import AnswerConflict

from .chinese import has_han, multilingual_embedder, segment
from .errors import NoActiveQuiz, NoQuestions, QuizMoved
from .grading import Grader
from .questions import CachedEmbedder
from .review import ReviewScheduler, rating_for
from .settings import AssessmentSettings
from .learner_model import Attempt, LearnerModel
from .tracing import BKTParams, predict_correct, update_mastery

log = logging.getLogger(__name__)


@dataclass
class Graded:
    """The outcome of one answer (or skip) to `question`."""

    question: dict[str, Any]
    correct: bool
    skipped: bool = False


@dataclass
class QuizTurn:
    """Where a quiz stands after a step: the last answer's grade, then the next question or the end."""

    graded: Graded | None = None
    question: dict[str, Any] | None = None
    position: int = 0  # 1-based position of `question`; answered so far when the quiz ended or paused
    total: int = 0
    finished: bool = False
    correct: int = 0
    topic: str = ""
    mastery: dict[str, float] = field(default_factory=dict)  # at the end: the quiz's skills and their mastery


@dataclass
class Hint:
    question: dict[str, Any]
    wrong_option: str = ""  # multiple choice of three options or more: an option that is not the answer
    start: str = ""  # short text: how the answer begins (neither for true or false: only where to look)
    words: int = 0


@dataclass
class Standing:
    """A learner's mastery per skill and the questions due for review, by skill."""

    mastery: dict[str, dict[str, Any]]
    due: dict[str, int]

    @property
    def due_count(self) -> int:
        return sum(self.due.values())


# Below this a Chinese topic is not covered. Over the Chinese course's questions, eight topics it covers (钓鱼邮件,
# 密码, 多因素认证, 锁屏, 病毒, 机密文件, 信息安全 …) scored 0.38-0.74, five it does not (篮球比赛规则, 做饭, 怎么报销差旅费,
# 项目管理, 开会) 0.12-0.24.
ZH_MIN_TOPIC_SIMILARITY = 0.3


def _shifted(base: float, question: dict[str, Any]) -> float:
    """A skill's predicted success moved by the question's own difficulty (0.5: none)."""
    base = min(max(base, 1e-3), 1 - 1e-3)
    logit = math.log(base / (1 - base)) - 2.0 * (question["difficulty"] - 0.5)
    return 1 / (1 + math.exp(-logit))


def _servable(question: dict[str, Any] | None) -> bool:
    """Whether a question may be asked now: it exists and is approved (a retired or draft one is not)."""
    return question is not None and question.get("status", "approved") == "approved"


def _language_of(topic: str) -> str | None:
    """The language a topic is written in: Chinese, English, or None for no topic (or only digits)."""
    if has_han(topic):
        return "zh"
    return "en" if any("a" <= ch.lower() <= "z" for ch in topic) else None


# A topic's course is the one whose few nearest questions are nearest on average, not the one holding the single
# nearest question: "security" is nearest to one data-privacy question about breaches ("a _____ is a security
# incident …", 0.464) and just behind it to three information-security ones (0.459, 0.441, 0.412).
TOPIC_EVIDENCE = 3


def _nearest_course(questions: list[dict[str, Any]], sims: np.ndarray, floor: float) -> str:
    """Among the courses with a question at least `floor` near, the one whose `TOPIC_EVIDENCE` nearest questions
    (all it has, if fewer) are nearest on average; the nearest single question breaks a tie."""
    by_course: dict[str, list[float]] = {}
    for question, sim in zip(questions, sims):
        by_course.setdefault(question["course_id"], []).append(float(sim))

    def strength(course: str) -> tuple[float, float]:
        top = sorted(by_course[course], reverse=True)[:TOPIC_EVIDENCE]
        return sum(top) / len(top), top[0]

    return max((c for c in by_course if max(by_course[c]) >= floor), key=strength)


class QuizService:
    def __init__(self, store, grader: Grader, settings: AssessmentSettings, embedder=None, multilingual=None) -> None:
        self.store = store  # a store.LearningStore
        self.grader = grader
        self.settings = settings
        self.embedder = embedder
        # Question descriptions are embedded once, not on every quiz start.
        self._described = CachedEmbedder(embedder) if embedder is not None else None
        self._multilingual: CachedEmbedder | None = None  # for Chinese topics, made on the first one
        self._multilingual_source = multilingual  # the encoder to use for it (default: the shared one)
        self.reviews = ReviewScheduler(settings.desired_retention)
        self.params = BKTParams(settings.bkt_p_init, settings.bkt_p_learn, settings.bkt_p_slip, settings.bkt_p_guess)
        self.success_model = None if settings.success_model == "bkt" else LearnerModel.load(settings.success_model)

    # Choosing questions
    def predicted_success(self, learner_mastery: dict[str, dict], question: dict[str, Any],
                          history: list[Attempt] | None = None) -> float:
        """The chance the learner answers `question` right: the success model over their attempt `history` (oldest
        first) where there is one, else from the skill's BKT mastery; then shifted by the question's difficulty."""
        return _shifted(self._skill_success(learner_mastery, [question["skill"]], history)[question["skill"]], question)

    def _skill_success(self, learner_mastery: dict[str, dict], skills: Iterable[str],
                       history: list[Attempt] | None) -> dict[str, float]:
        """Per skill, before the question's difficulty: the success model (the history replayed once) or BKT."""
        if self.success_model is not None and history is not None:
            return self.success_model.predict_skills(history, skills)
        return {s: predict_correct(learner_mastery.get(s, {}).get("p_mastery", self.params.p_init), self.params)
                for s in skills}

    def servable(self, courses: set[str] | None = None) -> list[dict[str, Any]]:
        """The questions a quiz may ask, of the `courses` given (None: all): approved ones only (authored,
        trainer-written, and generated ones a trainer approved or whose quality reached the auto-approve score).
        Drafts and retired questions never reach learners."""
        return [q for q in self.store.questions(status="approved") if courses is None or q["course_id"] in courses]

    def _topic_questions(self, topic: str, courses: set[str] | None = None, language: str | None = None) -> list[dict[str, Any]]:
        everything = self.servable(courses)
        if not everything:
            raise NoQuestions("no_bank")
        language = language or _language_of(topic)
        # A quiz in the learner's language, where the bank has one.
        own = [q for q in everything if has_han(q["prompt"]) == (language == "zh")] if language else everything
        if not topic.strip() or self.embedder is None:
            return own or everything
        # A Chinese topic the Chinese questions do not cover may be covered in English: the multilingual encoder
        # matches across the two. English topics keep to English questions, as MiniLM cannot read Chinese.
        tries = [own, everything] if language == "zh" and len(own) < len(everything) else [own or everything]
        for questions in (t for t in tries if t):
            found = self._on_topic(topic, questions, language)
            if found:
                return found
        raise NoQuestions("no_topic", topic=topic, titles=sorted({q["course_title"] for q in tries[-1]}))

    def _on_topic(self, topic: str, questions: list[dict[str, Any]], language: str | None) -> list[dict[str, Any]]:
        """The questions of the course nearest `topic`, nearest first; [] when none is near enough."""
        if language == "zh":
            sims, floor = self._chinese_topic_similarities(topic, questions), ZH_MIN_TOPIC_SIMILARITY
        else:
            described = [f"{q['course_title']}: {q['section']}. {q['skill'].replace('-', ' ')}. {q['prompt']}" for q in questions]
            sims, floor = self._described.embed(described) @ self.embedder.embed([topic])[0], self.settings.min_topic_similarity
        if float(np.max(sims)) < floor:
            return []
        course = _nearest_course(questions, sims, floor)
        ranked = sorted((float(-s), i) for i, s in enumerate(sims) if questions[i]["course_id"] == course)
        best = -ranked[0][0]
        close = [questions[i] for neg, i in ranked if -neg >= best - 0.15]
        if len(close) >= self.settings.quiz_length:
            return close
        # Too few close matches: fill up with the course's next-nearest questions that are still on the topic, so
        # "quiz me on sabbatical" never turns into a quiz on the rest of the handbook (a shorter quiz instead).
        return [questions[i] for neg, i in ranked if -neg >= floor][: self.settings.quiz_length * 2]

    def _chinese_topic_similarities(self, topic: str, questions: list[dict[str, Any]]) -> np.ndarray:
        """A Chinese topic against each question's section and its prompt, the nearer of the two, by the
        multilingual encoder (the English embedder cannot match Chinese; one long description dilutes USE)."""
        if self._multilingual is None:
            self._multilingual = CachedEmbedder(self._multilingual_source or multilingual_embedder())
        wanted = self._multilingual.embed([topic])[0]
        sections = self._multilingual.embed([q["section"] or q["course_title"] for q in questions]) @ wanted
        return np.maximum(sections, self._multilingual.embed([q["prompt"] for q in questions]) @ wanted)

    def choose(self, learner: str, candidates: list[dict[str, Any]], count: int) -> list[dict[str, Any]]:
        """Questions whose predicted success is nearest the target band; unseen ones first."""
        mastery = self.store.mastery(learner)
        attempts = self.store.attempts(learner)
        seen = {a["question_id"] for a in attempts}
        history = [(a["skill"], int(a["correct"])) for a in attempts]
        low, high = self.settings.target_success_low, self.settings.target_success_high
        target = (low + high) / 2
        by_skill = self._skill_success(mastery, {q["skill"] for q in candidates}, history)

        def cost(q: dict[str, Any]) -> tuple[float, float, str]:
            p = _shifted(by_skill[q["skill"]], q)
            outside = 0.0 if low <= p <= high else min(abs(p - low), abs(p - high))
            return (outside + (0.5 if q["question_id"] in seen else 0.0), abs(p - target), q["question_id"])

        ranked = sorted(candidates, key=cost)
        chosen, skills = [], set()
        for q in ranked:  # prefer spreading over skills
            if q["skill"] not in skills or len(skills) >= len({c["skill"] for c in candidates}):
                chosen.append(q)
                skills.add(q["skill"])
            if len(chosen) == count:
                break
        for q in ranked:
            if len(chosen) == count:
                break
            if q not in chosen:
                chosen.append(q)
        return chosen

    # The quiz
    def start(self, learner: str, topic: str = "", review: bool = False, courses: set[str] | None = None,
              language: str | None = None) -> QuizTurn:
        """A new quiz on `topic` (or the due reviews), from the `courses` the learner may see (None: all), with
        questions in `language` ("en", "zh"; by default the topic's own, else any) where the bank has some."""
        if review:
            due = [self.store.question(c["question_id"]) for c in self.store.due_cards(learner, time.time())]
            chosen = [q for q in due if _servable(q) and (courses is None or q["course_id"] in courses)][: self.settings.quiz_length]
            if not chosen:
                raise NoQuestions("nothing_due")
        else:
            chosen = self.choose(learner, self._topic_questions(topic, courses, language), self.settings.quiz_length)
        session = self.store.create_session(learner, "review" if review else topic, [q["question_id"] for q in chosen])
        log.info("quiz %s started (%d questions)", session["session_id"][:8], len(chosen))
        return self._turn(session)

    def _session(self, learner: str) -> dict[str, Any]:
        session = self.store.open_session(learner)
        if session is None:
            raise NoActiveQuiz("no_active")
        return session

    def _turn(self, session: dict[str, Any], graded: Graded | None = None) -> QuizTurn:
        ids = session["question_ids"]
        base = QuizTurn(graded, None, session["position"], len(ids), False, session["correct"], session["topic"])
        if session["position"] >= len(ids):
            mastery = self.store.mastery(session["learner"])
            skills = {q["skill"] for q in map(self.store.question, ids) if q}
            base.finished = True
            base.mastery = {s: mastery[s]["p_mastery"] for s in sorted(skills) if s in mastery}
            return base
        base.question = self.store.question(ids[session["position"]])
        base.position = session["position"] + 1
        return base

    def current(self, learner: str) -> QuizTurn:
        return self._turn(self._session(learner))

    def resume(self, learner: str) -> QuizTurn:
        session = self._session(learner)
        self.store.update_session(session["session_id"], status="active")
        return self._turn(session)

    def pause(self, learner: str) -> QuizTurn:
        """Pause the quiz; the turn says how many questions were answered of how many."""
        session = self._session(learner)
        self.store.update_session(session["session_id"], status="paused")
        return QuizTurn(None, None, session["position"], len(session["question_ids"]), False, session["correct"], session["topic"])

    def hint(self, learner: str) -> Hint:
        session = self._session(learner)
        question = self.store.question(session["question_ids"][session["position"]])
        hints = list(session["hints"])
        if question["question_id"] not in hints:
            hints.append(question["question_id"])
            self.store.update_session(session["session_id"], hints=hints)
        if question["kind"] == "mcq" and len(question["options"]) <= 2:
            return Hint(question)  # true or false: the one wrong option is the answer's opposite
        if question["kind"] == "mcq":
            return Hint(question, wrong_option=next(o for o in question["options"] if o != question["answer"]))
        answer = question["answer"]
        words = len(segment(answer)) if has_han(answer) else len(answer.split())  # Chinese: jieba's words, not spaces
        return Hint(question, start=answer[:max(1, len(answer) // 4)], words=words)

    def answer(self, learner: str, text: str, latency_ms: float = 0.0) -> QuizTurn:
        """Grade the reply to the current question; InvalidAnswer leaves the quiz exactly where it was."""
        session = self._session(learner)
        question = self.store.question(session["question_ids"][session["position"]])
        if question["kind"] == "mcq":
            grade = self.grader.grade_choice(text, question["options"], question["answer"])
        else:
            grade = self.grader.grade_text(text, question["answer"], question=question["prompt"])
        return self._record(session, question, text, grade.correct, grade.score, skipped=False, latency_ms=latency_ms)

    def skip(self, learner: str) -> QuizTurn:
        session = self._session(learner)
        question = self.store.question(session["question_ids"][session["position"]])
        return self._record(session, question, "", False, 0.0, skipped=True, latency_ms=0.0)

    def _record(self, session, question, text, correct, score, skipped, latency_ms) -> QuizTurn:
        """Attempt, mastery, review card and position in one store transaction (store.LearningStore.record_answer)."""
        hinted = question["question_id"] in session["hints"]
        attempt = {"learner": session["learner"], "question_id": question["question_id"], "skill": question["skill"],
                   "answer": text[:500], "correct": int(correct), "skipped": int(skipped), "hinted": int(hinted),
                   "score": score, "latency_ms": latency_ms}

        def next_mastery(before: float | None) -> float:
            return update_mastery(self.params.p_init if before is None else before, correct, self.params)

        def next_card(card: dict[str, Any] | None) -> tuple[dict[str, Any], float]:
            return self.reviews.review(card, rating_for(correct, hinted, skipped))

        try:
            updated = self.store.record_answer(session["session_id"], session["position"], attempt, next_mastery, next_card)
        except AnswerConflict as exc:
            raise QuizMoved("moved") from exc
        return self._turn(updated, Graded(question, bool(correct), skipped))

    # Progress
    def standing(self, learner: str) -> Standing:
        due: dict[str, int] = {}
        for card in self.store.due_cards(learner, time.time()):
            q = self.store.question(card["question_id"])
            if _servable(q):
                due[q["skill"]] = due.get(q["skill"], 0) + 1
        return Standing(self.store.mastery(learner), due)
