"""Rasa's check of action-server replies with the built-once validator (bot/action_replies.py), run by Rasa's own
RemoteAction in Rasa's environment: valid replies pass, invalid ones raise Rasa's own error."""
import json
import os
import subprocess
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit
ROOT = Path(__file__).resolve().parents[2]
RASA_PYTHON = ROOT / ".venv-rasa" / "bin" / "python"

SCRIPT = r'''
import json
from jsonschema import ValidationError, validate
import bot.nlu  # what Rasa imports when it loads the tutor's model
from rasa.core.actions.action import RemoteAction

action = RemoteAction("action_answer_question", None)
spec = RemoteAction.action_response_format_spec()
replies = [
    {"events": [{"event": "slot", "timestamp": None, "name": "last_answer", "value": {"turn": "t1"}},
                {"event": "followup", "timestamp": None, "name": "action_offer_quiz"}],
     "responses": [{"text": "Annual leave: 4 hours per pay period.", "custom": {"kind": "answer"}}]},
    {"events": [], "responses": []},
    {"events": [{"event": "slot"}]},                        # a slot event without a name
    {"events": [{"event": "no_such_event"}]},
    {"events": "not a list"},
    {"responses": [["not", "an", "object"]]},
]
out = []
for reply in replies:
    try:
        validate(reply, spec)
        expected = "valid"
    except ValidationError:
        expected = "invalid"
    try:
        action._validate_action_result(reply)
        got, message = "valid", ""
    except ValidationError as error:
        got, message = "invalid", error.message
    out.append({"expected": expected, "got": got, "message": message})
print(json.dumps({"installed": getattr(RemoteAction._validate_action_result, "_tutor_compiled_validator", False),
                  "results": out}))
'''


@pytest.fixture(scope="module")
def checked() -> dict:
    if not RASA_PYTHON.exists():
        pytest.skip("Rasa's environment (.venv-rasa) is not installed")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "3", "RASA_TELEMETRY_ENABLED": "false"}
    result = subprocess.run([str(RASA_PYTHON), "-c", SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_loading_the_nlu_components_installs_the_validator(checked):
    assert checked["installed"] is True


def test_replies_are_judged_as_jsonschema_judges_them(checked):
    verdicts = [(r["expected"], r["got"]) for r in checked["results"]]
    assert verdicts == [("valid", "valid"), ("valid", "valid"), ("invalid", "invalid"), ("invalid", "invalid"),
                        ("invalid", "invalid"), ("invalid", "invalid")]


def test_an_invalid_reply_gets_rasas_own_message(checked):
    invalid = [r["message"] for r in checked["results"] if r["got"] == "invalid"]
    assert invalid and all("Failed to validate Action server response from API" in m for m in invalid)


def test_without_rasa_installing_does_nothing():
    from bot.action_replies import install

    try:
        from rasa.core.actions.action import RemoteAction  # noqa: F401
    except ImportError:
        assert install() is False
    else:  # pragma: no cover - the project's main environment has no Rasa
        pytest.skip("Rasa is importable here")
