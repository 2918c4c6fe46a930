"""The trainer console as a real server for integration tests: an account made with `tutor users add`, the
console started with `tutor console` on a free loopback port, and a logged-in HTTP session."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest
import requests

from .workspace import ROOT, free_port


def tutor_command(workspace: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cli", *args], cwd=ROOT, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "TUTOR_CONFIG": str(workspace / "tutor.yml"), **env})


def add_user(workspace: Path, name: str, role: str, password: str) -> None:
    result = tutor_command(workspace, "users", "add", name, "--role", role, TUTOR_USER_PASSWORD=password)
    assert result.returncode == 0, result.stderr


@contextmanager
def running_console(workspace: Path, secret: str = "test-secret") -> Iterator[str]:
    """`tutor console` over the workspace's records; yields its URL once it answers."""
    config = workspace / f"console-{os.getpid()}-{time.monotonic_ns()}.yml"
    config.write_text((workspace / "tutor.yml").read_text() + f"console:\n  port: {free_port()}\n")
    (workspace / "logs").mkdir(exist_ok=True)
    with open(workspace / "logs" / "console.log", "ab") as log:
        process = subprocess.Popen([sys.executable, "-m", "cli", "console"], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=log,
                                   env={**os.environ, "TUTOR_CONFIG": str(config), "TUTOR_CONSOLE_SECRET": secret})
    url = f"http://127.0.0.1:{config.read_text().split('port: ')[-1].strip()}"
    try:
        for _ in range(200):
            try:
                requests.get(url + "/login", timeout=1)
                break
            except requests.RequestException:
                assert process.poll() is None, f"the console exited; see {workspace / 'logs' / 'console.log'}"
                time.sleep(0.3)
        yield url
    finally:
        process.terminate()
        process.wait(10)


def logged_in(url: str, user: str, password: str) -> requests.Session:
    session = requests.Session()
    reply = session.post(url + "/login", data={"username": user, "password": password}, allow_redirects=False, timeout=10)
    assert reply.status_code == 303, reply.text
    return session


CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def launch_chromium(playwright):
    """Debian's headless Chromium (Playwright's own browser download does not work offline), kept off the network."""
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed")
    return playwright.chromium.launch(executable_path=CHROMIUM, args=[
        "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"])
