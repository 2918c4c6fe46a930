"""Every question reaches the tutor and every turn is visible to trainers: employee questions worded any way
(amounts, countries, employers, durations, roles, Chinese, "don't …?" after a quiz offer) through the REST
channel, the real Rasa server and action server; commands still work; help and the greeting name the ingested
courses; turns the dialogue engine answered by itself are in the console's transcript and content gaps."""
import json
import os
import sqlite3
import subprocess

import pytest

from cli.rasa_servers import PROJECT_ROOT, train
from tests.support.console import add_user, logged_in, running_console, tutor_command
from tests.support.rest_learner import Learner
from tutor import load_settings

pytestmark = pytest.mark.integration
PASSWORD = "routing trainer password"
# The sample courses this learner may see (Advanced SQL is for analysts and engineers).
COURSE_TITLES = ["Data Privacy at Work", "Running Effective Meetings", "Giving Effective Feedback", "Information Security Basics",
                 "Project Management Fundamentals", "SQL for Analysts"]
HELP_OPENING = "I answer questions from your company's courses"
REFUSAL = "That's outside what I can help with"


def texts(messages):
    return "\n".join(m.get("text") or "" for m in messages)


def reaches_the_tutor(messages) -> bool:
    """An answer or an honest "not covered", never the help text or a refusal."""
    said = texts(messages)
    return Learner.answer_payload(messages) is not None and HELP_OPENING not in said and REFUSAL not in said


@pytest.mark.parametrize("question", [
    "Can I expense a $40 lunch in Canada?",
    "Is a €150 client dinner in Germany within policy?",
    "I worked at Google before, does that count toward leave?",
    "How long is parental leave?",
    "How many weeks of notice do I have to give?",
    "I'm a contractor, can I use the VPN?",
    "I'm a designer, what training do I need for accessibility?",
])
def test_employee_questions_reach_the_tutor(make_learner, question):
    assert reaches_the_tutor(make_learner(f"routing-{abs(hash(question))}").say(question))


def test_a_chinese_question_with_a_full_width_question_mark_reaches_the_tutor(make_learner):
    messages = make_learner("routing-zh").say("育儿假有多长时间？")
    assert reaches_the_tutor(messages)
    covered = make_learner("routing-zh-covered").say("如何举报钓鱼邮件？")
    assert reaches_the_tutor(covered)


def test_a_dont_question_after_a_quiz_offer_is_answered_not_taken_as_no(make_learner):
    learner = make_learner("routing-dont")
    assert "Want a quick check on this?" in texts(learner.say("how do I report a phishing email?"))
    follow_up = learner.say("don't we get paid for overtime?")
    assert reaches_the_tutor(follow_up) and "No problem" not in texts(follow_up)
    assert "Want a quick check on this?" in texts(learner.say("how should I report a phishing email?"))
    assert "No problem" in texts(learner.say("no thanks"))  # a short reply still declines


def test_commands_still_work(make_learner, workspace):
    learner = make_learner("routing-commands")
    greeting = learner.say("hello there")
    assert Learner.answer_payload(greeting) is None and "I'm your learning tutor" in texts(greeting)
    assert "You're welcome" in texts(learner.say("thanks a lot"))
    assert HELP_OPENING in texts(learner.say("what can you do?"))
    quiz = learner.say("quiz me on phishing")
    assert any((m.get("custom") or {}).get("type") == "quiz_question" for m in quiz)
    assert "paused" in texts(learner.say("stop"))
    assert any((m.get("custom") or {}).get("type") == "progress" for m in learner.say("how am I doing?"))
    assert any((m.get("custom") or {}).get("type") == "recommendations" for m in learner.say("what should I learn next?"))
    profile = learner.say("I'm a designer")
    assert Learner.answer_payload(profile) is None and "what are you aiming for" in texts(profile).lower()
    with sqlite3.connect(workspace / "tutor.db") as db:
        assert db.execute("select role from profiles where learner = ?", ["routing-commands"]).fetchone() == ("designer",)


def test_help_and_the_greeting_name_the_ingested_courses(make_learner):
    learner = make_learner("routing-help")
    help_text, greeting = texts(learner.say("help")), texts(learner.say("hi"))
    for title in COURSE_TITLES:
        assert title in help_text and title in greeting
    assert "Advanced SQL" not in help_text
    assert any(f"quiz me on {title}" in help_text for title in COURSE_TITLES)  # a topic the catalogue has
    assert "SBI" not in help_text and "SQL joins" not in help_text


def test_the_routing_development_set(servers, workspace):
    """The trained model on tests/rasa/routing_dev.yml (bot/nlu/routing_report.py): at most 2 of its 85
    questions routed away, at most 2 of its 46 commands taken for questions."""
    model = train(load_settings(workspace / "tutor.yml"))
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT), "TF_CPP_MIN_LOG_LEVEL": "3", "RASA_TELEMETRY_ENABLED": "false"}
    result = subprocess.run([str(PROJECT_ROOT / ".venv-rasa" / "bin" / "python"), "-m", "bot.nlu.routing_report", str(model),
                             "--json"], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout[result.stdout.index("{"):])
    assert report["questions"]["total"] >= 80 and report["commands"]["total"] >= 40
    assert len(report["questions"]["routed_away"]) <= 2, report["questions"]["routed_away"]
    assert len(report["commands"]["taken_for_questions"]) <= 2, report["commands"]["taken_for_questions"]


@pytest.fixture(scope="module")
def console(servers, workspace):
    add_user(workspace, "routing-trainer", "trainer", PASSWORD)
    add_user(workspace, "routing-admin", "admin", PASSWORD)
    # Trainers see the learners of their groups only.
    (workspace / "routing-groups.csv").write_text("routing-console,routing\nrouting-engine-only,routing\n")
    for args in (("groups", "import", str(workspace / "routing-groups.csv")), ("groups", "assign", "routing-trainer", "routing")):
        assert tutor_command(workspace, *args).returncode == 0
    with running_console(workspace) as url:
        yield url


def tracker_intents(workspace, sender):
    """(text, intent, confidence) of each message Rasa stored for `sender`."""
    with sqlite3.connect(workspace / "tracker.db") as db:
        rows = db.execute("select data from events where sender_id = ? and type_name = 'user' order by id", [sender]).fetchall()
    stored = [json.loads(row[0]) for row in rows]
    return [(d["text"], d["parse_data"]["intent"]["name"], d["parse_data"]["intent"]["confidence"]) for d in stored]


def test_turns_the_dialogue_engine_answered_are_in_the_console_transcript(make_learner, workspace, console):
    learner = make_learner("routing-console")
    learner.say("hello there")                       # answered by action_greet, never recorded as a tutor turn
    learner.say("order me a pizza")                  # refused by the dialogue engine
    learner.say("zzzz qqqq")                         # low confidence: the fallback's guidance
    learner.say("how do I report a phishing email?")  # the tutor's own turn
    admin = logged_in(console, "routing-admin", PASSWORD)
    listed = admin.get(console + "/api/conversations?learner=routing-console", timeout=30).json()["conversations"]
    assert [c["turns"] for c in listed] == [4]  # every message, not only the one the tutor answered
    transcript = admin.get(f"{console}/api/conversations/{listed[0]['key']}", timeout=30).json()
    shown = {t["question"]: t for t in transcript["turns"]}
    assert list(shown) == ["hello there", "order me a pizza", "zzzz qqqq", "how do I report a phishing email?"]
    for text, intent, confidence in tracker_intents(workspace, "routing-console"):
        assert shown[text]["intent"] == intent and shown[text]["intent_confidence"] == pytest.approx(confidence)
    assert shown["hello there"]["mode"] == "dialogue" and "action_greet" in shown["hello there"]["handled_by"]
    assert "I'm your learning tutor" in shown["hello there"]["answer"]
    assert shown["order me a pizza"]["handled_by"][0] == "utter_out_of_scope" and REFUSAL in shown["order me a pizza"]["answer"]
    assert shown["zzzz qqqq"]["mode"] == "dialogue" and shown["zzzz qqqq"]["handled_by"][0] == "action_handle_fallback"
    answer = shown["how do I report a phishing email?"]
    assert answer["turn_id"] and answer["sources"] and answer["intent"] == "ask_question" and answer["mode"] != "dialogue"
    page = logged_in(console, "routing-trainer", PASSWORD).get(f"{console}/conversations/{listed[0]['key']}", timeout=30).text
    assert page.count("answered by the dialogue engine") == 3 and "intent greet (" in page


def test_a_conversation_answered_only_by_the_engine_is_listed_and_its_refused_question_is_a_gap(make_learner, workspace, console):
    learner = make_learner("routing-engine-only")
    learner.say("hi")
    refused = learner.say("what's the weather like today?")
    assert REFUSAL in texts(refused)
    trainer = logged_in(console, "routing-trainer", PASSWORD)
    found = trainer.get(console + "/api/conversations?q=weather", timeout=30).json()["conversations"]
    assert len(found) == 1 and found[0]["turns"] == 2 and found[0]["learner"].startswith("Learner-")
    transcript = trainer.get(f"{console}/api/conversations/{found[0]['key']}", timeout=30).json()
    assert [t["question"] for t in transcript["turns"]] == ["hi", "what's the weather like today?"]
    assert all(t["intent"] and t["intent_confidence"] is not None for t in transcript["turns"])
    page = trainer.get(f"{console}/conversations/{found[0]['key']}", timeout=30).text
    assert "answered by the dialogue engine" in page and "intent out_of_scope" in page
    examples = [e for c in trainer.get(console + "/api/gaps", timeout=120).json()["clusters"] for e in c["examples"]]
    assert "what's the weather like today?" in examples and "hi" not in examples
