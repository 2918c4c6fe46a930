"""Learning records reach a real LRS: Ralph (from .venv-ralph) on loopback. What the Tutor core records arrives
as xAPI statements with the right verbs and context; while the LRS is down the outbox holds them and, once it is
back, each arrives once, even when a batch is sent again after the LRS stored it; statements the LRS refuses or
that are not valid xAPI go to the dead-letter list, which admins see in the console."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from cli.lrs_server import LocalRalph, ralph_available
from retrieval import RetrievalSettings, ingest
from tests.conftest import COURSES
from tests.support.console import sign_in
from tests.support.fakes import HashingEmbedder
from tests.support.workspace import ROOT, free_port
from tutor import Tutor, load_settings
from xapi import LrsClient, problems

pytestmark = pytest.mark.integration
PASSWORD = "lrs-test-password"


def start_ralph(folder: Path) -> LocalRalph:
    if not ralph_available():
        pytest.skip(".venv-ralph is missing: scripts/setup.sh (make setup) installs the Ralph LRS these tests run")
    return LocalRalph(folder, port=free_port(), password=PASSWORD).start()


@pytest.fixture(scope="module")
def lrs(tmp_path_factory):
    server = start_ralph(tmp_path_factory.mktemp("ralph"))
    yield server
    server.stop()


@pytest.fixture(scope="module")
def index(tmp_path_factory) -> Path:
    """The sample courses, embedded by the fake embedder (what is tested here is the records, not the answers)."""
    folder = tmp_path_factory.mktemp("index")
    ingest(COURSES, folder, HashingEmbedder(), RetrievalSettings())
    return folder


def make_tutor(tmp_path: Path, index: Path, endpoint: str, monkeypatch, extra: str = "") -> Tutor:
    monkeypatch.setenv("TUTOR_LRS_PASSWORD", PASSWORD)
    (tmp_path / "tutor.yml").write_text(
        f"paths:\n  index_dir: {index}\n  store: {tmp_path / 'tutor.db'}\n  cache_dir: {tmp_path / 'cache'}\n"
        f"servers:\n  endpoints: {tmp_path / 'none.yml'}\n"
        f"lrs:\n  endpoint: {endpoint}\n  batch_size: 50\n  backoff_min_s: 0.05\n  backoff_max_s: 0.2\n{extra}")
    return Tutor(load_settings(tmp_path / "tutor.yml", environ={}), embedder=HashingEmbedder())


def reader(server: LocalRalph) -> LrsClient:
    return LrsClient(server.endpoint + "statements", server.username, PASSWORD)


def in_lrs(server: LocalRalph, ids: list[str]) -> dict[str, dict]:
    wanted = set(ids)
    return {s["id"]: s for s in reader(server).read_all() if s["id"] in wanted}


def answer_right(tutor: Tutor, learner: str) -> None:
    session = tutor.records.learning.open_session(learner)
    question = tutor.records.learning.question(session["question_ids"][session["position"]])
    reply = str(question["options"].index(question["answer"]) + 1) if question["kind"] == "mcq" else question["answer"]
    tutor.answer_quiz(learner, reply, 4200.0)


def test_a_question_a_quiz_answer_and_a_recommendation_arrive_with_their_verbs_and_context(tmp_path, index, lrs, monkeypatch):
    tutor = make_tutor(tmp_path, index, lrs.endpoint, monkeypatch)
    turn = tutor.answer("ana", "how do I report a phishing email?", channel="rest").replies[0].turn_id
    assert tutor.feedback("ana", turn, "up").replies[0].stored
    assert tutor.start_quiz("ana", "phishing").quiz == "asking"
    session = tutor.records.learning.open_session("ana")
    answer_right(tutor, "ana")
    first = tutor.recommend("ana").replies[0].items[0]
    tutor.enrol("ana", first["title"])

    report = tutor.learning_records.send()
    ids = tutor.records.outbox.statement_ids()
    assert report.delivered == len(ids) and report.dead == 0 and tutor.learning_records.status().pending == 0
    stored = in_lrs(lrs, ids)
    assert sorted(stored) == sorted(ids)
    assert all(problems(s) == [] for s in stored.values())
    by_verb: dict[str, list[dict]] = {}
    for statement in stored.values():
        by_verb.setdefault(statement["verb"]["display"]["en-US"], []).append(statement)
    assert sorted(by_verb) == ["answered", "asked", "experienced", "progressed", "rated", "registered"]

    [asked] = by_verb["asked"]
    assert asked["object"]["id"] == f"https://tutor.invalid/inquiries/{turn}" and asked["result"]["success"] is True
    assert asked["context"]["contextActivities"]["grouping"][0]["id"] == "https://tutor.invalid/courses/infosec-basics"
    assert asked["context"]["contextActivities"]["parent"][0]["id"].startswith("https://tutor.invalid/courses/infosec-basics/sections/")
    assert asked["context"]["extensions"]["https://tutor.invalid/xapi/extensions/channel"] == "rest"
    assert by_verb["rated"][0]["object"]["id"] == asked["object"]["id"]

    [answered] = by_verb["answered"]
    assert answered["result"]["success"] is True and answered["result"]["duration"] == "PT4.2S"
    assert answered["result"]["score"]["scaled"] == 1.0 and answered["context"]["registration"] == str(uuid.UUID(session["session_id"]))
    assert answered["context"]["contextActivities"]["parent"][0]["id"] == f"https://tutor.invalid/quizzes/{session['session_id']}"
    assert answered["object"]["id"] == f"https://tutor.invalid/questions/{session['question_ids'][0]}"
    [progressed] = by_verb["progressed"]
    [(skill, mastery)] = tutor.records.learning.mastery("ana").items()
    assert progressed["object"]["id"] == f"https://tutor.invalid/skills/{skill}"
    assert progressed["result"]["score"]["scaled"] == round(mastery["p_mastery"], 4)

    [registered], [experienced] = by_verb["registered"], by_verb["experienced"]
    course = f"https://tutor.invalid/courses/{first['course_id']}"
    assert registered["object"]["id"] == course and experienced["object"]["id"] == course
    assert experienced["context"]["extensions"]["https://tutor.invalid/xapi/extensions/recommendation-rank"] == 1
    assert all(s["actor"]["account"]["name"] == asked["actor"]["account"]["name"] != "ana" for s in stored.values())


def test_while_the_lrs_is_down_the_outbox_holds_and_once_back_each_statement_arrives_once(tmp_path, index, monkeypatch):
    server = start_ralph(tmp_path / "ralph")
    try:
        tutor = make_tutor(tmp_path, index, server.endpoint, monkeypatch)
        tutor.answer("ana", "how do I report a phishing email?")
        server.stop(signal.SIGKILL)
        for question in ("what is MFA?", "how long must a password be?", "what does SBI stand for?"):
            tutor.answer("ben", question)
        down = tutor.learning_records.send()
        assert down.stalled and down.delivered == 0 and "could not reach the LRS" in down.error
        status = tutor.learning_records.status()
        assert status.pending == 4 and status.dead == 0 and "could not reach the LRS" in status.last_error

        server.start()
        sender = tutor.learning_records.start_sender()  # as `tutor serve` runs it
        try:
            deadline = time.monotonic() + 120
            while tutor.learning_records.status().pending and time.monotonic() < deadline:
                time.sleep(0.2)
        finally:
            sender.stop()
        assert tutor.learning_records.status().pending == 0 and tutor.learning_records.status().delivered == 4
        ids = tutor.records.outbox.statement_ids()
        assert sorted(server.stored_ids()) == sorted(ids)

        # The LRS stored a statement but its answer never came: it is sent again, and the LRS keeps it once.
        tutor.answer("ana", "what is phishing?")
        [row] = tutor.records.outbox.pending()
        assert reader(server).post([row.statement]).kind == "stored"  # it reached the LRS; the tutor never heard back
        resent = tutor.learning_records.send()
        assert resent.delivered == 1
        stored = server.stored_ids()
        assert len(stored) == len(set(stored)) == 5 and row.statement_id in stored
    finally:
        server.stop()


def test_refused_and_invalid_statements_go_to_the_dead_letter_list_shown_to_admins(tmp_path, index, lrs, monkeypatch):
    from console.app import create_app
    from console.auth import add_user

    tutor = make_tutor(tmp_path, index, lrs.endpoint, monkeypatch, extra="  actor: mbox\n")
    builder, outbox = tutor.learning_records.statements, tutor.records.outbox
    kept = builder.rated("ana@example.com", turn_id="t1", value="up")
    assert reader(lrs).post([kept]).kind == "stored"
    conflicting = {**kept, "result": {"response": "down"}}  # the same id with other content: the LRS answers 409
    outbox.add("ana@example.com", [builder.rated("ana@example.com", turn_id="t2", value="up"), conflicting,
                                   builder.rated("ana@example.com", turn_id="t3", value="human")])
    outbox.add("slack:T1:U1", [builder.rated("slack:T1:U1", turn_id="t4", value="up")])  # no e-mail: not valid xAPI

    report = tutor.learning_records.send()
    assert (report.delivered, report.dead) == (2, 2)
    letters = {r.statement_id: r.last_error for r in tutor.learning_records.dead_letters()}
    assert letters[kept["id"]].startswith("the LRS refused it (HTTP 409)")
    [invalid] = [error for sid, error in letters.items() if sid != kept["id"]]
    assert invalid == "invalid xAPI statement: actor.mbox: not a mailto: e-mail address"
    assert len(in_lrs(lrs, outbox.statement_ids())) == 3  # the two delivered and the one the LRS already had

    add_user(tutor.records.accounts, "admin1", "correct horse battery", "admin")
    add_user(tutor.records.accounts, "trainer1", "correct horse battery", "trainer")
    with TestClient(create_app(tutor, "test-secret")) as client:
        assert sign_in(client, "trainer1", "correct horse battery").status_code == 303
        assert client.get("/admin/learning-records", follow_redirects=False).status_code == 403
    with TestClient(create_app(tutor, "test-secret")) as client:
        assert sign_in(client, "admin1", "correct horse battery").status_code == 303
        page = client.get("/admin/learning-records")
        assert page.status_code == 200 and "HTTP 409" in page.text and "actor.mbox: not a mailto: e-mail address" in page.text
        assert kept["id"] in page.text and "ana@example.com" not in page.text.split("<pre>")[0]
        data = client.get("/api/admin/learning-records").json()
        assert data["dead"] == 2 and data["delivered"] == 2 and len(data["dead_letters"]) == 2
        token = page.text.split('name="csrf" value="')[1].split('"')[0]
        back = client.post("/admin/learning-records/requeue", data={"csrf": token, "statement_id": kept["id"]},
                           follow_redirects=False)
        assert back.status_code == 303 and back.headers["location"] == "/admin/learning-records?done=1"
    assert tutor.learning_records.status().pending == 1 and tutor.learning_records.status().dead == 1


def test_the_sender_of_a_container_deployment_delivers_until_stopped(tmp_path, index, lrs, monkeypatch):
    """`tutor lrs send --follow` (the sender where the servers run without `tutor serve`) delivers what the tutor
    queues while it runs and stops cleanly on SIGTERM."""
    tutor = make_tutor(tmp_path, index, lrs.endpoint, monkeypatch, "  poll_s: 0.2\n")
    tutor.answer("ana", "how do I report a phishing email?")
    env = {**os.environ, "TUTOR_CONFIG": str(tmp_path / "tutor.yml"), "TUTOR_LRS_PASSWORD": PASSWORD}
    process = subprocess.Popen([sys.executable, "-m", "cli", "lrs", "send", "--follow"], cwd=ROOT, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        tutor.answer("ben", "what is multi-factor authentication?")  # made while the sender runs
        deadline = time.monotonic() + 60
        while tutor.learning_records.status().delivered < 2 and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.2)
        assert tutor.learning_records.status().delivered == 2
        process.send_signal(signal.SIGTERM)
        assert process.wait(30) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(10)
    assert len(in_lrs(lrs, tutor.records.outbox.statement_ids())) == 2
    assert "Sending learning records to" in (process.stdout.read() if process.stdout else "")


def test_the_lrs_containers_launcher_serves_the_tutors_user_from_the_environment(tmp_path):
    """deploy/ralph_server.py (the `lrs` image's command) writes the user from LRS_USERNAME and LRS_PASSWORD and
    serves Ralph's xAPI; here over the filesystem backend instead of MongoDB."""
    if not ralph_available():
        pytest.skip(".venv-ralph is missing: scripts/setup.sh (make setup) installs Ralph")
    from cli.lrs_server import RALPH_PYTHON
    from xapi import LrsSettings, StatementBuilder

    port = free_port()
    env = {**os.environ, "RALPH_APP_DIR": str(tmp_path / "app"), "RALPH_AUTH_FILE": str(tmp_path / "app" / "auth.json"),
           "RALPH_RUNSERVER_BACKEND": "fs", "RALPH_BACKENDS__LRS__FS__DEFAULT_DIRECTORY_PATH": str(tmp_path / "statements"),
           "LRS_USERNAME": "tutor", "LRS_PASSWORD": PASSWORD, "LRS_HOME_PAGE": f"http://127.0.0.1:{port}"}
    process = subprocess.Popen([str(RALPH_PYTHON), str(ROOT / "deploy" / "ralph_server.py"), "--host", "127.0.0.1",
                                "--port", str(port)], cwd=tmp_path, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        url = f"http://127.0.0.1:{port}/xAPI/statements"
        statement = StatementBuilder(LrsSettings()).asked("ana", "turn-1", answered=True, lang="en")
        deadline = time.monotonic() + 60
        while (answer := LrsClient(url, "tutor", PASSWORD).post([statement])).status is None and time.monotonic() < deadline:
            assert process.poll() is None, "the launcher exited"
            time.sleep(0.3)
        assert answer.kind == "stored"
        assert LrsClient(url, "tutor", "wrong").post([statement]).status == 401
        assert [s["id"] for s in LrsClient(url, "tutor", PASSWORD).read_all()] == [statement["id"]]
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(30)
