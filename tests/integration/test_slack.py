"""The Slack app over real HTTP: signed events and interactions in, Web API calls out to a local mock, the
real Rasa and action servers behind it."""
from __future__ import annotations

import hashlib
import hmac
import json
import os
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

import pytest
import requests

from tests.support.mock_slack import MockSlackServer

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]
SECRET = "test-signing-secret"


@pytest.fixture(scope="module")
def slack(servers, workspace):
    mock = MockSlackServer().start()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**os.environ, "TUTOR_CONFIG": str(workspace / "tutor.yml"), "SLACK_BOT_TOKEN": "xoxb-test",
           "SLACK_SIGNING_SECRET": SECRET, "SLACK_API_URL": mock.url, "SLACK_TRAINER_CHANNEL": "CTRAINERS"}
    process = subprocess.Popen([sys.executable, "-m", "cli", "slack", "--port", str(port)], cwd=ROOT, env=env,
                               stdout=subprocess.DEVNULL, stderr=open(workspace / "logs" / "slack.log", "ab"))
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            if requests.get(f"{url}/health", timeout=1).ok:
                break
        except requests.RequestException:
            time.sleep(0.3)
    yield url, mock
    process.terminate()
    process.wait(10)
    mock.stop()


def signed_post(url: str, body: str, content_type: str, secret: str = SECRET, headers: dict | None = None):
    ts = str(int(time.time()))
    signature = "v0=" + hmac.new(secret.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    return requests.post(f"{url}/slack/events", data=body.encode(), timeout=10, headers={
        "Content-Type": content_type, "X-Slack-Request-Timestamp": ts, "X-Slack-Signature": signature, **(headers or {})})


def send_event(url: str, event: dict, event_id: str, headers: dict | None = None):
    body = json.dumps({"token": "t", "team_id": "T1", "api_app_id": "A1", "type": "event_callback", "event_id": event_id,
                       "event_time": int(time.time()), "event": event})
    return signed_post(url, body, "application/json", headers=headers)


def send_action(url: str, payload: dict):
    return signed_post(url, "payload=" + urllib.parse.quote(json.dumps(payload)), "application/x-www-form-urlencoded")


def updates_for(mock, channel: str, count: int = 1):
    return [u for u in mock.wait_for("chat.update", count) if u["channel"] == channel]


def dm(user: str, channel: str, text: str, ts: str) -> dict:
    return {"type": "message", "channel_type": "im", "channel": channel, "user": user, "text": text, "ts": ts}


def test_dm_is_acknowledged_at_once_and_answered_with_citations(slack):
    url, mock = slack
    reply = send_event(url, dm("U1", "D1", "how do I report a phishing email?", "100.1"), "Ev-dm-1")
    assert reply.status_code == 200
    placeholder = next(p for p in mock.wait_for("chat.postMessage") if p["channel"] == "D1")
    assert placeholder["text"] == "Thinking…"
    deadline = time.time() + 60
    while time.time() < deadline and not [u for u in mock.received("chat.update") if u["channel"] == "D1"]:
        time.sleep(0.2)
    update = [u for u in mock.received("chat.update") if u["channel"] == "D1"][0]
    assert update["ts"] == placeholder["_ts"]  # the placeholder itself is replaced
    blocks = json.dumps(update["blocks"])
    assert "Report Phish" in blocks and "Sources: <https://learn.example.com/courses/infosec-basics|Information Security Basics" in blocks
    assert "feedback_up" in blocks and "ask_human" in blocks


def test_mention_is_answered_in_its_thread_and_retries_are_dropped(slack):
    url, mock = slack
    event = {"type": "app_mention", "channel": "C9", "user": "U2", "text": "<@UBOT> what does SBI stand for?", "ts": "200.5"}
    assert send_event(url, event, "Ev-mention-1").status_code == 200
    assert send_event(url, event, "Ev-mention-1", headers={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}).status_code == 200
    deadline = time.time() + 60
    while time.time() < deadline and not [u for u in mock.received("chat.update") if u["channel"] == "C9"]:
        time.sleep(0.2)
    time.sleep(1.0)
    posts = [p for p in mock.received("chat.postMessage") if p["channel"] == "C9"]
    assert len(posts) == 1 and posts[0]["thread_ts"] == "200.5"
    assert "Situation" in json.dumps([u for u in mock.received("chat.update") if u["channel"] == "C9"][0]["blocks"])


def _wait_update(mock, channel, after: int, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        got = [u for u in mock.received("chat.update") if u["channel"] == channel]
        if len(got) > after:
            return got[-1]
        time.sleep(0.2)
    raise AssertionError(f"no chat.update for {channel}")


def test_button_click_goes_back_to_rasa_and_feedback_is_stored(slack, workspace):
    url, mock = slack
    send_event(url, dm("U3", "D3", "what is the SBI model?", "300.1"), "Ev-dm-3")
    answer = _wait_update(mock, "D3", 0)
    elements = [e for b in answer["blocks"] if b["type"] == "actions" for e in b["elements"]]
    quiz_button = next(e for e in elements if e["action_id"].startswith("rasa_button_"))
    turn_id = next(e["value"] for e in elements if e["action_id"] == "feedback_down")
    base = {"type": "block_actions", "team": {"id": "T1"}, "user": {"id": "U3"}, "channel": {"id": "D3"},
            "message": {"ts": answer["ts"]}, "trigger_id": "tr", "response_url": mock.url + "response/1", "api_app_id": "A1", "token": "t"}
    assert send_action(url, {**base, "actions": [{**quiz_button, "type": "button", "block_id": "b1"}]}).status_code == 200
    question = _wait_update(mock, "D3", 1)
    assert "Question 1 of" in json.dumps(question["blocks"])
    down = next(e for e in elements if e["action_id"] == "feedback_down")
    assert send_action(url, {**base, "actions": [{**down, "type": "button", "block_id": "b2"}]}).status_code == 200
    mock.wait_for("chat.postEphemeral")
    with sqlite3.connect(workspace / "tutor.db") as db:
        assert db.execute("select feedback, learner from turns where turn_id = ?", [turn_id]).fetchone() == ("down", "slack:T1:U3")


def test_ask_a_human_posts_to_the_trainer_channel(slack):
    url, mock = slack
    payload = {"type": "block_actions", "team": {"id": "T1"}, "user": {"id": "U4"}, "channel": {"id": "D4"},
               "message": {"ts": "400.1"}, "trigger_id": "tr", "api_app_id": "A1", "token": "t", "response_url": mock.url + "response/2",
               "actions": [{"action_id": "ask_human", "value": "no-such-turn", "type": "button", "block_id": "b"}]}
    assert send_action(url, payload).status_code == 200
    deadline = time.time() + 30
    while time.time() < deadline and not [p for p in mock.received("chat.postMessage") if p["channel"] == "CTRAINERS"]:
        time.sleep(0.2)
    assert [p for p in mock.received("chat.postMessage") if p["channel"] == "CTRAINERS"]


def test_slash_command_answers_through_the_response_url(slack):
    url, mock = slack
    body = urllib.parse.urlencode({"command": "/tutor", "text": "next", "team_id": "T1", "user_id": "U5", "channel_id": "C5",
                                   "response_url": mock.url + "commands/1", "trigger_id": "tr", "token": "t"})
    assert signed_post(url, body, "application/x-www-form-urlencoded").status_code == 200
    reply = mock.wait_for("1")[-1]
    assert "Here's what I'd take next" in json.dumps(reply)


def test_bad_signature_is_rejected(slack):
    url, mock = slack
    body = json.dumps({"type": "event_callback", "event_id": "Ev-bad", "event": dm("U6", "D6", "hi", "600.1")})
    assert signed_post(url, body, "application/json", secret="wrong").status_code == 401
    time.sleep(1)
    assert not [p for p in mock.received("chat.postMessage") if p["channel"] == "D6"]


def test_rate_limited_web_api_is_retried_without_duplicates(slack):
    url, mock = slack
    mock.failures["chat.postMessage"] = [429]
    send_event(url, dm("U7", "D7", "what is MFA?", "700.1"), "Ev-dm-7")
    _wait_update(mock, "D7", 0)
    posts = [b for m, b in mock.calls if m == "chat.postMessage" and b["channel"] == "D7"]
    assert [p["_status"] for p in posts] == [429, 200]


def test_server_errors_from_web_api_are_retried_with_backoff_without_duplicates(slack):
    url, mock = slack
    mock.failures["chat.postMessage"] = [500, 500]
    mock.failures["chat.update"] = [500]
    send_event(url, dm("U8", "D8", "what is phishing?", "800.1"), "Ev-dm-8")
    update = _wait_update(mock, "D8", 0)
    assert "phishing" in json.dumps(update).lower()
    posts = [(b["_status"], t) for (m, b), t in zip(mock.calls, mock.call_times) if m == "chat.postMessage" and b["channel"] == "D8"]
    assert [status for status, _ in posts] == [500, 500, 200]
    assert posts[2][1] - posts[0][1] >= 0.4, "retries came without backoff"
    updates = [b["_status"] for m, b in mock.calls if m == "chat.update" and b["channel"] == "D8"]
    assert updates == [500, 200], "the answer was posted more than once or not at all"


def test_app_home_shows_progress_and_recommendations_from_the_tutor(slack):
    url, mock = slack
    event = {"type": "app_home_opened", "user": "U10", "channel": "D10", "tab": "home", "event_ts": "1000.1"}
    assert send_event(url, event, "Ev-home-1").status_code == 200
    view = json.dumps(mock.wait_for("views.publish")[-1])
    assert "Your learning" in view and "haven't answered any quiz questions" in view and "Here's what I'd take next" in view
