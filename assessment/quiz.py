"""A quiz in a conversation: choose questions for the learner's level, grade each answer at once with an
explanation and citation, update mastery (BKT) and the review schedule (FSRS), and keep the session in the
store so a quiz survives restarts."""
from __future__ import annotations

import json
import logging
import math
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .errors import InvalidAnswer, NoActiveQuiz, NoQuestions
from .grading import Grader
from .questions import CachedEmbedder
from .review import ReviewScheduler, rating_for
from .settings import AssessmentSettings
from .tracing import BKTParams, predict_correct, update_mastery

log = logging.getLogger(__name__)


@dataclass
class QuizTurn:
    """What to tell the learner now: feedback on the last answer, then the next question or the summary."""

    feedback: str = ""
    correct: bool | None = None
    question: dict[str, Any] | None = None
    position: int = 0
    total: int = 0
    finished: bool = False
    summary: str = ""
    citation: dict[str, str] = field(default_factory=dict)


def mastery_words(p: float) -> str:
    return "mastered" if p >= 0.9 else "solid" if p >= 0.7 else "getting there" if p >= 0.4 else "just starting"


def citation_of(question: dict[str, Any]) -> dict[str, str]:
    return {"title": question["course_title"], "section": question["section"], "url": question["url"]}


def citation_text(question: dict[str, Any]) -> str:
    c = citation_of(question)
    where = f"{c['title']} › {c['section']}" if c["section"] else c["title"]
    return f"{where} ({c['url']})" if c["url"] else where


class QuizService:
    def __init__(self, store, grader: Grader, settings: AssessmentSettings, embedder=None) -> None:
        self.store = store
        self.grader = grader
        self.settings = settings
        self.embedder = embedder
        # Question descriptions are embedded once, not on every quiz start.
        self._described = CachedEmbedder(embedder) if embedder is not None else None
        self.reviews = ReviewScheduler(settings.desired_retention)
        self.params = BKTParams(settings.bkt_p_init, settings.bkt_p_learn, settings.bkt_p_slip, settings.bkt_p_guess)

    # Choosing questions
    def predicted_success(self, learner_mastery: dict[str, dict], question: dict[str, Any]) -> float:
        p = learner_mastery.get(question["skill"], {}).get("p_mastery", self.params.p_init)
        base = min(max(predict_correct(p, self.params), 1e-3), 1 - 1e-3)
        logit = math.log(base / (1 - base)) - 2.0 * (question["difficulty"] - 0.5)
        return 1 / (1 + math.exp(-logit))

    def _topic_questions(self, topic: str, courses: set[str] | None = None) -> list[dict[str, Any]]:
        questions = [q for q in self.store.questions() if courses is None or q["course_id"] in courses]
        if not questions:
            raise NoQuestions("There are no quiz questions yet: the courses need to be ingested first.")
        if not topic.strip() or self.embedder is None:
            return questions
        described = [f"{q['course_title']}: {q['section']}. {q['skill'].replace('-', ' ')}. {q['prompt']}" for q in questions]
        sims = self._described.embed(described) @ self.embedder.embed([topic])[0]
        best = float(np.max(sims))
        if best < self.settings.min_topic_similarity:
            titles = sorted({q["course_title"] for q in questions})
            raise NoQuestions(f"I have no questions about “{topic}”. I can quiz you on: {', '.join(titles)}.")
        course = questions[int(np.argmax(sims))]["course_id"]
        ranked = sorted((float(-s), i) for i, s in enumerate(sims) if questions[i]["course_id"] == course)
        close = [questions[i] for neg, i in ranked if -neg >= best - 0.15]
        # Too few close matches: fill up with the course's next-nearest questions.
        return close if len(close) >= self.settings.quiz_length else [questions[i] for _, i in ranked[: self.settings.quiz_length * 2]]

    def choose(self, learner: str, candidates: list[dict[str, Any]], count: int) -> list[dict[str, Any]]:
        """Questions whose predicted success is nearest the target band; unseen ones first."""
        mastery = self.store.mastery(learner)
        seen = {a["question_id"] for a in self.store.attempts(learner)}
        low, high = self.settings.target_success_low, self.settings.target_success_high
        target = (low + high) / 2

        def cost(q: dict[str, Any]) -> tuple[float, float, str]:
            p = self.predicted_success(mastery, q)
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
    def start(self, learner: str, topic: str = "", review: bool = False, courses: set[str] | None = None) -> QuizTurn:
        """A new quiz on `topic` (or the due reviews), from the `courses` the learner may see (None: all)."""
        if review:
            due = [self.store.question(c["question_id"]) for c in self.store.due_cards(learner, time.time())]
            chosen = [q for q in due if q and (courses is None or q["course_id"] in courses)][: self.settings.quiz_length]
            if not chosen:
                raise NoQuestions("Nothing is due for review right now — nice work. Say “quiz me” for a fresh quiz.")
        else:
            chosen = self.choose(learner, self._topic_questions(topic, courses), self.settings.quiz_length)
        session = self.store.create_session(learner, "review" if review else topic, [q["question_id"] for q in chosen])
        log.info("quiz %s started (%d questions)", session["session_id"][:8], len(chosen))
        return self._ask(session)

    def _session(self, learner: str) -> dict[str, Any]:
        session = self.store.open_session(learner)
        if session is None:
            raise NoActiveQuiz("You have no quiz in progress. Say “quiz me” or “quiz me on phishing” to start one.")
        return session

    def _ask(self, session: dict[str, Any], feedback: str = "", correct: bool | None = None, citation=None) -> QuizTurn:
        ids = session["question_ids"]
        if session["position"] >= len(ids):
            return self._finish(session, feedback, correct, citation)
        question = self.store.question(ids[session["position"]])
        return QuizTurn(feedback, correct, question, session["position"] + 1, len(ids), citation=citation or {})

    def current(self, learner: str) -> QuizTurn:
        return self._ask(self._session(learner))

    def resume(self, learner: str) -> QuizTurn:
        session = self._session(learner)
        self.store.update_session(session["session_id"], status="active")
        return self._ask(session, feedback="Welcome back — here's where we were.")

    def pause(self, learner: str) -> str:
        session = self._session(learner)
        self.store.update_session(session["session_id"], status="paused")
        done = session["position"]
        return (f"Quiz paused after {done} of {len(session['question_ids'])} questions. "
                "Say “resume quiz” whenever you want to carry on.")

    def hint(self, learner: str) -> str:
        session = self._session(learner)
        question = self.store.question(session["question_ids"][session["position"]])
        hints = list(session["hints"])
        if question["question_id"] not in hints:
            hints.append(question["question_id"])
            self.store.update_session(session["session_id"], hints=hints)
        if question["kind"] == "mcq":
            wrong = [o for o in question["options"] if o != question["answer"]]
            return f"Hint: it isn't “{wrong[0]}”. Look at {citation_text(question)}."
        answer = question["answer"]
        return f"Hint: the answer starts with “{answer[:max(1, len(answer) // 4)]}” ({len(answer.split())} word(s)). See {citation_text(question)}."

    def answer(self, learner: str, text: str, latency_ms: float = 0.0) -> QuizTurn:
        """Grade the reply to the current question; InvalidAnswer leaves the quiz exactly where it was."""
        session = self._session(learner)
        question = self.store.question(session["question_ids"][session["position"]])
        if question["kind"] == "mcq":
            grade = self.grader.grade_choice(text, question["options"], question["answer"])
        else:
            grade = self.grader.grade_text(text, question["answer"])
        return self._record(session, question, text, grade.correct, grade.score, skipped=False, latency_ms=latency_ms)

    def skip(self, learner: str) -> QuizTurn:
        session = self._session(learner)
        question = self.store.question(session["question_ids"][session["position"]])
        return self._record(session, question, "", False, 0.0, skipped=True, latency_ms=0.0)

    def _record(self, session, question, text, correct, score, skipped, latency_ms) -> QuizTurn:
        learner = session["learner"]
        hinted = question["question_id"] in session["hints"]
        self.store.record_attempt(
            learner=learner, question_id=question["question_id"], session_id=session["session_id"], skill=question["skill"],
            answer=text[:500], correct=int(correct), skipped=int(skipped), hinted=int(hinted), score=score, latency_ms=latency_ms,
        )
        before = self.store.mastery(learner).get(question["skill"], {}).get("p_mastery", self.params.p_init)
        self.store.save_mastery(learner, question["skill"], update_mastery(before, correct, self.params), correct)
        card = self.store.card(learner, question["question_id"])
        new_card, due = self.reviews.review(json.loads(card["card"]) if card else None, rating_for(correct, hinted, skipped))
        self.store.save_card(learner, question["question_id"], new_card, due)
        session["position"] += 1
        session["answered"] += 1
        session["correct"] += int(correct)
        self.store.update_session(session["session_id"], position=session["position"], answered=session["answered"], correct=session["correct"])
        return self._ask(session, self._feedback(question, correct, skipped), correct, citation_of(question))

    @staticmethod
    def _feedback(question: dict[str, Any], correct: bool, skipped: bool) -> str:
        why = question["explanation"] or ""
        source = f"Source: {citation_text(question)}"
        if skipped:
            return f"Skipped — the answer is “{question['answer']}”. {why} {source}".strip()
        if correct:
            return f"✅ Correct! {why} {source}".strip()
        return f"❌ Not quite — the answer is “{question['answer']}”. {why} {source}".strip()

    def _finish(self, session, feedback, correct, citation) -> QuizTurn:
        self.store.update_session(session["session_id"], status="finished")
        mastery = self.store.mastery(session["learner"])
        skills = sorted({self.store.question(q)["skill"] for q in session["question_ids"] if self.store.question(q)})
        levels = ", ".join(f"{s} {mastery[s]['p_mastery']:.0%}" for s in skills if s in mastery)
        summary = f"Quiz finished: {session['correct']} of {len(session['question_ids'])} correct." + (f" Mastery now: {levels}." if levels else "")
        return QuizTurn(feedback, correct, None, len(session["question_ids"]), len(session["question_ids"]), True, summary, citation or {})

    # Progress
    def progress(self, learner: str) -> str:
        mastery = self.store.mastery(learner)
        if not mastery:
            return "You haven't answered any quiz questions yet. Say “quiz me” to find out where you stand."
        lines = ["Here's how you're doing:"]
        for skill, row in sorted(mastery.items(), key=lambda kv: -kv[1]["p_mastery"]):
            lines.append(f"- {skill}: {row['p_mastery']:.0%} — {mastery_words(row['p_mastery'])} ({row['correct']} of {row['attempts']} right)")
        due = self.due_summary(learner)
        if due:
            lines.append(due)
        return "\n".join(lines)

    def due_summary(self, learner: str) -> str:
        cards = self.store.due_cards(learner, time.time())
        if not cards:
            return ""
        skills: dict[str, int] = {}
        for card in cards:
            q = self.store.question(card["question_id"])
            if q:
                skills[q["skill"]] = skills.get(q["skill"], 0) + 1
        parts = ", ".join(f"{n} on {s}" for s, n in skills.items())
        return f"{len(cards)} question{'s' if len(cards) != 1 else ''} due for review ({parts}) — say “review” to go through them."


__all__ = ["QuizService", "QuizTurn", "InvalidAnswer", "NoActiveQuiz", "NoQuestions"]
