"""The Rasa actions as the action server runs them: a tracker from JSON, rasa-sdk's CollectingDispatcher, and a
real Tutor over the sample course index and a temporary store."""
import asyncio
import sqlite3
from pathlib import Path

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

import actions
from actions import runtime
from messages import say
from tutor import Tutor, load_settings

pytestmark = pytest.mark.unit
LEARNER = "slack:T1:U42"


@pytest.fixture()
def tutor(tmp_path: Path, course_index: Path, real_embedder) -> Tutor:
    (tmp_path / "tutor.yml").write_text(f"paths:\n  index_dir: {course_index}\n  store: {tmp_path / 'tutor.db'}\n"
                                        f"  cache_dir: {tmp_path / 'cache'}\n")
    instance = Tutor(load_settings(tmp_path / "tutor.yml", environ={}), embedder=real_embedder)
    runtime.use(instance)
    return instance


def tracker(text: str, intent: str = "ask_question", confidence: float = 0.95, slots: dict | None = None,
            entities: list | None = None, sender: str = "slack:T1:D1:main") -> Tracker:
    message = {"text": text, "intent": {"name": intent, "confidence": confidence}, "entities": entities or []}
    return Tracker.from_dict({
        "sender_id": sender, "slots": slots or {}, "latest_message": message, "paused": False, "followup_action": None,
        "active_loop": {}, "latest_action_name": "action_listen",
        "events": [{"event": "user", "text": text, "parse_data": message, "input_channel": "slack",
                    "metadata": {"learner": LEARNER}}],
    })


def run(action, track: Tracker) -> tuple[list[dict], list[dict]]:
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, track, {}))
    return dispatcher.messages, events


def texts(messages: list[dict]) -> str:
    return "\n".join(m.get("text") or "" for m in messages)


def custom(messages: list[dict], kind: str) -> dict | None:
    return next((m["custom"] for m in messages if (m.get("custom") or {}).get("type") == kind), None)


def test_a_question_is_answered_recorded_for_the_learner_and_a_quiz_offered(tutor, tmp_path):
    messages, events = run(actions.ActionAnswerQuestion(), tracker("how do I report a phishing email?"))
    answer = custom(messages, "answer")
    assert answer["citations"][0]["course_id"] == "infosec-basics" and "Sources:" in texts(messages)
    assert {"event": "slot", "name": "quiz_offered", "value": True, "timestamp": None} in events
    with sqlite3.connect(tmp_path / "tutor.db") as db:
        row = db.execute("select learner, conversation_id, channel from turns where turn_id = ?", [answer["turn_id"]]).fetchone()
    assert row == (LEARNER, "slack:T1:D1:main", "slack")


def test_fallback_guides_empty_and_unclear_messages(tutor):
    assert "didn't get any text" in texts(run(actions.ActionHandleFallback(), tracker("  ", "nlu_fallback", 0.2))[0])
    assert "quiz you" in texts(run(actions.ActionHandleFallback(), tracker("hmm ok", "nlu_fallback", 0.2))[0])


def test_feedback_is_recorded_through_the_dialogue(tutor, tmp_path):
    answer = custom(run(actions.ActionAnswerQuestion(), tracker("what does SBI stand for?"))[0], "answer")
    entities = [{"entity": "turn_id", "value": answer["turn_id"]}, {"entity": "feedback_value", "value": "human"}]
    messages, _ = run(actions.ActionStoreFeedback(), tracker("/give_feedback", "give_feedback", 1.0, entities=entities))
    received = custom(messages, "feedback")
    assert received["stored"] and received["value"] == "human" and received["question"] == "what does SBI stand for?"
    with sqlite3.connect(tmp_path / "tutor.db") as db:
        assert db.execute("select feedback from turns where turn_id = ?", [answer["turn_id"]]).fetchone() == ("human",)
    unknown = [{"entity": "turn_id", "value": "nope"}, {"entity": "feedback_value", "value": "up"}]
    assert "couldn't match" in texts(run(actions.ActionStoreFeedback(), tracker("/give_feedback", "give_feedback", 1.0, entities=unknown))[0])


def validate(text: str, intent: str = "ask_question", confidence: float = 0.95, entities: list | None = None):
    dispatcher = CollectingDispatcher()
    result = asyncio.run(actions.ValidateQuizForm().validate_quiz_answer(
        text, dispatcher, tracker(text, intent, confidence, entities=entities), {}))
    return dispatcher.messages, result


def test_quiz_start_hint_feedback_mid_quiz_and_stop(tutor, tmp_path):
    messages, events = run(actions.ActionStartQuiz(), tracker("quiz me on phishing", "start_quiz"))
    assert "Let's go: 3 questions on phishing" in texts(messages)
    assert [e["name"] for e in events if e["event"] == "slot"] == ["language", "quiz_offered", "quiz_started_at"]
    question = custom(run(actions.ActionAskQuizAnswer(), tracker("quiz me on phishing", "start_quiz"))[0], "quiz_question")
    assert question["position"] == 1 and question["total"] == 3
    hint, result = validate("hint", "quiz_hint")
    assert texts(hint).startswith("Hint:") and result == {"quiz_answer": None, "language": "en"}
    answer = custom(run(actions.ActionAnswerQuestion(), tracker("what does MFA stand for?"))[0], "answer")
    entities = [{"entity": "turn_id", "value": answer["turn_id"]}, {"entity": "feedback_value", "value": "up"}]
    thanks, result = validate('/give_feedback{"feedback_value": "up"}', "give_feedback", 1.0, entities)
    assert "Thanks for the feedback" in texts(thanks) and result == {"quiz_answer": None, "language": "en"}
    with sqlite3.connect(tmp_path / "tutor.db") as db:
        assert db.execute("select count(*) from attempts").fetchone()[0] == 0  # recorded, not graded
    busy, result = validate("what should I learn next?", "recommend_next", 0.99)
    assert "middle of a quiz" in texts(busy) and result == {"quiz_answer": None, "language": "en"}
    paused, result = validate("stop", "quiz_stop")
    assert "paused after 0 of 3" in texts(paused) and result == {"quiz_answer": "paused", "language": "en"}
    assert "paused" in texts(run(actions.ActionQuizCommandOutsideQuiz(), tracker("hint", "quiz_hint"))[0])


def test_a_whole_quiz_through_the_form(tutor):
    run(actions.ActionStartQuiz(), tracker("quiz me on meetings", "start_quiz"))
    results = []
    for _ in range(3):
        question = custom(run(actions.ActionAskQuizAnswer(), tracker("x"))[0], "quiz_question")
        reply = "1" if question["kind"] == "mcq" else "no idea what this is"
        messages, result = validate(reply, "inform", 0.5)
        results.append(result["quiz_answer"])
        assert custom(messages, "quiz_feedback") is not None
    assert results == [None, None, "done"] and custom(messages, "quiz_summary")["total"] == 3
    progress = run(actions.ActionShowProgress(), tracker("how am I doing?", "show_progress"))[0]
    assert "Here's how you're doing" in texts(progress) and custom(progress, "progress")["mastery"]


def test_other_requests_and_questions_mid_quiz_are_told_from_free_text_answers_in_both_languages():
    from actions.quiz import is_interruption, is_other_request
    from messages import QuizQuestion

    free_text = QuizQuestion("Forward it how?", question_id="q", kind="short", prompt="Forward it how?")
    for text in ("how am I doing?", "我学得怎么样？", "看看我的学习进度"):
        assert is_other_request(tracker(text, "show_progress", 0.97), free_text), text
    for text in ("attachment", "附件", "转发"):  # one or two words are answers, whatever the NLU makes of them
        assert not is_other_request(tracker(text, "show_progress", 0.97), free_text), text
    for text in ("how long do I have to report a data breach?", "发现个人数据泄露，要在多少小时内上报？"):
        assert is_interruption(tracker(text, "ask_question", 0.9), free_text), text
    for text in ("作为附件转发", "立即报告"):
        assert not is_interruption(tracker(text, "ask_question", 0.9), free_text), text


def flags(tmp_path: Path) -> list[tuple]:
    with sqlite3.connect(tmp_path / "tutor.db") as db:
        return db.execute("select learner, question_id, reason from question_flags order by created").fetchall()


def test_a_question_flagged_mid_quiz_is_recorded_and_can_still_be_answered(tutor, tmp_path):
    run(actions.ActionStartQuiz(), tracker("quiz me on phishing", "start_quiz"))
    asked = custom(run(actions.ActionAskQuizAnswer(), tracker("quiz me on phishing", "start_quiz"))[0], "quiz_question")
    thanks, result = validate("report this question: the answer is outdated", "ask_question", 0.7)
    assert "I've flagged" in texts(thanks) and say("quiz.flagged_pending") in texts(thanks)
    assert result == {"quiz_answer": None, "language": "en"}  # asked again, not graded
    assert flags(tmp_path) == [(LEARNER, asked["question_id"], "the answer is outdated")]
    _, result = validate("two of the options look right to me", "flag_question", 0.93)  # the NLU alone, confident
    assert result["quiz_answer"] is None and flags(tmp_path)[0][2] == "two of the options look right to me"
    again = custom(run(actions.ActionAskQuizAnswer(), tracker("x"))[0], "quiz_question")
    assert again["question_id"] == asked["question_id"]
    graded, result = validate("1" if asked["kind"] == "mcq" else "no idea what this is", "flag_question", 0.85)
    assert custom(graded, "quiz_feedback") is not None and len(flags(tmp_path)) == 1
    with sqlite3.connect(tmp_path / "tutor.db") as db:
        assert db.execute("select question_id from attempts").fetchall() == [(asked["question_id"],)]


def test_flagging_with_no_quiz_running(tutor, tmp_path):
    nothing = texts(run(actions.ActionFlagQuestion(), tracker("this question is wrong", "flag_question"))[0])
    assert nothing == say("quiz.nothing_to_flag")
    assert texts(run(actions.ActionFlagQuestion(), tracker("这道题有问题", "flag_question"))[0]) == say("quiz.nothing_to_flag", "zh")
    # A question of the learner's own that the NLU took for a flag is answered, and nothing is flagged.
    messages, events = run(actions.ActionFlagQuestion(), tracker("what is wrong with my laptop setup?", "flag_question", 0.7))
    assert custom(messages, "answer") is not None and slot(events, "quiz_offered") is not None and flags(tmp_path) == []
    run(actions.ActionStartQuiz(), tracker("quiz me on meetings", "start_quiz"))
    for _ in range(3):
        question = custom(run(actions.ActionAskQuizAnswer(), tracker("x"))[0], "quiz_question")
        validate("1" if question["kind"] == "mcq" else "no idea what this is", "inform", 0.5)
    messages, events = run(actions.ActionFlagQuestion(), tracker("the last question was confusing", "flag_question"))
    assert texts(messages).startswith("Thanks — I've flagged") and say("quiz.flagged_pending") not in texts(messages)
    assert flags(tmp_path) == [(LEARNER, question["question_id"], "the last question was confusing")]


def test_unknown_quiz_topic_is_said_and_the_form_is_not_started(tutor):
    messages, events = run(actions.ActionStartQuiz(), tracker("quiz me on quantum basket weaving", "start_quiz"))
    assert "no questions about" in texts(messages)
    assert {"event": "followup", "name": "action_listen", "timestamp": None} in events


def test_profile_recommendations_and_paths(tutor):
    _, events = run(actions.ActionUpdateProfile(), tracker("I'm a data analyst aiming for senior analyst", "set_profile"))
    slots = {e["name"]: e["value"] for e in events if e["event"] == "slot"}
    assert slots == {"language": "en", "profile_role": "data analyst", "profile_goal": "senior analyst"}
    recs = custom(run(actions.ActionRecommendCourses(), tracker("what should I learn next?", "recommend_next"))[0], "recommendations")
    assert recs["items"][0]["course_id"] == "sql-for-analysts" and all(i["reasons"] for i in recs["items"])
    path = custom(run(actions.ActionPlanPath(), tracker("plan my path to Advanced SQL", "plan_path"))[0], "path")
    assert path["steps"] == ["sql-for-analysts", "advanced-sql"]
    assert "Well done" in texts(run(actions.ActionMarkCompleted(), tracker("I finished SQL for Analysts", "mark_completed"))[0])


def slot(events: list[dict], name: str = "language"):
    return next((e["value"] for e in events if e["event"] == "slot" and e["name"] == name), "unset")


def test_a_chinese_learner_is_answered_in_chinese_and_the_dialogue_told(tutor):
    messages, events = run(actions.ActionAnswerQuestion(), tracker("怎么举报钓鱼邮件？"))
    shown = texts(messages)
    assert slot(events) == "zh" and tutor.language(LEARNER) == "zh"
    framings = ("来源：", say("answer.not_covered", "zh"), say("answer.index_unavailable", "zh"))
    assert any(framing in shown for framing in framings), shown
    assert "Sources:" not in shown and "I couldn't find" not in shown
    # "2" and a button's payload show no language: the learner's stays, from the store or from the slot.
    progress, events = run(actions.ActionShowProgress(), tracker("2", "show_progress"))
    assert texts(progress) == say("progress.none", "zh") and slot(events) == "zh"
    messages, events = run(actions.ActionStartQuiz(), tracker("考考我《Information Security Basics》", "start_quiz"))
    assert texts(messages).startswith("开始吧：") and slot(events) == "zh"
    question = custom(run(actions.ActionAskQuizAnswer(), tracker("考考我", "start_quiz"))[0], "quiz_question")
    assert question["lang"] == "zh" and question["position"] == 1
    hint, result = validate("提示", "quiz_hint")
    assert texts(hint).startswith("提示：") and result == {"quiz_answer": None, "language": "zh"}
    paused, result = validate("暂停测验", "quiz_stop")
    assert texts(paused).startswith("测验已暂停") and result == {"quiz_answer": "paused", "language": "zh"}


def test_the_slot_speaks_for_a_wordless_message_and_english_stays_english(tutor):
    messages, events = run(actions.ActionHelp(), tracker("?", "help", slots={"language": "zh"}))
    assert texts(messages).startswith("我根据公司的课程") and slot(events) == "zh"
    messages, events = run(actions.ActionHelp(), tracker("what can you do?", "help", slots={"language": "zh"}))
    assert texts(messages).startswith("I answer questions from your company's courses") and slot(events) == "en"
    declined, events = run(actions.ActionRespondYesNo(), tracker("no", "deny", slots={"quiz_offered": True}))
    assert texts(declined) == say("quiz.declined") and slot(events) == "en"
