"""The tutor's dialogue model loaded without a training step (bot/model_loading.py) predicts what Rasa's own loading
predicts: the same intents and confidences for messages, the same next-action probabilities for the training
stories; and it holds no optimizer, so the lean loading is what ran."""
import json
import os
import subprocess

import pytest

from cli.rasa_servers import PROJECT_ROOT, rasa_bin, train
from tutor import load_settings

pytestmark = pytest.mark.integration

SCRIPT = r'''
import asyncio, gc, json, os, sys
from rasa.utils.tensorflow.models import RasaModel
if os.environ.get("RASA_WAY"):
    RasaModel.load.__func__._tutor_loads_without_training = True  # install() then leaves Rasa's loading alone
from rasa.core.agent import load_agent
from rasa.core.policies.ted_policy import TEDPolicy
from rasa.core.training import load_data
from rasa.shared.core.events import ActionExecuted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

MESSAGES = ["hello", "how do I report a phishing email?", "quiz me on SQL", "what should I learn next?",
            "如何报告钓鱼邮件？", "skip", "Can I expense a $40 lunch in Canada?", "thanks, bye", "I'm a data analyst"]
agent = asyncio.run(load_agent(model_path=sys.argv[1]))

async def parses():
    return [[(r["name"], r["confidence"]) for r in (await agent.parse_message(m))["intent_ranking"]] for m in MESSAGES]

ted = next(o for o in gc.get_objects() if isinstance(o, TEDPolicy))
actions = []
for story in load_data("data/stories", agent.domain, augmentation_factor=0):
    events = list(story.events)
    for n, event in enumerate(events, 1):
        if isinstance(event, (UserUttered, ActionExecuted)):
            tracker = DialogueStateTracker.from_events(story.sender_id, events[:n], agent.domain.slots)
            actions.append([float(p) for p in ted.predict_action_probabilities(tracker, agent.domain).probabilities])
models = [o for o in gc.get_objects() if isinstance(o, RasaModel)]
print(json.dumps({"parses": asyncio.run(parses()), "actions": actions,
                  "optimizers": [m.optimizer is not None for m in models]}))
'''


def predictions(model, rasa_way: bool) -> dict:
    env = {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "PYTHONPATH": str(PROJECT_ROOT), "TF_CPP_MIN_LOG_LEVEL": "2"}
    if rasa_way:
        env["RASA_WAY"] = "1"
    python = rasa_bin(load_settings()).parent / "python"
    out = subprocess.run([str(python), "-c", SCRIPT, str(model)], cwd=PROJECT_ROOT, env=env, capture_output=True,
                         text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_loading_without_a_training_step_predicts_the_same(workspace):
    model = train(load_settings(workspace / "tutor.yml"))
    rasa_way, lean = predictions(model, rasa_way=True), predictions(model, rasa_way=False)
    assert all(rasa_way["optimizers"]) and len(rasa_way["optimizers"]) == 2  # DIET and TED, each fitted one step
    assert not any(lean["optimizers"]) and len(lean["optimizers"]) == 2
    assert lean["parses"] == rasa_way["parses"]
    assert len(lean["actions"]) > 50 and lean["actions"] == rasa_way["actions"]
