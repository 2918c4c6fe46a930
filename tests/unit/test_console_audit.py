"""The audit trail: every view of a conversation, search, export, flag, review, question decision, `forget` and
retention run is recorded (who, what, when, from where); rows cannot be changed or deleted, except by the retention
run once older than console.audit_retention_days; learners appear only by pseudonym from the moment a row is
written; admins alone see it and export it as CSV."""
from __future__ import annotations

import csv
import io
import sqlite3
import time

import pytest
from starlette.testclient import TestClient
from typer.testing import CliRunner

from console.app import create_app
from store import AuditQuery, AuditTrail, pseudonym
from tests.support.console import PASSWORD, Clock, console_tutor, csrf_of, seed_teams, sign_in

pytestmark = pytest.mark.unit


def test_rows_cannot_be_changed_or_deleted(tmp_path):
    trail = AuditTrail(tmp_path / "a.db", Clock())
    trail.record("trainer-a", "view conversation", learner="slack:T1:U-ana", target="c-1")
    assert not any(name in dir(trail) for name in ("update", "delete", "remove", "edit"))
    db = sqlite3.connect(tmp_path / "a.db")
    for statement in ("update audit_log set actor = 'someone else'", "delete from audit_log"):
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            db.execute(statement)
    entry = trail.entries()[0]
    assert entry["actor"] == "trainer-a" and entry["learner_pseudonym"] == pseudonym("slack:T1:U-ana")
    assert "U-ana" not in str(entry)
    assert trail.entries(AuditQuery(learner="slack:T1:U-ana"))[0]["entry_id"] == entry["entry_id"]


@pytest.fixture()
def world(tmp_path):
    tutor = console_tutor(tmp_path)
    turns = seed_teams(tutor)
    return tutor, turns, create_app(tutor, "test-secret", clock=Clock())


def test_what_a_trainer_does_is_recorded_with_pseudonyms_only(world):
    tutor, turns, app = world
    with TestClient(app, client=("10.1.2.3", 4000)) as trainer:
        sign_in(trainer, "trainer-a", PASSWORD)
        listed = trainer.get("/api/conversations", params={"q": "ana@corp.example"}).json()["conversations"]
        key = listed[0]["key"]
        page = trainer.get(f"/conversations/{key}").text
        trainer.post(f"/turns/{turns['ana']}/annotate", data={"csrf": csrf_of(page), "kind": "flag", "text": "wrong step"})
        trainer.post(f"/conversations/{key}/review", data={"csrf": csrf_of(page)})
        trainer.get("/export.csv", params={"learner": listed[0]["learner"]})
        assert trainer.get("/admin/audit").status_code == 403 and trainer.get("/api/admin/audit").status_code == 403
    entries = AuditTrail(tutor.records.db).entries()
    actions = [e["action"] for e in reversed(entries)]
    # (after the review the browser is sent back to the conversation: a second view)
    assert actions == ["sign-in", "search", "view conversation", "flag", "review", "view conversation", "export"]
    assert all(e["actor"] == "trainer-a" and e["role"] == "trainer" and e["address"] == "10.1.2.3" for e in entries)
    by_action = {e["action"]: e for e in entries}
    for action in ("view conversation", "flag", "review", "export"):
        assert by_action[action]["learner_pseudonym"] == pseudonym("ana"), action
    assert '"q": "[email]"' in by_action["search"]["detail"]  # the searched address is redacted
    with sqlite3.connect(tutor.settings.path(tutor.settings.paths.store)) as db:
        everything = str(db.execute("select * from audit_log").fetchall())
    assert "ana@corp.example" not in everything and "'ana'" not in everything


def test_question_decisions_are_recorded(world, monkeypatch):
    tutor, turns, app = world
    tutor.records.learning.upsert_questions([{"question_id": "q1", "course_id": "c", "course_title": "C", "skill": "s", "kind": "short",
                                              "prompt": "What is SBI?", "answer": "Situation, behaviour, impact", "options": [],
                                              "explanation": "", "section": "", "url": "", "source_chunk": "", "difficulty": 0.5,
                                              "origin": "authored"}])
    monkeypatch.setattr(tutor.question_bank, "refresh", lambda: False)
    with TestClient(app) as trainer:
        sign_in(trainer, "trainer-a", PASSWORD)
        page = trainer.get("/questions/q1").text
        assert trainer.post("/questions/q1/retire", data={"csrf": csrf_of(page)}, follow_redirects=False).status_code == 303
        assert trainer.post("/questions/q1/approve", data={"csrf": csrf_of(page)}, follow_redirects=False).status_code == 303
    actions = [(e["action"], e["target"]) for e in AuditTrail(tutor.records.db).entries()][:2]
    assert actions == [("question approval", "q1"), ("question retirement", "q1")]


def test_admins_see_and_export_the_trail(world):
    tutor, turns, app = world
    with TestClient(app) as admin:
        sign_in(admin, "admin1", PASSWORD)
        admin.get("/api/conversations", params={"channel": "rest"})
        page = admin.get("/admin/audit").text
        assert "sign-in" in page and "search" in page
        assert admin.get("/api/admin/audit", params={"action": "search"}).json()["total"] == 1
        exported = admin.get("/admin/audit.csv")
    assert exported.headers["content-type"] == "text/csv; charset=utf-8"
    rows = list(csv.DictReader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert [r["action"] for r in rows] == ["search", "sign-in"] and rows[0]["actor"] == "admin1"
    assert AuditTrail(tutor.records.db).entries()[0]["action"] == "audit export"  # exporting is recorded too


def test_forget_and_retention_runs_are_recorded(world, tmp_path, monkeypatch):
    tutor, turns, app = world
    monkeypatch.setenv("TUTOR_CONFIG", str(tmp_path / "tutor.yml"))
    from cli.main import app as cli

    runner = CliRunner()
    assert runner.invoke(cli, ["forget", "ana"]).exit_code == 0
    assert runner.invoke(cli, ["retention"]).exit_code == 0
    entries = AuditTrail(tutor.records.db).entries()
    assert [e["action"] for e in entries[:2]] == ["retention", "forget"]
    forget = entries[1]
    assert forget["actor"].startswith("cli:") and forget["learner_pseudonym"] == pseudonym("ana") and '"turns": 1' in forget["detail"]
    assert '"days": 365' in entries[0]["detail"]
    with sqlite3.connect(tmp_path / "tutor.db") as db:
        assert db.execute("select count(*) from learner_groups where learner = 'ana'").fetchone()[0] == 0  # forgotten too
        assert db.execute("select count(*) from audit_log where learner_pseudonym = ?", [pseudonym("ana")]).fetchone()[0] == 1


def test_retention_deletes_audit_entries_past_their_period_and_nothing_else_can(tmp_path, monkeypatch):
    tutor = console_tutor(tmp_path, "  audit_retention_days: 400\n")
    now = time.time()
    for days_ago in (500, 401, 399, 1):
        AuditTrail(tutor.records.db, Clock(now - days_ago * 86400)).record("trainer-a", "search", detail={"days_ago": days_ago})
    monkeypatch.setenv("TUTOR_CONFIG", str(tmp_path / "tutor.yml"))
    from cli.main import app as cli

    assert CliRunner().invoke(cli, ["retention"]).exit_code == 0
    entries = AuditTrail(tutor.records.db).entries()
    assert [e["action"] for e in entries] == ["retention", "search", "search"]
    assert [e["detail"] for e in entries[1:]] == ['{"days_ago": 1}', '{"days_ago": 399}']
    assert '"audit entries": 2' in entries[0]["detail"] and '"audit_days": 400' in entries[0]["detail"]
    with sqlite3.connect(tmp_path / "tutor.db") as db:
        assert db.execute("select count(*) from audit_retention").fetchone()[0] == 0  # the cutoff went with the run
        for statement in ("delete from audit_log", f"delete from audit_log where at < {now}"):  # no cutoff set: refused
            with pytest.raises(sqlite3.IntegrityError, match="append-only"):
                db.execute(statement)


def test_an_audit_retention_of_zero_keeps_the_trail_forever(tmp_path):
    tutor = console_tutor(tmp_path, "  audit_retention_days: 0\n")
    AuditTrail(tutor.records.db, Clock(time.time() - 5000 * 86400)).record("trainer-a", "search")
    assert "audit entries" not in tutor.apply_retention()
    assert AuditTrail(tutor.records.db).count() == 1
