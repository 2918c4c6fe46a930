"""CPU time per server for the evaluations' per-turn cost (eval/load/load_stack.py, eval/quality/handbook_eval.py):
a server's time includes its worker processes, and a server that has exited is left out rather than failing."""
import subprocess
import sys
import time

import pytest

from eval.load.load_stack import RunningLayout
from eval.quality.handbook_eval import cpu_per_turn

pytestmark = pytest.mark.unit
BUSY = "import time\nt = time.process_time()\nwhile time.process_time() - t < {seconds}: pass\nimport sys; sys.stdin.read()"


def test_a_servers_cpu_time_counts_its_workers(tmp_path):
    # a "server" whose worker burns 0.3 s of CPU and then waits
    parent = subprocess.Popen([sys.executable, "-c", f"import subprocess, sys\n"
                               f"w = subprocess.Popen([sys.executable, '-c', {BUSY.format(seconds=0.3)!r}], stdin=subprocess.PIPE)\n"
                               f"sys.stdin.read(); w.kill()"], stdin=subprocess.PIPE)
    try:
        layout = RunningLayout("http://127.0.0.1:1", tmp_path / "tutor.db", pids={"actions": parent.pid})
        deadline = time.monotonic() + 60
        while layout.cpu_seconds().get("actions", 0.0) < 0.3 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert layout.cpu_seconds()["actions"] >= 0.3
    finally:
        parent.kill()
        parent.wait()
    assert layout.cpu_seconds() == {}


def test_cpu_per_turn_is_each_servers_difference_over_the_turns():
    per_turn = cpu_per_turn({"rasa": 10.0, "actions": 20.0}, {"rasa": 10.6, "actions": 22.0}, turns=10)
    assert per_turn == pytest.approx({"Rasa": 60.0, "action": 200.0})
