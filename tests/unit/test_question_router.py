"""The NLU component that sends question-like messages taken for a command to the question intent
(bot/nlu/question_router.py), trained, persisted, loaded and run by Rasa's own classes in Rasa's environment."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit
ROOT = Path(__file__).resolve().parents[2]
RASA_PYTHON = ROOT / ".venv-rasa" / "bin" / "python"

SCRIPT = r'''
import json, sys
from pathlib import Path
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from bot.nlu.question_router import QuestionRouter

examples = {
    "help": ["what can you do", "how can you help me", "what kind of questions can I ask", "how do I use this bot"],
    "out_of_scope": ["order me a pizza", "book a flight to paris", "what's the weather like today", "tell me a joke"],
    "set_profile": ["I'm a data analyst", "I work as a nurse", "my role is sales manager"],
    "deny": ["no", "no thanks", "don't", "not now"],
    "ask_question": ["how do I report phishing", "what is the expenses policy", "how many days of leave do I get"],
    "greet": ["hi", "hello there", "good morning"],
}
storage = LocalModelStorage(Path(sys.argv[1]))
context = ExecutionContext(GraphSchema({}), "test")
resource = Resource("question_router")
router = QuestionRouter.create({}, storage, resource, context)
router.train(TrainingData([Message(data={"text": t, "intent": i}) for i, ts in examples.items() for t in ts]))
loaded = QuestionRouter.load({}, storage, resource, context)  # what the server runs: the persisted vocabularies

out = []
for text, intent, confidence in json.loads(sys.argv[2]):
    message = Message(data={"text": text, "intent": {"name": intent, "confidence": confidence},
                            "intent_ranking": [{"name": intent, "confidence": confidence}]})
    loaded.process([message])
    out.append({"intent": message.get("intent"), "ranking": message.get("intent_ranking"),
                "routing": message.get("question_routing"), "output": sorted(message.output_properties)})
print(json.dumps(out))
'''


CASES = [
    ("Can I expense a $40 lunch in Canada?", "out_of_scope", 0.99),
    ("How long is parental leave?", "help", 0.9),
    ("I'm a contractor, can I use the VPN?", "set_profile", 0.8),
    ("don't we get paid for overtime?", "deny", 0.7),
    ("年假可以结转到明年吗？", "greet", 0.55),
    ("what can you do?", "help", 0.9),            # a command worded as a question: made of its own words
    ("how do I use this bot?", "help", 0.6),
    ("I'm a designer", "set_profile", 0.7),       # a statement, not a question
    ("order me a pizza", "out_of_scope", 0.95),
    ("hello there", "greet", 0.99),
    ("no thanks", "deny", 0.9),
    ("Can I claim 200 euros for a new office chair?", "out_of_scope", 0.73),
    ("How long is parental leave?", "nlu_fallback", 0.5),
    ('/give_feedback{"turn_id": "t1", "feedback_value": "down"}', "give_feedback", 1.0),
    ("what is the expenses policy?", "ask_question", 0.97),
]


@pytest.fixture(scope="module")
def parsed(tmp_path_factory) -> dict[tuple[str, str], dict]:
    """Each case through the component (one Rasa process for all of them), by (text, intent given)."""
    if not RASA_PYTHON.exists():
        pytest.skip("Rasa's environment (.venv-rasa) is not installed")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "3", "RASA_TELEMETRY_ENABLED": "false"}
    result = subprocess.run([str(RASA_PYTHON), "-c", SCRIPT, str(tmp_path_factory.mktemp("router")), json.dumps(CASES)],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    results = json.loads(result.stdout.strip().splitlines()[-1])
    return {(text, intent): r for (text, intent, _), r in zip(CASES, results)}


def test_questions_taken_for_commands_go_to_the_question_intent_and_commands_stay(parsed):
    routed = {text: parsed[(text, intent)]["intent"]["name"] == "ask_question" for text, intent, _ in CASES[:11]}
    assert routed == {
        "Can I expense a $40 lunch in Canada?": True, "How long is parental leave?": True,
        "I'm a contractor, can I use the VPN?": True, "don't we get paid for overtime?": True,
        "年假可以结转到明年吗？": True,
        "what can you do?": False, "how do I use this bot?": False, "I'm a designer": False,
        "order me a pizza": False, "hello there": False, "no thanks": False,
    }


def test_a_routed_message_keeps_what_the_classifier_said(parsed):
    result = parsed[("Can I claim 200 euros for a new office chair?", "out_of_scope")]
    assert result["intent"]["name"] == "ask_question" and result["ranking"][0] == result["intent"]
    assert result["ranking"][1] == {"name": "out_of_scope", "confidence": 0.73}
    assert result["routing"]["from"] == "out_of_scope" and result["routing"]["confidence"] == 0.73
    assert result["routing"]["question_likeness"] == result["intent"]["confidence"] >= 0.5
    assert {"intent", "intent_ranking", "question_routing"} <= set(result["output"])  # in Rasa's parse data


def test_the_fallback_payloads_and_the_question_intent_are_left_alone(parsed):
    left = [parsed[(text, intent)] for text, intent, _ in CASES[12:]]
    assert [r["intent"]["name"] for r in left] == ["nlu_fallback", "give_feedback", "ask_question"]
    assert all(r["routing"] is None for r in left)
