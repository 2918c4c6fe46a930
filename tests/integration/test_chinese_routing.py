"""Chinese messages through the real Rasa server: the Chinese routing test set reaches the right intents, commands
in Chinese keep their intent while Chinese content questions reach the tutor, and the `language` slot follows the
language the learner writes in."""
import json
import os
import subprocess

import pytest
import requests

from cli.rasa_servers import PROJECT_ROOT, train
from tests.support.rest_learner import Learner
from tutor import load_settings

pytestmark = pytest.mark.integration
MIN_ACCURACY = 0.95


def test_the_chinese_routing_set(servers, workspace):
    """tests/rasa/routing_zh.yml through the trained model (bot/nlu/routing_report.py): at least 95% of its
    messages reach the right intent (the tutor for a question, its own intent for a command)."""
    model = train(load_settings(workspace / "tutor.yml"))
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT), "TF_CPP_MIN_LOG_LEVEL": "3", "RASA_TELEMETRY_ENABLED": "false"}
    result = subprocess.run([str(PROJECT_ROOT / ".venv-rasa" / "bin" / "python"), "-m", "bot.nlu.routing_report", str(model),
                             str(PROJECT_ROOT / "tests" / "rasa" / "routing_zh.yml"), "--json"],
                            cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout[result.stdout.index("{"):])
    wrong = report["questions"]["routed_away"] + report["commands"]["taken_for_questions"] + report["commands"]["other_intent"]
    assert report["questions"]["total"] + report["commands"]["total"] >= 80
    assert report["accuracy"] >= MIN_ACCURACY, (report["confusion"], wrong)


def tracker_slot(servers, sender: str, slot: str):
    reply = requests.get(f"{servers.rasa_url}/conversations/{sender}/tracker", timeout=60)
    assert reply.status_code == 200, reply.text
    return reply.json()["slots"].get(slot)


def last_turn(servers, sender: str):
    """The intent of the learner's last message and the first action that answered it."""
    events = requests.get(f"{servers.rasa_url}/conversations/{sender}/tracker", timeout=60).json()["events"]
    last = max(i for i, e in enumerate(events) if e["event"] == "user")
    skipped = ("action_listen", "action_extract_slots")
    actions = [e["name"] for e in events[last:] if e["event"] == "action" and e["name"] not in skipped]
    return events[last]["parse_data"]["intent"]["name"], actions[0] if actions else None


def test_chinese_commands_keep_their_intent_and_questions_reach_the_tutor(servers, make_learner):
    learner = make_learner("zh-commands")
    greeting = learner.say("你好")
    assert greeting and Learner.answer_payload(greeting) is None
    assert any((m.get("custom") or {}).get("type") == "quiz_question" for m in learner.say("考考我"))
    learner.say("暂停测验")
    assert any((m.get("custom") or {}).get("type") == "progress" for m in learner.say("我学得怎么样"))
    thanks = learner.say("谢谢")
    assert thanks and Learner.answer_payload(thanks) is None
    make_learner("zh-question").say("收到可疑的钓鱼邮件应该向谁报告？")
    assert last_turn(servers, "zh-question") == ("ask_question", "action_answer_question")


def test_the_language_slot_follows_the_learner(servers, make_learner):
    learner = make_learner("zh-language")
    learner.say("你好")
    assert tracker_slot(servers, "zh-language", "language") == "zh"
    learner.say("ok")  # shows no language: the learner's stays
    assert tracker_slot(servers, "zh-language", "language") == "zh"
    learner.say("thanks a lot")
    assert tracker_slot(servers, "zh-language", "language") == "en"
