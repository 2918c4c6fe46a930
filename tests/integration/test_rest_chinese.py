"""A Chinese-speaking learner through the REST channel, the real Rasa server and action server: greeted in
Chinese, answered from the Chinese course with a cited Chinese answer, answered from an English course with
Chinese framing around English quotes, quizzed to the end with a mastery update; an English learner beside them
sees the English tutor; asking for progress mid-quiz is not taken as the answer."""
import json
import sqlite3

import pytest

from messages import has_han, say

pytestmark = pytest.mark.integration


def texts(messages: list[dict]) -> str:
    return "\n".join(m.get("text") or "" for m in messages)


def question_in(messages: list[dict]) -> dict | None:
    return next((m["custom"] for m in messages if m.get("custom", {}).get("type") == "quiz_question"), None)


def right_reply(workspace, question: dict) -> str:
    with sqlite3.connect(workspace / "tutor.db") as db:
        answer, options = db.execute("select answer, options from questions where question_id = ?",
                                     [question["question_id"]]).fetchone()
    options = json.loads(options)
    return str(options.index(answer) + 1) if options else answer


def mastery(workspace, learner: str) -> dict[str, float]:
    with sqlite3.connect(workspace / "tutor.db") as db:
        return dict(db.execute("select skill, p_mastery from mastery where learner = ?", [learner]).fetchall())


def test_a_chinese_greeting_is_answered_in_chinese(learner):
    reply = texts(learner.say("你好"))
    assert has_han(reply), reply
    assert "Hi!" not in reply


def test_a_chinese_question_about_the_chinese_course_gets_a_cited_chinese_answer(learner):
    messages = learner.say("怀疑发生了安全事件，最晚多久之内要报告？")
    payload = learner.answer_payload(messages)
    assert payload and not payload["abstained"], payload
    assert payload["citations"][0]["course_id"] == "infosec-basics-zh"
    assert has_han(payload["lead"]) and "1 小时" in payload["text"]
    assert say("answer.sources", "zh") in texts(messages)


def test_a_chinese_question_about_an_english_course_gets_chinese_framing_and_english_quotes(learner):
    messages = learner.say("会议议程应该提前多久发出？")
    payload = learner.answer_payload(messages)
    assert payload and not payload["abstained"], payload
    assert payload["citations"][0]["course_id"] == "effective-meetings"
    assert not has_han(payload["lead"]) and "agenda" in payload["lead"].lower()
    assert say("answer.sources", "zh") in texts(messages)
    assert say("answer.sources", "en") not in texts(messages)


def test_a_chinese_quiz_runs_to_the_end_and_updates_mastery(servers, workspace, learner):
    learner.sender = "zh-quiz-learner"
    question = question_in(learner.say("考考我钓鱼邮件"))
    assert question, "no quiz question"
    asked = 0
    last: list[dict] = []
    while question and asked < 10:
        assert has_han(question["prompt"]), question
        last = learner.say(right_reply(workspace, question))
        asked += 1
        question = question_in(last)
    assert asked == 3
    assert say("quiz.finished", "zh", total=3, correct=3) in texts(last)
    skills = mastery(workspace, "zh-quiz-learner")
    assert skills and all(skill.startswith("infosec-zh") for skill in skills), skills
    assert all(p > 0.5 for p in skills.values())


def test_asking_for_progress_in_chinese_mid_quiz_is_not_graded_as_the_answer(workspace, learner):
    learner.sender = "zh-busy-learner"
    question = question_in(learner.say("考考我钓鱼邮件"))
    assert question, "no quiz question"
    busy = learner.say("我学得怎么样？")
    assert say("quiz.busy", "zh") in texts(busy)
    assert question_in(busy) is None or question_in(busy)["question_id"] == question["question_id"]
    with sqlite3.connect(workspace / "tutor.db") as db:
        graded = db.execute("select count(*) from attempts where learner = ?", ["zh-busy-learner"]).fetchone()[0]
    assert graded == 0
    answered = learner.say(right_reply(workspace, question))
    assert say("quiz.busy", "zh") not in texts(answered)
    with sqlite3.connect(workspace / "tutor.db") as db:
        assert db.execute("select correct from attempts where learner = ?", ["zh-busy-learner"]).fetchall() == [(1,)]


def test_an_english_learner_beside_them_sees_the_english_tutor(make_learner):
    chinese, english = make_learner("zh-neighbour"), make_learner("en-neighbour")
    chinese.say("你好")
    greeting = texts(english.say("hello"))
    assert not has_han(greeting) and "Hi!" in greeting
    messages = english.say("How long do we have to respond to a subject access request?")
    payload = english.answer_payload(messages)
    assert payload and not payload["abstained"]
    assert "Sources:" in texts(messages) and not has_han(texts(messages))
    follow = texts(english.say("ok"))
    assert not has_han(follow), follow
