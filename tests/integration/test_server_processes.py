"""How the two servers are started: the action server with one worker is one process (cli/action_server.py), and
the Rasa server runs Rasa's command line without JAX (bot/rasa_main.py)."""
import os
import signal
import subprocess
import sys
import time

import psutil
import pytest
import requests

from cli.rasa_servers import PROJECT_ROOT, rasa_bin, rasa_server_command
from tests.support.workspace import free_port
from tutor import Settings

pytestmark = pytest.mark.integration


def wait_for_health(url: str, process: subprocess.Popen, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, "the action server exited"
        try:
            if requests.get(url, timeout=2).ok:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise AssertionError(f"{url} did not answer within {timeout:.0f}s")


def test_the_action_server_with_one_worker_is_one_process():
    port = free_port()
    env = {**os.environ, "SANIC_HOST": "127.0.0.1", "ACTION_SERVER_SANIC_WORKERS": "1", "PYTHONPATH": str(PROJECT_ROOT)}
    process = subprocess.Popen([sys.executable, "-m", "cli.action_server", "--actions", "actions", "--port", str(port)],
                               cwd=PROJECT_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True)
    try:
        wait_for_health(f"http://127.0.0.1:{port}/health", process)
        assert psutil.Process(process.pid).children(recursive=True) == []
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        assert process.wait(20) == 0


def test_rasa_runs_without_jax():
    command = rasa_server_command(Settings())
    assert command[1:] == ["-m", "bot.rasa_main"] and command[0] == str(rasa_bin(Settings()).parent / "python")
    check = ("import sys; from bot.rasa_main import UNUSED; [sys.modules.setdefault(n, None) for n in UNUSED]; "
             "import tensorflow, rasa.core.agent; print('jax' in sys.modules and sys.modules['jax'] is not None)")
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT), "TF_CPP_MIN_LOG_LEVEL": "2"}
    out = subprocess.run([command[0], "-c", check], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().splitlines()[-1] == "False"
