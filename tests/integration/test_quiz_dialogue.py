"""A whole quiz through the REST channel, the real Rasa server and action server, including a restart."""
import json
import sqlite3

import pytest

pytestmark = pytest.mark.integration


def texts(messages):
    return "\n".join(m.get("text") or "" for m in messages)


def question_in(messages):
    return next((m["custom"] for m in messages if m.get("custom", {}).get("type") == "quiz_question"), None)


def right_reply(workspace, question):
    with sqlite3.connect(workspace / "tutor.db") as db:
        answer, options = db.execute("select answer, options from questions where question_id = ?", [question["question_id"]]).fetchone()
    options = json.loads(options)
    return str(options.index(answer) + 1) if options else answer


def wrong_reply(workspace, question):
    with sqlite3.connect(workspace / "tutor.db") as db:
        answer, options = db.execute("select answer, options from questions where question_id = ?", [question["question_id"]]).fetchone()
    options = json.loads(options)
    return str(next(i for i, o in enumerate(options, 1) if o != answer)) if options else "completely unrelated words"


def attempts(workspace, learner):
    with sqlite3.connect(workspace / "tutor.db") as db:
        return db.execute("select question_id, correct, hinted from attempts where learner = ? order by created", [learner]).fetchall()


def mastery(workspace, learner):
    with sqlite3.connect(workspace / "tutor.db") as db:
        return dict(db.execute("select skill, p_mastery from mastery where learner = ?", [learner]).fetchall())


def test_quiz_start_answer_hint_interrupt_stop_restart_resume(servers, workspace, learner):
    learner.sender = "quiz-learner"
    start = learner.say("quiz me on phishing")
    first = question_in(start)
    assert first and "Let's go" in texts(start) and first["total"] == 3

    right = learner.say(right_reply(workspace, first))
    assert "✅ Correct!" in texts(right) and "Source: Information Security Basics" in texts(right)
    second = question_in(right)
    assert second and second["position"] == 2

    for bad in ("", "🙂🙂🙂", "9" if second["kind"] == "mcq" else "x" * 600):
        reply = learner.say(bad)
        assert question_in(reply)["question_id"] == second["question_id"], texts(reply)

    hint = learner.say("hint")
    assert "Hint:" in texts(hint)

    interrupted = learner.say("what should I do if I clicked a link in a phishing email?")
    assert "Sources:" in texts(interrupted) and "Back to the quiz" in texts(interrupted)
    assert question_in(interrupted)["question_id"] == second["question_id"]

    wrong = learner.say(wrong_reply(workspace, second))
    assert "❌ Not quite" in texts(wrong)
    third = question_in(wrong)

    paused = learner.say("stop")
    assert "paused" in texts(paused)
    assert [(c, h) for _, c, h in attempts(workspace, "quiz-learner")] == [(1, 0), (0, 1)]
    before = mastery(workspace, "quiz-learner")

    servers.stop()
    servers.start()

    resumed = learner.say("resume quiz")
    assert "Welcome back" in texts(resumed)
    assert question_in(resumed)["question_id"] == (third or second)["question_id"]
    finished = learner.say(right_reply(workspace, question_in(resumed)))
    while question_in(finished):
        finished = learner.say(right_reply(workspace, question_in(finished)))
    assert "Quiz finished" in texts(finished)
    after = mastery(workspace, "quiz-learner")
    assert set(before) <= set(after) and any(after[s] != before.get(s) for s in after)
    progress = learner.say("how am I doing?")
    assert "Here's how you're doing" in texts(progress) and "%" in texts(progress)


def test_quiz_offer_after_an_answer(learner):
    learner.sender = "offer-learner"
    answer = learner.say("what does SBI stand for?")
    assert "Want a quick check on this?" in texts(answer)
    start = learner.say("yes")
    assert question_in(start) and question_in(start)["total"] >= 1
    assert "Giving Effective Feedback" in texts(start)


def test_unknown_quiz_topic_and_commands_without_a_quiz(learner):
    learner.sender = "no-quiz-learner"
    assert "no questions about" in texts(learner.say("quiz me on quantum basket weaving"))
    assert "no quiz running" in texts(learner.say("hint"))


def test_greeting_proposes_due_reviews(learner, workspace):
    learner.sender = "review-learner"
    learner.say("quiz me on meetings")
    for _ in range(3):
        learner.say("skip")
    with sqlite3.connect(workspace / "tutor.db") as db:
        db.execute("update review_cards set due = 0 where learner = ?", ["review-learner"])
    greeting = learner.say("hello")
    assert "due for review" in texts(greeting) and "say “review”" in texts(greeting)
    review = learner.say("review")
    assert question_in(review) is not None


def test_other_requests_mid_quiz_are_explained_not_graded(learner, workspace):
    learner.sender = "mid-quiz-learner"
    first = question_in(learner.say("quiz me on giving feedback"))
    reply = learner.say("what should I learn next?")
    assert "middle of a quiz" in texts(reply)
    assert question_in(reply)["question_id"] == first["question_id"]
    with sqlite3.connect(workspace / "tutor.db") as db:
        assert db.execute("select count(*) from attempts where learner = ?", ["mid-quiz-learner"]).fetchone()[0] == 0


def flags_of(workspace, learner):
    with sqlite3.connect(workspace / "tutor.db") as db:
        return db.execute("select question_id, reason from question_flags where learner = ?", [learner]).fetchall()


def test_a_learner_flags_a_question_and_the_quiz_still_takes_the_answer(learner, workspace):
    learner.sender = "flag-learner"
    first = question_in(learner.say("quiz me on phishing"))
    flagged = learner.say("report this question: the answer is outdated")
    assert "I've flagged" in texts(flagged) and "You can still answer it" in texts(flagged)
    assert question_in(flagged)["question_id"] == first["question_id"]  # asked again, not graded
    assert flags_of(workspace, "flag-learner") == [(first["question_id"], "the answer is outdated")]
    graded = learner.say(right_reply(workspace, first))
    assert "✅ Correct!" in texts(graded) and attempts(workspace, "flag-learner") == [(first["question_id"], 1, 0)]
    second = question_in(graded)
    again = learner.say("上一题有问题")  # the previous question, in Chinese: one flag per learner, its reason updated
    assert "你之前标记过" in texts(again) and question_in(again)["question_id"] == second["question_id"]
    assert flags_of(workspace, "flag-learner") == [(first["question_id"], "上一题有问题")]
