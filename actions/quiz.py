"""Quiz actions: start, ask, validate (grade, hint, skip, pause, flag, interruptions), resume, flag a question,
progress."""
from __future__ import annotations

import time
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from messages import QuizQuestion
from tutor import QUIZ_ASKING, QUIZ_FINISHED, QUIZ_PAUSED

from .answer import answer_latest, offer_events
from .parsing import (asks_something, flag_reason, is_flag_request, is_option_only, looks_like_question, quiz_command,
                      quiz_topic, refers_to_previous, word_count)
from .reading import entities_of, intent_of, learner_id, text_of
from .runtime import LANGUAGE_SLOT, language_slot, send, turn_language, tutor

# Intents that, said confidently mid-quiz, ask for something else rather than answer the question.
OTHER_REQUESTS = {"recommend_next", "show_progress", "weekly_summary", "plan_path", "set_profile", "help", "start_quiz", "enrol_course", "mark_completed"}
# A flag_question this confident, on a message that names no question, is a flag rather than a quiz answer.
FLAG_CONFIDENCE = 0.8


def is_interruption(tracker: Tracker, question: QuizQuestion | None) -> bool:
    """A real question asked mid-quiz, not an answer: confident ask_question, question-shaped, 4+ words (a Chinese
    character counts as half a word)."""
    text = text_of(tracker).strip()
    intent, confidence = intent_of(tracker)
    if intent != "ask_question" or confidence < 0.6 or word_count(text) < 4 or not looks_like_question(text):
        return False
    return not (question is not None and question.kind == "mcq" and is_option_only(text))


def wants_to_flag(tracker: Tracker) -> bool:
    """A flag on the question mid-quiz: said outright ("this question is wrong", "flag this question", the flag
    button), or a confident flag_question that is neither an option pick nor worded as a question of its own."""
    text = text_of(tracker)
    if is_flag_request(text):
        return True
    intent, confidence = intent_of(tracker)
    return intent == "flag_question" and confidence >= FLAG_CONFIDENCE and not is_option_only(text) \
        and not asks_something(text)


def flag(dispatcher: CollectingDispatcher, tracker: Tracker, lang: str) -> None:
    """Flag the question the learner means (the one asked now, or the one answered last when they say "previous"),
    with the reason they gave, and send the thanks."""
    text = text_of(tracker)
    outcome = tutor().flag_question(learner_id(tracker), flag_reason(text), previous=refers_to_previous(text), lang=lang)
    send(dispatcher, outcome)


def is_other_request(tracker: Tracker, question: QuizQuestion | None) -> bool:
    """A confident request for something else (progress, recommendations…) that cannot be an answer."""
    intent, confidence = intent_of(tracker)
    if intent not in OTHER_REQUESTS or confidence < 0.8:
        return False
    text = text_of(tracker)
    if question is not None and question.kind == "mcq":
        return not tutor().reads_as_choice(text, question.options)
    return word_count(text) >= 3


class ActionStartQuiz(Action):
    """'quiz me on X', 'test me', 'review', or yes to the tutor's offer."""

    def name(self) -> str:
        return "action_start_quiz"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[dict[str, Any]]:
        intent, _ = intent_of(tracker)
        lang = turn_language(tracker)
        topic = tracker.get_slot("quiz_topic") if intent == "affirm" else quiz_topic(text_of(tracker))
        outcome = tutor().start_quiz(learner_id(tracker), topic or "", review=(intent == "start_review"), lang=lang)
        send(dispatcher, outcome)
        if outcome.quiz != QUIZ_ASKING:
            return [language_slot(lang), SlotSet("quiz_offered", False), FollowupAction("action_listen")]
        return [language_slot(lang), SlotSet("quiz_offered", False), SlotSet("quiz_started_at", time.time())]


class ActionStartQuizFromOffer(ActionStartQuiz):
    """Starts the offered quiz and hands over to the quiz form."""

    def name(self) -> str:
        return "action_start_quiz_from_offer"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[dict[str, Any]]:
        events = await super().run(dispatcher, tracker, domain)
        if any(e.get("event") == "followup" for e in events):
            return events
        return [*events, FollowupAction("quiz_form")]


class ActionAskQuizAnswer(Action):
    """The form's question: shows the current quiz question."""

    def name(self) -> str:
        return "action_ask_quiz_answer"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[dict[str, Any]]:
        lang = turn_language(tracker)
        outcome = tutor().current_question(learner_id(tracker), lang=lang)
        send(dispatcher, outcome)
        if outcome.quiz != QUIZ_ASKING:
            return [language_slot(lang), SlotSet("requested_slot", None),
                    SlotSet("quiz_answer", "done" if outcome.quiz == QUIZ_FINISHED else "none")]
        return [language_slot(lang), SlotSet("quiz_started_at", time.time())]


class ValidateQuizForm(FormValidationAction):
    def name(self) -> str:
        return "validate_quiz_form"

    async def validate_quiz_answer(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                   domain: dict[str, Any]) -> dict[str, Any]:
        lang = turn_language(tracker)
        return {**self._answer(value, dispatcher, tracker, lang), LANGUAGE_SLOT: lang}

    def _answer(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, lang: str) -> dict[str, Any]:
        learner, the = learner_id(tracker), tutor()
        question = the.quiz_question(learner, lang=lang)
        if question is None:
            outcome = the.current_question(learner, lang=lang)
            send(dispatcher, outcome)
            return {"quiz_answer": "done" if outcome.quiz == QUIZ_FINISHED else "none"}
        if wants_to_flag(tracker):  # recorded, not graded: the question is asked again and can still be answered
            flag(dispatcher, tracker, lang)
            return {"quiz_answer": None}
        intent, confidence = intent_of(tracker)
        command = quiz_command(text_of(tracker), intent, confidence)
        if intent == "give_feedback" and entities_of(tracker).get("turn_id"):
            # 👍 / 👎 / ask a human on an earlier answer, clicked during the quiz: recorded, not graded.
            entities = entities_of(tracker)
            send(dispatcher, the.feedback(learner, str(entities["turn_id"]), str(entities.get("feedback_value") or ""), lang=lang))
            return {"quiz_answer": None}
        if command == "stop":
            send(dispatcher, the.pause_quiz(learner, lang=lang))
            return {"quiz_answer": "paused"}
        if command == "hint":
            send(dispatcher, the.quiz_hint(learner, lang=lang))
            return {"quiz_answer": None}
        if is_interruption(tracker, question):
            answer_latest(dispatcher, tracker, lang, offer_quiz=False)
            send(dispatcher, the.say(learner, "quiz.back", lang=lang))
            return {"quiz_answer": None}
        if is_other_request(tracker, question):
            send(dispatcher, the.say(learner, "quiz.busy", lang=lang))
            return {"quiz_answer": None}
        started = tracker.get_slot("quiz_started_at")
        latency = (time.time() - float(started)) * 1000 if started else 0.0
        if command == "skip":
            outcome = the.skip_question(learner, lang=lang)
        else:
            outcome = the.answer_quiz(learner, str(value or ""), latency, lang=lang)
        send(dispatcher, outcome)
        return {"quiz_answer": {QUIZ_FINISHED: "done", QUIZ_PAUSED: "paused"}.get(outcome.quiz)}


class ActionQuizDone(Action):
    """After the form ends (finished or paused): clear its slot."""

    def name(self) -> str:
        return "action_quiz_done"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[dict[str, Any]]:
        return [SlotSet("quiz_answer", None)]


class ActionResumeQuiz(Action):
    def name(self) -> str:
        return "action_resume_quiz"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[dict[str, Any]]:
        lang = turn_language(tracker)
        outcome = tutor().resume_quiz(learner_id(tracker), lang=lang)
        send(dispatcher, outcome)
        return [language_slot(lang)] + ([] if outcome.quiz == QUIZ_ASKING else [FollowupAction("action_listen")])


class ActionQuizCommandOutsideQuiz(Action):
    """hint / skip / stop said when no quiz is running."""

    def name(self) -> str:
        return "action_quiz_command_outside_quiz"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[dict[str, Any]]:
        lang = turn_language(tracker)
        send(dispatcher, tutor().quiz_command_outside(learner_id(tracker), lang=lang))
        return [language_slot(lang)]


class ActionFlagQuestion(Action):
    """"this question is wrong", "flag this question: …" with no quiz form running (just after a quiz, or with one
    paused): flags the question the learner saw last, or says there is none. A message worded as a question of its
    own that names no quiz question ("what is wrong with my laptop setup?") is answered instead."""

    def name(self) -> str:
        return "action_flag_question"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[dict[str, Any]]:
        lang = turn_language(tracker)
        text = text_of(tracker)
        if not is_flag_request(text) and asks_something(text):
            return offer_events(answer_latest(dispatcher, tracker, lang), lang)
        flag(dispatcher, tracker, lang)
        return [language_slot(lang)]


class ActionShowProgress(Action):
    def name(self) -> str:
        return "action_show_progress"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[dict[str, Any]]:
        lang = turn_language(tracker)
        send(dispatcher, tutor().progress(learner_id(tracker), lang=lang))
        return [language_slot(lang)]
