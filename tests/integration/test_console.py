"""The trainer console against real data: a conversation seeded through the real Rasa REST channel, access
control on every URL, privacy (aliases, redaction, forget), and the pages driven in headless Chromium."""
from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from tests.support.console import launch_chromium, logged_in, sign_in
from tests.support.rest_learner import Learner

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "correct horse battery"


def tutor(workspace: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cli", *args], cwd=ROOT, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "TUTOR_CONFIG": str(workspace / "tutor.yml"), **env})


@pytest.fixture(scope="module")
def seeded(servers, workspace):
    """Two learners' conversations through Rasa, one with PII and feedback."""
    ana = Learner(servers.rasa_url, "ana.example@corp.com")
    ana.say("how do I report a phishing email sent to ana.example@corp.com?")
    ana.say("how do I bake sourdough bread?")
    answer = Learner.answer_payload(ana.say("what does SBI stand for?"))
    ana.say('/give_feedback{"turn_id": "%s", "feedback_value": "down"}' % answer["turn_id"])
    ben = Learner(servers.rasa_url, "ben")
    ben.say("how do I file an expense claim for a client dinner?")
    for user, role in (("trainer1", "trainer"), ("admin1", "admin"), ("learner1", "learner")):
        result = tutor(workspace, "users", "add", user, "--role", role, TUTOR_USER_PASSWORD=PASSWORD)
        assert result.returncode == 0, result.stderr
    # Trainers see the learners of their groups only: trainer1 looks after the group both learners are in.
    (workspace / "groups.csv").write_text("learner,group\nana.example@corp.com,support\nben,support\n")
    for args in (("groups", "import", str(workspace / "groups.csv")), ("groups", "assign", "trainer1", "support")):
        result = tutor(workspace, *args)
        assert result.returncode == 0, result.stderr
    return workspace


@pytest.fixture(scope="module")
def console_url(seeded):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    config = seeded / "console.yml"
    config.write_text((seeded / "tutor.yml").read_text() + f"console:\n  port: {port}\n")
    process = subprocess.Popen([sys.executable, "-m", "cli", "console"], cwd=ROOT, stdout=subprocess.DEVNULL,
                               stderr=open(seeded / "logs" / "console.log", "ab"),
                               env={**os.environ, "TUTOR_CONFIG": str(config), "TUTOR_CONSOLE_SECRET": "test-secret"})
    url = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            requests.get(url + "/login", timeout=1)
            break
        except requests.RequestException:
            time.sleep(0.3)
    yield url
    process.terminate()
    process.wait(10)


def session_for(url: str, user: str) -> requests.Session:
    return logged_in(url, user, PASSWORD)


PATHS = ["/", "/conversations", "/api/conversations", "/gaps", "/api/gaps", "/analytics", "/api/analytics", "/export.csv", "/export.json",
         "/questions", "/api/questions", "/questions/new"]


@pytest.mark.parametrize("path", PATHS)
def test_anonymous_and_learner_requests_are_refused(console_url, path):
    anonymous = requests.get(console_url + path, allow_redirects=False, timeout=10)
    assert anonymous.status_code in (303, 401) and "Learner-" not in anonymous.text
    learner = session_for(console_url, "learner1").get(console_url + path, allow_redirects=False, timeout=30)
    assert learner.status_code == 403


def test_wrong_password_and_missing_csrf_are_refused(console_url):
    assert requests.post(console_url + "/login", data={"username": "trainer1", "password": "nope"}, timeout=10).status_code == 403
    browser = requests.Session()
    assert "Wrong user name or password" in sign_in(browser, "trainer1", "nope", console_url).text
    trainer = session_for(console_url, "trainer1")
    key = trainer.get(console_url + "/api/conversations", timeout=30).json()["conversations"][0]["key"]
    assert trainer.post(f"{console_url}/conversations/{key}/review", timeout=10).status_code == 403


def test_trainers_see_aliases_and_redacted_text_admins_see_identities(console_url):
    trainer = session_for(console_url, "trainer1").get(console_url + "/api/conversations", timeout=30).json()["conversations"]
    assert all(c["learner"].startswith("Learner-") for c in trainer)
    admin = session_for(console_url, "admin1").get(console_url + "/api/conversations", timeout=30).json()["conversations"]
    assert "ana.example@corp.com" in {c["learner"] for c in admin}
    key = next(c["key"] for c in admin if c["learner"] == "ana.example@corp.com")
    detail = session_for(console_url, "trainer1").get(f"{console_url}/api/conversations/{key}", timeout=30).json()
    text = str(detail)
    assert "[email]" in text and "ana.example@corp.com" not in text
    assert any(t["feedback"] == "down" for t in detail["turns"]) and any(t["abstained"] for t in detail["turns"])


def test_filters_gaps_and_analytics(console_url):
    # Other tests share this database, so check for the seeded learners rather than exact totals.
    admin = session_for(console_url, "admin1")

    def learners(query):
        return {c["learner"] for c in admin.get(console_url + "/api/conversations?" + query, timeout=30).json()["conversations"]}

    assert {"ana.example@corp.com", "ben"} <= learners("abstained=1")
    assert "ana.example@corp.com" in learners("thumbs_down=1") and "ben" not in learners("thumbs_down=1")
    assert learners("q=sourdough") == {"ana.example@corp.com"}
    assert learners("learner=ben") == {"ben"}
    clusters = admin.get(console_url + "/api/gaps", timeout=120).json()["clusters"]
    examples = [e for c in clusters for e in c["examples"]]
    assert any("sourdough" in e for e in examples) and any("expense" in e for e in examples)
    assert clusters[0]["size"] >= clusters[-1]["size"]
    stats = session_for(console_url, "trainer1").get(console_url + "/api/analytics", timeout=30).json()
    assert stats["rates"]["turns"] >= 4 and stats["rates"]["thumbs down"] == 1 and 0 < stats["rates"]["abstain rate"] < 1


def test_pages_in_headless_chromium(console_url, tmp_path):
    from playwright.sync_api import sync_playwright

    shots = Path(os.environ.get("TUTOR_SCREENSHOTS", tmp_path))
    shots.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = launch_chromium(p)
        page = browser.new_page(accept_downloads=True, viewport={"width": 1280, "height": 900})
        page.goto(console_url + "/conversations")
        assert "/login" in page.url
        page.fill("input[name=username]", "trainer1")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url("**/conversations")
        page.screenshot(path=str(shots / "console-conversations.png"), full_page=True)
        page.fill("input[name=q]", "sourdough")
        page.click("text=Search")
        page.wait_for_url("**q=sourdough**")
        assert page.locator("tbody tr").count() == 1
        page.click("text=Open")
        assert page.locator(".turn").count() >= 3
        assert "[email]" in page.content()
        page.fill(".turn >> nth=0 >> input[name=text]", "Answer quotes the wrong step")
        page.click(".turn >> nth=0 >> button.annotate")
        page.wait_for_selector("text=Answer quotes the wrong step")
        page.click("#mark-reviewed")
        page.wait_for_selector("text=Reviewed by trainer1")
        page.screenshot(path=str(shots / "console-conversation.png"), full_page=True)
        page.goto(console_url + "/gaps")
        page.screenshot(path=str(shots / "console-gaps.png"), full_page=True)
        page.goto(console_url + "/analytics")
        page.screenshot(path=str(shots / "console-analytics.png"), full_page=True)
        page.goto(console_url + "/conversations?abstained=1")
        with page.expect_download() as download:
            page.click("#export-csv")
        exported = Path(download.value.path()).read_text(encoding="utf-8")
        assert exported.startswith("\ufeffturn_id,")  # the byte-order mark tells Excel the file is UTF-8
        assert "sourdough" in exported and "@" not in exported
        browser.close()


def test_forget_removes_a_learner_everywhere(make_learner, seeded, workspace):
    learner = make_learner("carla")
    learner.say("I'm a data analyst aiming for senior analyst")
    learner.say("quiz me on SQL joins")
    learner.say("1")
    learner.say("what is a RACI chart?")
    with sqlite3.connect(workspace / "tutor.db") as db:
        assert db.execute("select count(*) from attempts where learner = 'carla'").fetchone()[0] == 1
        assert db.execute("select count(*) from profiles where learner = 'carla'").fetchone()[0] == 1
    result = tutor(workspace, "forget", "carla")
    assert result.returncode == 0 and "Deleted:" in result.stderr, result.stderr
    with sqlite3.connect(workspace / "tutor.db") as db:
        for table, column in (("turns", "learner"), ("attempts", "learner"), ("mastery", "learner"), ("review_cards", "learner"),
                              ("quiz_sessions", "learner"), ("profiles", "learner"), ("enrolments", "learner")):
            assert db.execute(f"select count(*) from {table} where {column} = 'carla'").fetchone()[0] == 0, table
    with sqlite3.connect(workspace / "tracker.db") as db:
        assert db.execute("select count(*) from events where sender_id = 'carla'").fetchone()[0] == 0
    assert "Nothing stored" in tutor(workspace, "forget", "carla").stderr
