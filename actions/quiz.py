"""Quiz actions: start, ask, validate (grade, hint, skip, pause, interruptions), resume, progress."""
from __future__ import annotations

import logging
import re
import time
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from assessment import AssessmentError, InvalidAnswer, QuizTurn, parse_choice
from retrieval import RetrievalError

from . import services
from .identity import learner_id
from .answer import answer_and_record, looks_like_question
from .storage import STORE_ERRORS, report_unsaved

log = logging.getLogger(__name__)

_QUIZ_PREFIX = re.compile(
    r"^\s*(please\s+)?((can|could|would|will)\s+you\s+|i\s*(want|would\s+like|'d\s+like)\s+(you\s+)?(to\s+)?|let'?s\s+|"
    r"(give|send)\s+me\s+)?(do\s+|take\s+|have\s+)?(a\s+(quick\s+|short\s+)?)?"
    r"(quiz|test|check|examine|assess)(zes)?\s*(me|my knowledge|my understanding)?\s*(again\s*)?(on|about|in|for|with|of)?\s*",
    re.IGNORECASE)
_GENERIC_TOPIC = re.compile(r"^(a (quick )?(quiz|test)|quiz|test|me|something|anything|this|that|it)?[\s.!?]*$", re.IGNORECASE)
_COMMANDS = {
    "hint": {"hint", "a hint", "hint please", "give me a hint", "clue", "help me", "i need a hint"},
    "skip": {"skip", "skip it", "skip this", "skip this one", "next", "pass", "next question", "i don't know", "dont know", "no idea"},
    "stop": {"stop", "stop quiz", "stop the quiz", "pause", "pause quiz", "quit", "quit quiz", "end quiz", "exit", "enough", "stop for now", "later"},
}
_COMMAND_INTENTS = {"quiz_hint": "hint", "quiz_skip": "skip", "quiz_stop": "stop"}


def quiz_topic(text: str) -> str:
    """'quiz me on SQL joins' -> 'SQL joins'; 'test me' -> ''."""
    topic = _QUIZ_PREFIX.sub("", text or "").strip(" ?.!")
    return "" if _GENERIC_TOPIC.match(topic) else topic


def command_in(tracker: Tracker) -> str | None:
    """hint / skip / stop, by exact phrase or by a confident intent on a short message."""
    text = (tracker.latest_message.get("text") or "").strip().lower().strip(" .!?")
    for command, phrases in _COMMANDS.items():
        if text in phrases:
            return command
    intent = tracker.latest_message.get("intent") or {}
    command = _COMMAND_INTENTS.get(intent.get("name") or "")
    if command and (intent.get("confidence") or 0) >= 0.8 and len(text.split()) <= 6:
        return command
    return None


def is_interruption(tracker: Tracker, question: dict[str, Any] | None) -> bool:
    """A real question asked mid-quiz, not an answer: confident ask_question, question-shaped, 4+ words."""
    text = (tracker.latest_message.get("text") or "").strip()
    intent = tracker.latest_message.get("intent") or {}
    if intent.get("name") != "ask_question" or (intent.get("confidence") or 0) < 0.6:
        return False
    if len(text.split()) < 4 or not looks_like_question(text):
        return False
    return not (question and question["kind"] == "mcq" and re.fullmatch(r"\s*\(?[1-8a-hA-H]\)?\.?\s*", text))


_OTHER_REQUESTS = {"recommend_next", "show_progress", "plan_path", "set_profile", "help", "start_quiz", "enrol_course", "mark_completed"}


def is_other_request(tracker: Tracker, question: dict[str, Any] | None) -> bool:
    """A confident request for something else (progress, recommendations…) that cannot be an answer."""
    intent = tracker.latest_message.get("intent") or {}
    if intent.get("name") not in _OTHER_REQUESTS or (intent.get("confidence") or 0) < 0.8:
        return False
    text = tracker.latest_message.get("text") or ""
    if question and question["kind"] == "mcq":
        try:
            parse_choice(text, question["options"])
            return False
        except InvalidAnswer:
            return True
    return len(text.split()) >= 3


def send_question(dispatcher: CollectingDispatcher, turn: QuizTurn) -> None:
    q = turn.question
    head = f"Question {turn.position} of {turn.total} ({q['course_title']}):\n{q['prompt']}"
    payload = {"type": "quiz_question", "question_id": q["question_id"], "kind": q["kind"], "prompt": q["prompt"],
               "options": q["options"], "position": turn.position, "total": turn.total, "skill": q["skill"]}
    if q["kind"] == "mcq":
        options = "\n".join(f"{i}. {o}" for i, o in enumerate(q["options"], 1))
        buttons = [{"title": o, "payload": str(i)} for i, o in enumerate(q["options"], 1)]
        dispatcher.utter_message(text=f"{head}\n{options}\n(Reply with the number. Say “hint”, “skip” or “stop” any time.)",
                                 buttons=buttons, json_message=payload)
    else:
        dispatcher.utter_message(text=f"{head}\n(Type a short answer. Say “hint”, “skip” or “stop” any time.)", json_message=payload)


def send_outcome(dispatcher: CollectingDispatcher, turn: QuizTurn) -> None:
    if turn.feedback:
        dispatcher.utter_message(text=turn.feedback, json_message={"type": "quiz_feedback", "correct": turn.correct, "citation": turn.citation})
    if turn.finished:
        dispatcher.utter_message(text=turn.summary, json_message={"type": "quiz_summary", "summary": turn.summary})


class ActionStartQuiz(Action):
    """'quiz me on X', 'test me', 'review', or yes to the tutor's offer."""

    def name(self) -> str:
        return "action_start_quiz"

    async def run(self, dispatcher, tracker: Tracker, domain) -> list[dict[str, Any]]:
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        topic = tracker.get_slot("quiz_topic") if intent == "affirm" else quiz_topic(tracker.latest_message.get("text") or "")
        try:
            learner = learner_id(tracker)
            turn = services.quiz_service().start(learner, topic or "", review=(intent == "start_review"),
                                                 courses=services.allowed_courses(learner))
        except (AssessmentError, RetrievalError) as exc:
            dispatcher.utter_message(text=str(exc))
            return [SlotSet("quiz_offered", False), FollowupAction("action_listen")]
        except STORE_ERRORS as exc:
            report_unsaved(dispatcher, tracker, "a new quiz", exc)
            return [SlotSet("quiz_offered", False), FollowupAction("action_listen")]
        about = f" on {topic}" if topic else ""
        dispatcher.utter_message(text=f"Let's go: {turn.total} question{'s' if turn.total != 1 else ''}{about}.")
        return [SlotSet("quiz_offered", False), SlotSet("quiz_started_at", time.time())]


class ActionAskQuizAnswer(Action):
    """The form's question: shows the current quiz question."""

    def name(self) -> str:
        return "action_ask_quiz_answer"

    async def run(self, dispatcher, tracker: Tracker, domain) -> list[dict[str, Any]]:
        try:
            turn = services.quiz_service().current(learner_id(tracker))
        except AssessmentError as exc:
            dispatcher.utter_message(text=str(exc))
            return [SlotSet("requested_slot", None), SlotSet("quiz_answer", "none")]
        if turn.finished or turn.question is None:
            return [SlotSet("requested_slot", None), SlotSet("quiz_answer", "done")]
        send_question(dispatcher, turn)
        return [SlotSet("quiz_started_at", time.time())]


class ValidateQuizForm(FormValidationAction):
    def name(self) -> str:
        return "validate_quiz_form"

    async def validate_quiz_answer(self, value: Any, dispatcher, tracker: Tracker, domain) -> dict[str, Any]:
        learner = learner_id(tracker)
        quiz = services.quiz_service()
        try:
            current = quiz.current(learner)
        except AssessmentError as exc:
            dispatcher.utter_message(text=str(exc))
            return {"quiz_answer": "none"}
        command = command_in(tracker)
        if command == "stop":
            dispatcher.utter_message(text=quiz.pause(learner))
            return {"quiz_answer": "paused"}
        if command == "hint":
            dispatcher.utter_message(text=quiz.hint(learner))
            return {"quiz_answer": None}
        if is_interruption(tracker, current.question):
            answer_and_record(dispatcher, tracker)
            dispatcher.utter_message(text="Back to the quiz:")
            return {"quiz_answer": None}
        if is_other_request(tracker, current.question):
            dispatcher.utter_message(text="We're in the middle of a quiz. Answer it, say “skip”, or say “stop” to pause it — then ask me again.")
            return {"quiz_answer": None}
        started = tracker.get_slot("quiz_started_at")
        latency = (time.time() - float(started)) * 1000 if started else 0.0
        try:
            turn = quiz.skip(learner) if command == "skip" else quiz.answer(learner, str(value or ""), latency)
        except InvalidAnswer as exc:
            dispatcher.utter_message(text=str(exc))
            return {"quiz_answer": None}
        except STORE_ERRORS as exc:
            report_unsaved(dispatcher, tracker, "your answer (the quiz stays on this question)", exc)
            return {"quiz_answer": None}
        send_outcome(dispatcher, turn)
        return {"quiz_answer": "done" if turn.finished else None}


class ActionQuizDone(Action):
    """After the form ends (finished or paused): clear its slot."""

    def name(self) -> str:
        return "action_quiz_done"

    async def run(self, dispatcher, tracker: Tracker, domain) -> list[dict[str, Any]]:
        return [SlotSet("quiz_answer", None)]


class ActionResumeQuiz(Action):
    def name(self) -> str:
        return "action_resume_quiz"

    async def run(self, dispatcher, tracker: Tracker, domain) -> list[dict[str, Any]]:
        try:
            turn = services.quiz_service().resume(learner_id(tracker))
        except AssessmentError as exc:
            dispatcher.utter_message(text=str(exc))
            return [FollowupAction("action_listen")]
        dispatcher.utter_message(text=turn.feedback)
        return []


class ActionQuizCommandOutsideQuiz(Action):
    """hint / skip / stop said when no quiz is running."""

    def name(self) -> str:
        return "action_quiz_command_outside_quiz"

    async def run(self, dispatcher, tracker: Tracker, domain) -> list[dict[str, Any]]:
        session = services.learning_store().open_session(learner_id(tracker))
        if session and session["status"] == "paused":
            dispatcher.utter_message(text="Your quiz is paused. Say “resume quiz” to carry on, or “quiz me” for a new one.")
        else:
            dispatcher.utter_message(text="There's no quiz running. Say “quiz me” or “quiz me on phishing” to start one.")
        return []


class ActionShowProgress(Action):
    def name(self) -> str:
        return "action_show_progress"

    async def run(self, dispatcher, tracker: Tracker, domain) -> list[dict[str, Any]]:
        quiz = services.quiz_service()
        text = quiz.progress(learner_id(tracker))
        mastery = services.learning_store().mastery(learner_id(tracker))
        dispatcher.utter_message(text=text, json_message={"type": "progress", "mastery": {
            s: {"p_mastery": round(r["p_mastery"], 3), "attempts": r["attempts"], "correct": r["correct"]} for s, r in mastery.items()}})
        return []


class ActionRespondYesNo(Action):
    """Yes/no: accepts or declines the tutor's offer of a quiz; otherwise asks what else."""

    def name(self) -> str:
        return "action_respond_yes_no"

    async def run(self, dispatcher, tracker: Tracker, domain) -> list[dict[str, Any]]:
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        if tracker.get_slot("quiz_offered"):
            if intent == "affirm":
                return [FollowupAction("action_start_quiz_from_offer")]
            dispatcher.utter_message(text="No problem. Ask me anything else about your courses.")
            return [SlotSet("quiz_offered", False)]
        dispatcher.utter_message(response="utter_anything_else")
        return []


class ActionStartQuizFromOffer(ActionStartQuiz):
    """Starts the offered quiz and hands over to the quiz form."""

    def name(self) -> str:
        return "action_start_quiz_from_offer"

    async def run(self, dispatcher, tracker: Tracker, domain) -> list[dict[str, Any]]:
        events = await super().run(dispatcher, tracker, domain)
        if any(e.get("event") == "followup" for e in events):
            return events
        return [*events, FollowupAction("quiz_form")]


class ActionGreet(Action):
    """Greets, and proposes due reviews when there are some."""

    def name(self) -> str:
        return "action_greet"

    async def run(self, dispatcher, tracker: Tracker, domain) -> list[dict[str, Any]]:
        dispatcher.utter_message(response="utter_greet")
        try:
            due = services.quiz_service().due_summary(learner_id(tracker))
        except (AssessmentError, RetrievalError) as exc:
            log.warning("no review summary: %s", exc)
            due = ""
        if due:
            dispatcher.utter_message(text=due, buttons=[{"title": "Start my review", "payload": "review"}])
        return []
