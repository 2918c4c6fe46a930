"""The action server dies: the learner gets a clear "try again", and the next turn works once it is back."""
import os
import signal

import pytest

pytestmark = pytest.mark.integration


def texts(messages):
    return "\n".join(m.get("text") or "" for m in messages)


def test_action_server_killed_then_restarted(servers, make_learner):
    learner = make_learner("fault-learner")
    assert "Sources:" in texts(learner.say("what is a RACI chart?"))
    process = servers.processes["actions"]
    os.killpg(process.pid, signal.SIGKILL)  # the server and its worker processes, as a crash would
    process.wait(10)
    reply = learner.say("how do I report a phishing email?")
    assert "try again" in texts(reply).lower()
    assert "You're welcome" in texts(learner.say("thanks"))  # replies that need no action still work
    servers.start_action_server()
    servers.wait_until_ready()
    assert "Sources:" in texts(learner.say("how do I report a phishing email?"))
