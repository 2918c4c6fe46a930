"""Microsoft Teams through the Bot Framework channel: signed activities in, Adaptive Cards out to a fake
connector, the real Rasa and action servers in between."""
import json
import sqlite3

import pytest
import requests

from tests.support.fake_botframework import TEAMS_TRAINER_CHANNEL

pytestmark = pytest.mark.integration


def post(servers, botframework, activity, auth=None):
    return requests.post(f"{servers.rasa_url}/webhooks/teams/webhook", json=activity, timeout=120,
                         headers={"Authorization": auth if auth is not None else botframework.bearer()})


def cards_in(activities):
    return [a["content"] for act in activities for a in act.get("attachments") or [] if a["contentType"].endswith("adaptive")]


def new_activities(botframework, since):
    return botframework.activities[since:]


def answer_card(servers, botframework, conversation, question):
    """Ask a question in a conversation; return the answer card the tutor posted."""
    since = len(botframework.activities)
    post(servers, botframework, botframework.activity(conversation, question))
    return next(c for c in cards_in(new_activities(botframework, since)) if "Sources:" in json.dumps(c))


def submit(servers, botframework, conversation, data):
    """Press a card button; return what the tutor posted in reply."""
    since = len(botframework.activities)
    post(servers, botframework, botframework.activity(conversation, value=data))
    return json.dumps(new_activities(botframework, since))


def test_question_gets_an_answer_card_with_citations(servers, botframework):
    since = len(botframework.activities)
    assert post(servers, botframework, botframework.activity("conv-1", "how do I report a phishing email?")).status_code == 200
    posted = new_activities(botframework, since)
    card = next(c for c in cards_in(posted) if "Sources:" in json.dumps(c))
    assert "Report Phish" in json.dumps(card) and "Information Security Basics" in json.dumps(card)
    assert {a["title"] for a in card["actions"]} == {"👍", "👎", "Ask a human"}
    assert all(a["_auth"] == "Bearer connector-token" for a in posted) and botframework.token_requests


def test_quiz_as_cards_and_card_submits(servers, botframework, workspace):
    since = len(botframework.activities)
    post(servers, botframework, botframework.activity("conv-2", "quiz me on SQL joins", user="29:quizzer"))
    question = next(c for c in cards_in(new_activities(botframework, since)) if "Question 1 of" in json.dumps(c))
    choice = next(a for a in question["actions"] if a["data"].get("text") not in ("hint", "skip", "flag this question"))
    since = len(botframework.activities)
    post(servers, botframework, botframework.activity("conv-2", value=choice["data"], user="29:quizzer"))
    replies = json.dumps(new_activities(botframework, since))
    assert "Correct" in replies or "Not quite" in replies
    with sqlite3.connect(workspace / "tutor.db") as db:
        assert db.execute("select count(*) from attempts where learner = ?", ["teams:aad-29:quizzer"]).fetchone()[0] == 1


def test_a_quiz_card_flags_its_question(servers, botframework, workspace):
    since = len(botframework.activities)
    post(servers, botframework, botframework.activity("conv-7", "quiz me on SQL joins", user="29:flagger"))
    question = next(c for c in cards_in(new_activities(botframework, since)) if "Question 1 of" in json.dumps(c))
    flag = next(a for a in question["actions"] if a["title"] == "Flag question")
    since = len(botframework.activities)
    post(servers, botframework, botframework.activity("conv-7", value=flag["data"], user="29:flagger"))
    assert "I've flagged" in json.dumps(new_activities(botframework, since))
    with sqlite3.connect(workspace / "tutor.db") as db:
        assert db.execute("select count(*) from question_flags where learner = ?", ["teams:aad-29:flagger"]).fetchone()[0] == 1


def test_feedback_submit_is_stored(servers, botframework, workspace):
    card = answer_card(servers, botframework, "conv-3", "what does SBI stand for?")
    down = next(a for a in card["actions"] if a["title"] == "👎")
    assert "Thanks for the feedback" in submit(servers, botframework, "conv-3", down["data"])
    with sqlite3.connect(workspace / "tutor.db") as db:
        assert db.execute("select feedback from turns where turn_id = ?", [down["data"]["turn_id"]]).fetchone() == ("down",)


@pytest.mark.parametrize("auth", ["", "Bearer not-a-jwt"])
def test_unsigned_or_badly_signed_activities_are_refused(servers, botframework, auth):
    since = len(botframework.activities)
    reply = post(servers, botframework, botframework.activity("conv-4", "hello"), auth=auth)
    assert reply.status_code == 401 and len(botframework.activities) == since


def test_token_for_another_bot_is_refused(servers, botframework):
    reply = post(servers, botframework, botframework.activity("conv-5", "hello"), auth=botframework.bearer(audience="someone-else"))
    assert reply.status_code == 401


def test_ask_a_human_from_a_card(servers, botframework, workspace):
    card = answer_card(servers, botframework, "conv-6", "what is a RACI chart?")
    human = next(a for a in card["actions"] if a["title"] == "Ask a human")
    before = len(botframework.created_conversations)
    assert "asked a trainer" in submit(servers, botframework, "conv-6", human["data"])
    with sqlite3.connect(workspace / "tutor.db") as db:
        assert db.execute("select feedback from turns where turn_id = ?", [human["data"]["turn_id"]]).fetchone() == ("human",)
    # The trainers hear of it in their Teams channel: a new thread there, posted proactively with the bot's token.
    notice = botframework.created_conversations[before]
    assert notice["channelData"]["channel"]["id"] == TEAMS_TRAINER_CHANNEL and notice["isGroup"] is True
    assert "what is a RACI chart?" in notice["activity"]["text"] and notice["_auth"] == "Bearer connector-token"
