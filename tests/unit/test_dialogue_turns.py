"""Every user turn for trainers: Rasa's stored events read back as turns with intent and confidence
(store.TrackerEvents), merged with the tutor's recorded turns in a transcript, engine-only conversations listed,
and unanswered questions found for the content gaps (console/dialogue.py, console/presenting.py)."""
import json
import sqlite3
from pathlib import Path

import pytest

from console.dialogue import gap_rows, merge_turns
from console.presenting import Presenter
from store import Records, TrackerEvents

pytestmark = pytest.mark.unit
SECRET = "s3cret"


def user(text, intent, confidence, learner=None, channel="rest", routed_from=None):
    parse = {"intent": {"name": intent, "confidence": confidence}, "text": text}
    if routed_from:
        parse["question_routing"] = {"from": routed_from, "confidence": 0.9, "question_likeness": 0.97}
    return "user", {"event": "user", "text": text, "parse_data": parse, "input_channel": channel,
                    "metadata": {"learner": learner} if learner else {}}


def action(name):
    return "action", {"event": "action", "name": name}


def bot(text, custom=None):
    return "bot", {"event": "bot", "text": text, "data": {"custom": custom}}


def tracker(path: Path, conversations: dict[str, list[tuple[str, dict]]]) -> TrackerEvents:
    with sqlite3.connect(path) as db:
        db.execute("create table events (id integer primary key, sender_id text, type_name text, timestamp real, "
                   "intent_name text, action_name text, data text)")
        stamp = 1_700_000_000.0
        for sender, events in conversations.items():
            for kind, data in events:
                stamp += 1
                db.execute("insert into events (sender_id, type_name, timestamp, data) values (?, ?, ?, ?)",
                           [sender, kind, stamp, json.dumps({**data, "timestamp": stamp})])
    return TrackerEvents(f"sqlite:///{path}")


@pytest.fixture()
def setup(tmp_path):
    records = Records(tmp_path / "tutor.db")
    answered = records.turns.record("ana", "how do I report phishing?", "Use the Report Phish button.", channel="rest",
                                    conversation_id="conv-ana", sources=[{"title": "Infosec", "section": "Phishing", "score": 0.8}])
    records.db["turns"].update(answered, {"created": 1_700_000_005.5})
    events = tracker(tmp_path / "tracker.db", {
        "conv-ana": [
            ("action", {"event": "action", "name": "action_session_start"}),
            user("hello", "greet", 0.99, learner="ana"), action("action_greet"), bot("Hi! I'm your learning tutor."), action("action_listen"),
            user("how do I report phishing?", "ask_question", 0.97, learner="ana"), action("action_answer_question"),
            bot("Use the Report Phish button.", {"type": "answer", "turn_id": answered}), action("action_listen"),
            user("what's the weather like today?", "out_of_scope", 0.99, learner="ana"), action("utter_out_of_scope"),
            bot("That's outside what I can help with."), action("action_listen"),
        ],
        "conv-ben": [
            user("hi", "greet", 0.98, learner="ben", channel="slack"), action("action_greet"), bot("Hi!"),
            user("Can I expense a $40 lunch in Canada?", "ask_question", 0.97, learner="ben", channel="slack", routed_from="out_of_scope"),
            action("action_answer_question"), bot("I couldn't find that in the courses.", {"type": "answer", "turn_id": "gone"}),
            user("zzzz", "nlu_fallback", 0.5, learner="ben", channel="slack"), action("action_handle_fallback"), bot("I answer questions…"),
            user("thanks", "thanks", 0.99, learner="ben", channel="slack"), action("utter_youre_welcome"), bot("You're welcome!"),
        ],
    })
    return records, events, answered


def test_each_user_message_is_a_turn_with_its_intent_what_ran_and_what_was_said(setup):
    _, events, answered = setup
    turns = events.dialogue("conv-ana")
    assert [(t.text, t.intent, t.confidence) for t in turns] == [
        ("hello", "greet", 0.99), ("how do I report phishing?", "ask_question", 0.97),
        ("what's the weather like today?", "out_of_scope", 0.99)]
    assert turns[0].actions == ["action_greet"] and turns[0].replies == ["Hi! I'm your learning tutor."]
    assert turns[1].turn_ids == [answered] and turns[2].actions == ["utter_out_of_scope"]
    assert {t.learner for t in turns} == {"ana"} and {t.channel for t in turns} == {"rest"}
    assert events.dialogue("conv-ben")[1].routed_from == "out_of_scope"
    assert events.dialogue("nobody") == []


def test_conversations_are_summarised_and_searched_by_what_learners_said(setup):
    _, events, _ = setup
    rows = {r["conversation_id"]: r for r in events.conversations()}
    assert rows["conv-ben"]["turns"] == 4 and rows["conv-ben"]["learner"] == "ben" and rows["conv-ben"]["channel"] == "slack"
    assert [r["conversation_id"] for r in events.conversations("WEATHER")] == ["conv-ana"]
    assert events.conversations("learner") == []  # the stored JSON around the text is not searched
    assert [r["conversation_id"] for r in events.conversations("$40")] == ["conv-ben"]


def test_unreachable_or_empty_stores_give_nothing(tmp_path):
    empty = TrackerEvents(f"sqlite:///{tmp_path / 'empty.db'}")
    assert empty.dialogue("x") == [] and empty.recent_turns() == [] and empty.conversations() == []


def test_the_transcript_has_every_turn_in_order_with_intents(setup):
    records, events, answered = setup
    recorded = records.transcripts.conversation("conv-ana")["turns"]
    merged = merge_turns(recorded, events.dialogue("conv-ana"))
    assert [t["question"] for t in merged] == ["hello", "how do I report phishing?", "what's the weather like today?"]
    greeting, answer, refusal = merged
    assert answer["turn_id"] == answered and answer["intent"] == "ask_question" and answer["intent_confidence"] == 0.97
    assert answer["sources"] and answer["handled_by"] == ["action_answer_question"]
    assert greeting["turn_id"] is None and greeting["mode"] == "dialogue" and greeting["intent"] == "greet"
    assert greeting["answer"] == "Hi! I'm your learning tutor." and greeting["handled_by"] == ["action_greet"]
    assert refusal["intent"] == "out_of_scope" and refusal["intent_confidence"] == 0.99


def test_questions_the_engine_did_not_answer_are_content_gaps(setup):
    _, events, _ = setup
    gaps = gap_rows(events.recent_turns())
    assert [g["question"] for g in gaps] == ["what's the weather like today?"]  # not "hello", "zzzz", "thanks"
    assert gaps[0]["handled_by"] == "utter_out_of_scope"
    assert [t.text for t in events.recent_turns(limit=2)] == ["thanks", "zzzz"]


def test_the_console_lists_and_shows_conversations_the_engine_answered_alone(setup):
    records, events, _ = setup
    present = Presenter(records.transcripts, SECRET, 0.5, lambda: events)
    listed = {c["learner"]: c for c in present.conversations({}, real_identity=True)["conversations"]}
    assert listed["ana"]["turns"] == 3 and listed["ben"]["turns"] == 4  # ben has no tutor turn recorded
    assert present.conversations({"abstained": "1"}, True)["conversations"] == []  # about answers: ben has none
    assert [c["learner"] for c in present.conversations({"q": "weather"}, True)["conversations"]] == ["ana"]
    assert [c["learner"] for c in present.conversations({"channel": "slack"}, True)["conversations"]] == ["ben"]
    ben = present.conversation(listed["ben"]["key"], real_identity=False)
    assert ben["learner"].startswith("Learner-") and [t["intent"] for t in ben["turns"]] == [
        "greet", "ask_question", "nlu_fallback", "thanks"]
    assert ben["turns"][1]["routed_from"] == "out_of_scope" and ben["attempts"] == [] and ben["reviewed"] is None
    records.transcripts.mark_reviewed("conv-ben", "trainer1")
    assert next(c for c in present.conversations({}, False)["conversations"] if c["key"] == listed["ben"]["key"])["reviewed"]
    without_rasa = Presenter(records.transcripts, SECRET, 0.5)
    assert [c["learner"] for c in without_rasa.conversations({}, True)["conversations"]] == ["ana"]
