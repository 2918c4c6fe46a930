"""`tutor serve` stops Rasa and the action server on SIGTERM and SIGHUP as it does on Ctrl-C: nothing is left
running (under PID 1, holding the ports) for the next start to trip over."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from tests.support.workspace import ROOT, free_port, write_sqlite_endpoints, write_tutor_config

pytestmark = pytest.mark.integration


def processes_mentioning(marker: str) -> list[int]:
    """Processes whose command line contains `marker` (a path unique to this test)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if marker in (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace"):
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def port_open(port: int) -> bool:
    import socket

    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP], ids=["SIGTERM", "SIGHUP"])
def test_serve_stops_every_child_on_a_signal(tmp_path, course_index, model_cache, servers, signum):
    # (`servers` trains the model this test serves, and is not disturbed by it: other ports, other files.)
    action_port = free_port()
    endpoints = write_sqlite_endpoints(tmp_path / "endpoints.yml", tmp_path / "tracker.db")
    config = write_tutor_config(tmp_path / "tutor.yml", index_dir=course_index, store=tmp_path / "tutor.db",
                                cache_dir=model_cache, action_port=action_port, endpoints=endpoints)
    rasa_port = int(next(line for line in config.read_text().splitlines() if "rasa_port" in line).split(":")[1])
    serve = subprocess.Popen([sys.executable, "-m", "cli", "serve"], cwd=ROOT, stdout=subprocess.DEVNULL,
                             stderr=open(tmp_path / "serve.log", "wb"), env={**os.environ, "TUTOR_CONFIG": str(config)})
    try:
        deadline = time.monotonic() + 300
        while True:
            assert serve.poll() is None, (tmp_path / "serve.log").read_text()[-2000:]
            try:
                if requests.get(f"http://127.0.0.1:{rasa_port}/webhooks/rest/", timeout=2).ok and port_open(action_port):
                    break
            except requests.RequestException:
                pass
            assert time.monotonic() < deadline, "tutor serve did not come up"
            time.sleep(1)
        children = processes_mentioning(str(endpoints)) + processes_mentioning(f"--port {action_port}")
        assert children, "the servers' processes were not found"

        serve.send_signal(signum)
        assert serve.wait(120) == 0
        assert processes_mentioning(str(endpoints)) == [] and processes_mentioning(f"--port {action_port}") == []
        assert not port_open(rasa_port) and not port_open(action_port)
    finally:
        if serve.poll() is None:
            serve.kill()
        for pid in processes_mentioning(str(endpoints)) + processes_mentioning(f"--port {action_port}"):
            os.kill(pid, signal.SIGKILL)
