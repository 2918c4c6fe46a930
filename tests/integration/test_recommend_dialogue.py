"""Profile, recommendations with reasons and learning paths through the REST channel and the real servers."""
import sqlite3

import pytest

pytestmark = pytest.mark.integration


def texts(messages):
    return "\n".join(m.get("text") or "" for m in messages)


def custom(messages, kind):
    return next((m["custom"] for m in messages if m.get("custom", {}).get("type") == kind), None)


def test_profile_set_in_chat_is_remembered_and_used(learner, workspace):
    learner.sender = "rec-analyst"
    confirm = learner.say("I'm a data analyst aiming for senior analyst")
    assert "Got it" in texts(confirm) and "data analyst" in texts(confirm)
    with sqlite3.connect(workspace / "tutor.db") as db:
        assert db.execute("select role, goals from profiles where learner = ?", ["rec-analyst"]).fetchone() == ("data analyst", "senior analyst")
    recs = custom(learner.say("what should I learn next?"), "recommendations")
    assert 3 <= len(recs["items"]) <= 5
    assert all(item["reasons"] for item in recs["items"])
    assert recs["items"][0]["course_id"] == "sql-for-analysts"


def test_profile_form_asks_for_what_is_missing(learner):
    learner.sender = "rec-form"
    ask = learner.say("update my profile")
    assert "What's your role?" in texts(ask)
    goal = learner.say("customer support agent")
    assert "what are you aiming for" in texts(goal).lower()
    done = learner.say("team lead")
    assert "Got it" in texts(done) and "customer support agent" in texts(done) and "team lead" in texts(done)


def test_path_in_prerequisite_order(learner):
    learner.sender = "rec-path"
    learner.say("I'm a data analyst aiming for senior analyst")  # Advanced SQL is for analysts and engineers
    reply = learner.say("plan my path to Advanced SQL")
    path = custom(reply, "path")
    assert path["found"] and path["steps"] == ["sql-for-analysts", "advanced-sql"] and path["total_minutes"] > 0
    assert "after SQL for Analysts" in texts(reply)
    learner.say("I finished SQL for Analysts")
    assert custom(learner.say("plan my path to Advanced SQL"), "path")["steps"] == ["advanced-sql"]


def test_unknown_target_is_answered_honestly(learner):
    learner.sender = "rec-unknown"
    reply = learner.say("plan my path to quantum basket weaving")
    assert custom(reply, "path")["found"] is False
    assert "don't have a course on" in texts(reply) and "SQL for Analysts" in texts(reply)
    assert "Advanced SQL" not in texts(reply)  # restricted to analysts and engineers; this learner has no role


def test_quiz_results_become_reasons(learner, workspace):
    learner.sender = "rec-quizzed"
    with sqlite3.connect(workspace / "tutor.db") as db:
        db.execute("insert into mastery values (?, ?, ?, ?, ?, ?)", ["rec-quizzed", "privacy-breaches", 0.2, 5, 2, 0.0])
    recs = custom(learner.say("which course should I take next?"), "recommendations")
    privacy = next(i for i in recs["items"] if i["course_id"] == "data-privacy")
    assert any("you scored 40%" in r for r in privacy["reasons"])
    assert any("Information Security Basics first" in r for r in privacy["reasons"])


def test_enrol_from_a_recommendation(learner, workspace):
    learner.sender = "rec-enrol"
    recs = learner.say("what should I learn next?")
    enrol = next(b for m in recs for b in m.get("buttons", []) if b["title"].startswith("Enrol in"))
    reply = learner.say(enrol["payload"])
    assert "You're enrolled in" in texts(reply)
    with sqlite3.connect(workspace / "tutor.db") as db:
        assert db.execute("select status from enrolments where learner = ?", ["rec-enrol"]).fetchone() == ("enrolled",)
