"""The trainer console as a real server for integration tests: an account made with `tutor users add`, the
console started with `tutor console` on a free loopback port, and a logged-in HTTP session."""
from __future__ import annotations

import os
import re
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
def running_console(workspace: Path, secret: str = "test-secret", **env: str) -> Iterator[str]:
    """`tutor console` over the workspace's records (its tutor.yml, on a free port); yields its URL once it answers."""
    port = free_port()
    (workspace / "logs").mkdir(exist_ok=True)
    with open(workspace / "logs" / "console.log", "ab") as log:
        process = subprocess.Popen([sys.executable, "-m", "cli", "console"], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=log,
                                   env={**os.environ, "TUTOR_CONFIG": str(workspace / "tutor.yml"), "TUTOR_CONSOLE_SECRET": secret,
                                        "TUTOR_CONSOLE__PORT": str(port), **env})
    url = f"http://127.0.0.1:{port}"
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


def csrf_of(page: str) -> str:
    """The CSRF token in a console page's forms (the sign-in form's, before sign-in)."""
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found, "no CSRF token on the page"
    return found.group(1)


def sign_in(client, user: str, password: str, url: str = ""):
    """Sign in through the form, as a browser does (the form's CSRF token first); the reply to the POST. `client`
    is a requests.Session (with `url`) or Starlette's TestClient."""
    token = csrf_of(client.get(url + "/login").text)
    form = {"username": user, "password": password, "csrf": token}
    if isinstance(client, requests.Session):
        return client.post(url + "/login", data=form, allow_redirects=False, timeout=30)
    return client.post("/login", data=form, follow_redirects=False)


def logged_in(url: str, user: str, password: str) -> requests.Session:
    session = requests.Session()
    reply = sign_in(session, user, password, url)
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


class Clock:
    """A clock a test moves by hand: the console takes one for sessions, sign-in throttling and the audit trail."""

    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


PASSWORD = "correct horse battery"
# Two teams: ana is in group A (trainer-a looks after it), ben in group B (trainer-b).
TEAM_TURNS = {"ana": ("how do I report a phishing email sent to ana@corp.example?", "Use the report button.", "c-ana"),
              "ben": ("how do I file an expense claim?", "Use the expenses app.", "c-ben")}


def console_tutor(tmp_path: Path, console_yaml: str = ""):
    """A Tutor over an empty database in `tmp_path` (no index, no Rasa), with extra `console:` settings (YAML lines,
    indented two spaces)."""
    from tutor import Tutor, load_settings

    (tmp_path / "tutor.yml").write_text(
        f"paths:\n  store: {tmp_path / 'tutor.db'}\n  index_dir: {tmp_path / 'no-index'}\n"
        f"servers:\n  endpoints: {tmp_path / 'none.yml'}\n" + (f"console:\n{console_yaml}" if console_yaml else ""))
    return Tutor(load_settings(tmp_path / "tutor.yml", environ={}))


def seed_teams(tutor) -> dict[str, str]:
    """Accounts admin1, trainer-a (group A), trainer-b (group B), trainer-none (no group), learner1; one conversation
    each for ana (group A) and ben (group B). Returns the turn id of each learner's turn."""
    from console.auth import add_user
    from store import Groups

    turns = {learner: tutor.records.turns.record(learner, q, a, channel="rest", conversation_id=cid)
             for learner, (q, a, cid) in TEAM_TURNS.items()}
    for name, role in (("admin1", "admin"), ("trainer-a", "trainer"), ("trainer-b", "trainer"), ("trainer-none", "trainer"),
                       ("learner1", "learner")):
        add_user(tutor.records.accounts, name, PASSWORD, role)
    groups = Groups(tutor.records.db)
    groups.import_memberships([("ana", "A"), ("ben", "B")])
    groups.set_trainer_groups("trainer-a", ["A"])
    groups.set_trainer_groups("trainer-b", ["B"])
    return turns
