"""The learner's weekly summary through the Tutor core, in English and Chinese: what they asked (count, courses
cited most), what they mastered this week (replayed BKT crossing the mastered band), what is due, the next step;
and the short line the greeting carries when the learner was active this week."""
from __future__ import annotations

import time

import pytest

from tests.support.console import console_tutor
from tests.support.reports import DAY, ask, attempt, card

pytestmark = pytest.mark.unit


@pytest.fixture()
def tutor(tmp_path):
    return console_tutor(tmp_path)


def busy_week(tutor, learner: str = "ana") -> None:
    now = time.time()
    for _ in range(3):
        ask(tutor, learner, "infosec-basics", "Information Security Basics")
    ask(tutor, learner, "data-privacy", "Data Privacy at Work")
    ask(tutor, learner, abstained=True)
    attempt(tutor, learner, "phishing", False, now - 30 * DAY)  # before the week: mastery low at its start
    for i in range(4):
        attempt(tutor, learner, "phishing", True, now - 2 * DAY + i)
    attempt(tutor, learner, "passwords", False, now - DAY)
    attempt(tutor, learner, "passwords", False, now - DAY + 1, skipped=True)
    card(tutor, learner, "q1", now - 60)
    card(tutor, learner, "q2", now - 30)
    card(tutor, learner, "q3", now + DAY)
    card(tutor, learner, "q4", now + 30 * DAY)


def test_the_week_in_english(tutor):
    busy_week(tutor)
    outcome = tutor.weekly_summary("ana", lang="en")
    text = outcome.replies[0].text
    week = outcome.values["week"]
    assert week["asked"] == 5 and week["courses"][0] == "Information Security Basics"
    assert week["answered"] == 5 and week["correct"] == 4  # the skip is not an answer
    assert week["mastered"] == ["phishing"] and week["due_now"] == 2 and week["due_soon"] == 1
    phishing = next(c for c in week["changes"] if c["skill"] == "phishing")
    assert phishing["before"] < 0.9 <= phishing["after"]
    assert text.startswith("Your last 7 days:")
    assert "You asked 5 questions, mostly about Information Security Basics, Data Privacy at Work." in text
    assert "You answered 5 quiz questions (4 right)." in text and "Newly mastered: phishing." in text
    assert "2 questions are due for review now, and 1 more in the next 3 days." in text
    assert text.endswith("Next step: say “review” to go through your due questions.")


def test_the_week_in_chinese(tutor):
    busy_week(tutor)
    text = tutor.weekly_summary("ana", lang="zh").replies[0].text
    assert text.startswith("你最近 7 天的学习：")
    assert "你提了 5 个问题，主要关于《Information Security Basics》、《Data Privacy at Work》。" in text
    assert "你答了 5 道测验题（答对 4 道）。" in text and "新掌握的技能：phishing。" in text
    assert "现在有 2 道题该复习了，未来 3 天还有 1 道。" in text and text.endswith("下一步：说“复习”，把该复习的题过一遍。")


def test_a_quiet_week_says_so_and_the_next_step_without_reviews(tutor):
    assert tutor.weekly_summary("ben", lang="en").replies[0].text.startswith("Nothing recorded in the last 7 days")
    assert tutor.weekly_summary("ben", lang="zh").replies[0].text.startswith("最近 7 天还没有学习记录")
    attempt(tutor, "ben", "meetings", True, time.time() - 10 * DAY)  # last month only: still a quiet week
    assert tutor.weekly_summary("ben").values["week"]["answered"] == 0
    ask(tutor, "ben", "effective-meetings", "Effective Meetings")
    text = tutor.weekly_summary("ben", lang="en").replies[0].text
    # No index here, so no recommendation: the next step is a quiz.
    assert "You asked 1 question, about Effective Meetings." in text and text.endswith("Next step: say “quiz me” to check what you know.")


def test_the_greeting_carries_a_short_line_only_after_an_active_week(tutor):
    assert len(tutor.greet("ana", lang="en").replies) == 1
    busy_week(tutor)
    replies = tutor.greet("ana", lang="en").replies
    assert replies[0].text.startswith("Hi! I'm your learning tutor")
    assert replies[1].text.startswith("This week so far: questions asked 5, quiz answers 5, skills newly mastered 1")
    assert "本周到目前为止：提了 5 个问题" in tutor.greet("ana", lang="zh").replies[1].text


def test_the_action_sends_the_summary_with_the_top_recommendation_as_next_step(tmp_path, course_index, real_embedder):
    import asyncio

    from rasa_sdk import Tracker
    from rasa_sdk.executor import CollectingDispatcher

    import actions
    from actions import runtime
    from tutor import Tutor, load_settings

    (tmp_path / "tutor.yml").write_text(f"paths:\n  index_dir: {course_index}\n  store: {tmp_path / 'tutor.db'}\n"
                                        f"  cache_dir: {tmp_path / 'cache'}\n")
    tutor = Tutor(load_settings(tmp_path / "tutor.yml", environ={}), embedder=real_embedder)
    runtime.use(tutor)
    ask(tutor, "dana", "effective-meetings", "Effective Meetings")
    for text, lang, head in (("what did I do this week?", "en", "Your last 7 days:"), ("本周总结", "zh", "你最近 7 天的学习：")):
        message = {"text": text, "intent": {"name": "weekly_summary", "confidence": 0.97}, "entities": []}
        track = Tracker.from_dict({"sender_id": "dana", "slots": {}, "latest_message": message, "paused": False,
                                   "followup_action": None, "active_loop": {}, "latest_action_name": "action_listen",
                                   "events": [{"event": "user", "text": text, "parse_data": message, "input_channel": "rest"}]})
        dispatcher = CollectingDispatcher()
        events = asyncio.run(actions.ActionWeeklySummary().run(dispatcher, track, {}))
        reply = dispatcher.messages[0]["text"]
        assert reply.startswith(head) and {"event": "slot", "timestamp": None, "name": "language", "value": lang} in events
        next_step = reply.splitlines()[-1]
        assert next_step.startswith("Next step: " if lang == "en" else "下一步：")
        title = tutor.recommend("dana", lang=lang).replies[0].text
        assert next_step.split("：" if lang == "zh" else ": ", 1)[1].strip("。.《》") in title
